// Turns the History view's form into the `HistoryFilter` the back end expects.
import type { Action } from './bindings/Action'
import type { HistoryFilter } from './bindings/HistoryFilter'
import type { Outcome } from './bindings/Outcome'
import type { Provider } from './bindings/Provider'

export type HistoryForm = {
  /** yyyy-mm-dd from <input type=date>, local calendar day; '' for none. */
  from: string
  to: string
  connectionId: string
  provider: Provider | ''
  action: Action | ''
  outcome: Outcome | ''
  text: string
}

export const emptyHistoryForm = (): HistoryForm => ({
  from: '',
  to: '',
  connectionId: '',
  provider: '',
  action: '',
  outcome: '',
  text: '',
})

/** Local midnight of a yyyy-mm-dd day, plus `addDays`, as ISO-8601 UTC. */
export function localDayStartIso(day: string, addDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return undefined
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays)
  return d.toISOString()
}

/** `from` is inclusive and `to` exclusive in the back end, so "to" a day means before the next day. */
export function buildHistoryFilter(form: HistoryForm): HistoryFilter {
  const f: HistoryFilter = {}
  const from = localDayStartIso(form.from)
  const to = localDayStartIso(form.to, 1)
  if (from) f.from = from
  if (to) f.to = to
  if (form.connectionId) f.connectionId = form.connectionId
  if (form.provider) f.provider = form.provider
  if (form.action) f.action = form.action
  if (form.outcome) f.outcome = form.outcome
  const text = form.text.trim()
  if (text) f.text = text
  return f
}
