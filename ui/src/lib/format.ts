import { actionInfo, catalog, providerName } from './catalog.svelte'
// Words and formats shown to the user, kept in one place so every view says the same thing.
import type { Action } from './bindings/Action'
import type { ItemRef } from './bindings/ItemRef'
import type { Outcome } from './bindings/Outcome'
import type { Provider } from './bindings/Provider'
import type { Status } from './bindings/Status'

export const ACTIONS: readonly Action[] = ['suspend', 'reactivate', 'close', 'delete']

/** What the history records: the actions, and each phone number moved to the parent before a
 * Close (`move_number`, never a button). */
export const RECORDED_ACTIONS: readonly Action[] = [...ACTIONS, 'move_number']

/** Only when the catalog has no word for an action (it always should). */
const ACTION_VERBS: Record<Action, string> = {
  suspend: 'Suspend',
  reactivate: 'Reactivate',
  close: 'Close',
  delete: 'Delete',
  move_number: 'Move number to parent',
}

/**
 * The action's name as core's catalog words it ("Suspend", "Close account"): the provider's
 * entry when one is given, else the first provider offering the action. A change of words in
 * Rust flows through here to every button, dialog and history line.
 */
export function actionLabel(a: Action | null, provider?: Provider | string | null): string {
  // `null`: an action recorded by a newer Subdesk that this one does not know.
  if (a == null) return 'unknown action'
  const own = provider == null ? undefined : actionInfo(provider, a)
  const any = own ?? catalog.providers.flatMap((p) => p.actions).find((x) => x.action === a)
  return any?.label ?? ACTION_VERBS[a] ?? a
}

/** The verb alone, for a count: "Close 3 accounts". */
export const actionVerb = (a: Action): string => ACTION_VERBS[a] ?? a

/** Irreversible actions, as core's catalog says (`ActionInfo.irreversible`). */
export const isIrreversible = (a: Action): boolean =>
  catalog.providers.some((p) => p.actions.some((x) => x.action === a && x.irreversible))

/** The button that opens an action's dialog: "Close account…". */
export const actionOpener = (a: Action, provider?: Provider | string): string => `${actionLabel(a, provider)}…`

/** The dialog's confirm button: an irreversible action says "permanently". */
export const actionConfirm = (a: Action, provider?: Provider | string): string =>
  isIrreversible(a) ? `${actionLabel(a, provider)} permanently` : actionLabel(a, provider)

const ACTION_DONE: Record<Action, string> = {
  suspend: 'suspended',
  reactivate: 'reactivated',
  close: 'closed',
  delete: 'deleted',
  move_number: 'moved to the parent account',
}

/** "will be …": suspended, reactivated, closed, deleted. */
export const actionDone = (a: Action): string => ACTION_DONE[a] ?? a

/** The provider's name, from core's catalog. */
/** `null`: a provider recorded by a newer Subdesk that this one does not know. */
export const providerLabel = (p: Provider | string | null): string => (p == null ? 'unknown provider' : providerName(p))

const OUTCOME_LABELS: Record<Outcome, string> = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  not_started: 'not started',
  unknown: 'unknown',
}

export const outcomeLabel = (o: Outcome): string => OUTCOME_LABELS[o] ?? o

/** A word standing alone as a label (a filter's option): its first letter a capital. */
export const capitalised = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1)

/** One account across all connections: ids are only unique within a connection. */
export const itemKey = (r: ItemRef | { connectionId: string; id: string }): string =>
  `${r.connectionId}\u0000${'accountId' in r ? r.accountId : r.id}`

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** Local, readable time; the ISO original stays available for a title attribute. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d)
}

const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' })

/**
 * A local time short enough for one line of a list: without the year when it is this year's
 * ("Dec 3, 3:01:47 PM"), as formatDateTime otherwise. The ISO original goes in a title.
 */
export function formatListTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.getFullYear() === now.getFullYear() ? shortDateTime.format(d) : dateTime.format(d)
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d)
}

export function formatEta(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs)) return ''
  const s = Math.max(0, Math.round(secs))
  if (s < 60) return `about ${s} s left`
  const m = Math.floor(s / 60)
  const rest = s % 60
  if (m < 60) return rest ? `about ${m} min ${rest} s left` : `about ${m} min left`
  const h = Math.floor(m / 60)
  return `about ${h} h ${m % 60} min left`
}

export function formatDuration(ms: number | bigint | null | undefined): string {
  if (ms == null) return ''
  const n = Number(ms)
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`
}

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString()} ${n === 1 ? one : many}`

/**
 * What a connection's failed listing did, in words fitting core's error code, to follow the
 * connection's name: "Demo Vobiz did not answer". Core's own sentence is shown beside it.
 */
export function listFailureWords(code: string): string {
  switch (code) {
    case 'network':
    case 'timeout':
      return 'did not answer'
    case 'auth':
    case 'api_key_refused':
    case 'subaccount_credentials':
      return 'refused the credentials'
    case 'forbidden':
    case 'api_key_cannot_reach_subaccount':
      return 'refused access to its subaccounts'
    case 'rate_limited':
      return 'asked Subdesk to slow down'
    case 'provider':
    case 'refused':
    case 'not_applied':
    case 'unexpected_response':
    case 'response_too_large':
      return 'answered with an error'
    case 'keychain':
    case 'missing_secret':
      return 'could not be opened: its secret could not be read from the keychain'
    default:
      return 'could not be listed'
  }
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** "14:02" today, with the date on another day. */
export function formatSince(d: Date, now: Date = new Date()): string {
  return d.toDateString() === now.toDateString() ? timeOnly.format(d) : dayAndTime.format(d)
}

/** Beside a row kept from an earlier listing. */
export const staleText = (since: Date | null): string =>
  since ? `not updated since ${formatSince(since)}` : 'not updated'

/** A long ID shortened in the middle, "AC12…cdef"; short IDs are shown whole. */
export function shortId(id: string, keep = 4): string {
  return id.length <= keep * 2 + 3 ? id : `${id.slice(0, keep)}…${id.slice(-keep)}`
}

/** Who ran an action: the OS user, with the display name set in Settings then, "dana (Dana K.)";
 * an entry of the team's trail also says from which desktop, "dana (Dana K.) on DESKTOP-2". */
export function operatorLabel(e: { actor: string; operatorName: string | null; desktop?: string }): string {
  const who = e.operatorName ? `${e.actor} (${e.operatorName})` : e.actor
  return e.desktop ? `${who} on ${e.desktop}` : who
}

/** Whether someone has started typing in the focused text field (it has focus and text): a
 * dialog that finishes loading then leaves the focus there. */
export function typingInAField(): boolean {
  const el = document.activeElement
  const field = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && (el.type === 'text' || el.type === 'search'))
  return field && (el as HTMLInputElement | HTMLTextAreaElement).value !== ''
}

/**
 * How *Check now* ended: `open` is how many actions on the account are still not confirmed.
 * `selfCheck` false: Subdesk cannot settle them by reading (a provider that reports no state,
 * a removed connection), so the user records what the provider's console shows.
 */
export function checkedText(open: number, selfCheck = true): string {
  if (open === 0) return 'Checked: settled.'
  return selfCheck
    ? 'Still not confirmed: the provider may still apply it; Subdesk checks again by itself.'
    : 'Still not confirmed: Subdesk cannot check this by itself. Look at the account in the provider’s console, then record what you found on its History entry.'
}

/**
 * A name or label from outside (a provider, the user) inside a longer attribute text such as a
 * tooltip: between first-strong-isolate and pop-directional-isolate marks, so its own direction
 * marks or right-to-left letters cannot reorder the words after it. In the page, use <bdi>.
 */
export const isolated = (text: string): string => `\u2068${text}\u2069`

/**
 * A history entry's status change in words: "unchanged (active)", "active → suspended", and
 * "not known" for a side Subdesk could not read (or a provider that reports no state).
 */
export function statusChange(before: Status | null, after: Status | null): string {
  const known = (s: Status | null) => (s && s !== 'unknown' ? s : null)
  const b = known(before)
  const a = known(after)
  if (!b && !a) return 'not known'
  if (b === a) return `unchanged (${b})`
  return `${b ?? 'not known'} → ${a ?? 'not known'}`
}
