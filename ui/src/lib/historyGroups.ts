// The History list as shown: single actions as plain rows, the entries of one bulk job under one
// job row. Grouping is by `jobId` over the entries loaded so far, placed where the job's newest
// loaded entry is.
import type { Action } from './bindings/Action'
import type { HistoryEntry } from './bindings/HistoryEntry'
import type { Outcome } from './bindings/Outcome'

export type HistoryItem =
  | { kind: 'entry'; entry: HistoryEntry }
  | { kind: 'job'; jobId: string; entries: HistoryEntry[] }

export function groupByJob(entries: readonly HistoryEntry[]): HistoryItem[] {
  const out: HistoryItem[] = []
  const jobs = new Map<string, HistoryEntry[]>()
  for (const e of entries) {
    if (e.jobId == null) {
      out.push({ kind: 'entry', entry: e })
      continue
    }
    const known = jobs.get(e.jobId)
    if (known) {
      known.push(e)
      continue
    }
    const list = [e]
    jobs.set(e.jobId, list)
    out.push({ kind: 'job', jobId: e.jobId, entries: list })
  }
  return out
}

/** How many of a job's entries ended each way, in a fixed order; only outcomes that occur. */
export function outcomeCounts(entries: readonly HistoryEntry[]): [Outcome, number][] {
  const order: Outcome[] = ['succeeded', 'failed', 'unknown', 'pending', 'skipped', 'not_started']
  const n = new Map<Outcome, number>()
  for (const e of entries) n.set(e.outcome, (n.get(e.outcome) ?? 0) + 1)
  return order.filter((o) => n.has(o)).map((o) => [o, n.get(o)!])
}

/** The job's action when all its entries agree (they always should), else null. */
export function jobAction(entries: readonly HistoryEntry[]): Action | null {
  const first = entries[0]?.action ?? null
  return entries.every((e) => e.action === first) ? first : null
}
