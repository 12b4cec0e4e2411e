// Search, filter and sort of the Accounts table: pure functions so they are cheap to test and
// to run over 10,000 rows.
import type { AccountRow } from './bindings/AccountRow'
import type { Status } from './bindings/Status'

export type SortKey = 'name' | 'id' | 'provider' | 'connection' | 'status' | 'created'
export type SortDir = 'asc' | 'desc'
export type Sort = { key: SortKey; dir: SortDir }

export type RowFilter = {
  /** Case-insensitive substring of the name or the id. */
  search: string
  status: Status | ''
  connectionId: string
}

export const emptyFilter = (): RowFilter => ({ search: '', status: '', connectionId: '' })

export function filterRows(rows: readonly AccountRow[], f: RowFilter): AccountRow[] {
  const q = f.search.trim().toLowerCase()
  if (!q && !f.status && !f.connectionId) return rows.slice()
  return rows.filter(
    (r) =>
      (!f.status || r.status === f.status) &&
      (!f.connectionId || r.connectionId === f.connectionId) &&
      (!q || r.name.toLowerCase().includes(q) || r.id.toLowerCase().includes(q)),
  )
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })

const field: Record<SortKey, (r: AccountRow) => string> = {
  name: (r) => r.name,
  id: (r) => r.id,
  provider: (r) => r.provider,
  connection: (r) => r.connectionLabel,
  status: (r) => r.status,
  // ISO-8601 sorts as text; rows without a date go last when ascending.
  created: (r) => r.created ?? '\uffff',
}

/** Sorts in place (the caller passes a fresh array) and returns it. Stable, ties by id. */
export function sortRows(rows: AccountRow[], sort: Sort): AccountRow[] {
  const get = field[sort.key]
  const sign = sort.dir === 'asc' ? 1 : -1
  const cmp = sort.key === 'created' ? (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) : collator.compare
  return rows.sort((a, b) => sign * (cmp(get(a), get(b)) || collator.compare(a.id, b.id)))
}

/** Closed and deleted: accounts that are over, hidden from the table unless asked for. */
export const ENDED: readonly Status[] = ['closed', 'deleted']

/** Leaves out ended accounts, except those in `keep` (e.g. closed here a moment ago). */
export function withoutEnded(rows: readonly AccountRow[], keep: (r: AccountRow) => boolean): AccountRow[] {
  return rows.filter((r) => !ENDED.includes(r.status) || keep(r))
}

/** How many rows have each status. */
export function countByStatus(rows: readonly AccountRow[]): Map<Status, number> {
  const counts = new Map<Status, number>()
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  return counts
}

export function queryRows(rows: readonly AccountRow[], f: RowFilter, sort: Sort): AccountRow[] {
  return sortRows(filterRows(rows, f), sort)
}
