import { allowedActions as catalogAllowed, catalog } from '../lib/catalog.svelte'
// An in-memory stand-in for the Rust commands, behind `mockIPC`: used by component tests and by
// `npm run dev:mock` (the UI in a plain browser, no Tauri). It imitates the contract, not the
// providers: the real rules live in crates/core.
import type { AccountDetail } from '../lib/bindings/AccountDetail'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { ActionPreview } from '../lib/bindings/ActionPreview'
import type { Action } from '../lib/bindings/Action'
import type { AppStatus } from '../lib/bindings/AppStatus'
import type { BulkPreview } from '../lib/bindings/BulkPreview'
import type { Confirmation } from '../lib/bindings/Confirmation'
import type { Connection } from '../lib/bindings/Connection'
import type { HistoryEntry } from '../lib/bindings/HistoryEntry'
import type { HistoryFilter } from '../lib/bindings/HistoryFilter'
import type { ItemRef } from '../lib/bindings/ItemRef'
import type { ItemResult } from '../lib/bindings/ItemResult'
import type { JobCounts } from '../lib/bindings/JobCounts'
import type { JobEvent } from '../lib/bindings/JobEvent'
import type { ListEvent } from '../lib/bindings/ListEvent'
import type { NewConnection } from '../lib/bindings/NewConnection'
import type { PreviewEvent } from '../lib/bindings/PreviewEvent'
import type { Status } from '../lib/bindings/Status'
import type { UiError } from '../lib/bindings/UiError'
import type { Settings } from '../lib/bindings/Settings'
import fixtures from '../lib/bindings/fixtures.json'
import type { TeamInput } from '../lib/bindings/TeamInput'
import type { TeamView } from '../lib/bindings/TeamView'
import type { Figures } from '../lib/bindings/Figures'
import type { FiguresDone } from '../lib/bindings/FiguresDone'
import type { FiguresEvent } from '../lib/bindings/FiguresEvent'
import { MAX_REASON, reasonToSend } from '../lib/reason'
import { endChannel, sendToChannel } from './channel'

/** Core's words for a Twilio close of two numbers (crates/core/src/providers/twilio), without
 * and with the numbers' move to the parent account. */
export type Call = { cmd: string; args: Record<string, unknown> }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len)

export const DEMO_TWILIO: Connection = {
  id: 'conn-twilio',
  provider: 'twilio',
  label: 'Demo Twilio',
  accountId: `AC${hex(1, 32)}`,
  baseUrl: 'http://127.0.0.1:4010',
  parentName: 'Demo Reseller',
  demo: true,
  options: {},
}

export const DEMO_VOBIZ: Connection = {
  id: 'conn-vobiz',
  provider: 'vobiz',
  label: 'Demo Vobiz',
  accountId: 'MA_DEMO0001',
  baseUrl: 'http://127.0.0.1:4011',
  parentName: 'Demo Vobiz Parent',
  demo: true,
  options: {},
}

const NAMES = ['Acme Dental', 'Bluebird Taxis', 'Cedar Clinic', 'Delta Plumbing', 'Evergreen Law', 'Fox Bakery', 'Granite Gym', 'Harbor Hotel']

/** The rules core uses, from the generated catalog: the mock has none of its own. */
export function allowedActions(provider: string, status: Status): Action[] {
  return catalogAllowed(provider, status)
}

type ProviderFixtures = Record<
  string,
  { row: AccountRow; previews: Record<string, unknown>; bulk: Record<string, { consequences: string[]; consequencesIfMoved?: string[] | null }>; detail?: unknown }
>
const PROVIDERS = fixtures.providers as unknown as Record<string, ProviderFixtures>

/** A recorded answer with its `{placeholders}` filled in for the row at hand. */
export function filled<T>(template: T, fill: Record<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return Object.entries(fill).reduce((m, [k, x]) => m.replaceAll(`{${k}}`, x), v)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(template) as T
}

/** Core's bulk sentences for `action`, each provider's once, as recorded; with `moved`, the
 * sentences with the numbers moved first where a provider has them (`null` when none has). */
function bulkConsequences(rows: AccountRow[], action: Action, moved: true): string[] | null
function bulkConsequences(rows: AccountRow[], action: Action, moved?: false): string[]
function bulkConsequences(rows: AccountRow[], action: Action, moved = false): string[] | null {
  const providers = [...new Set(rows.map((r) => r.provider))].sort()
  const recordedOf = (p: string) => Object.values(PROVIDERS[p] ?? {}).find((s) => s.bulk[action])?.bulk[action]
  if (moved && !providers.some((p) => recordedOf(p)?.consequencesIfMoved)) return null
  const said = providers.flatMap((p) => {
    const r = recordedOf(p)
    return (moved ? r?.consequencesIfMoved : null) ?? r?.consequences ?? []
  })
  return [...new Set(said)]
}

/** The provider's recorded state closest to `status`: that status, else its first. */
function recorded(provider: string, status: Status) {
  const states = PROVIDERS[provider]
  if (!states) throw new Error(`fixtures.json has no ${provider} rows: run ./scripts/bindings`)
  return states[status] ?? Object.values(states)[0]
}

/**
 * A row shaped as core lists it for this provider (recorded by `export_bindings_fixtures`):
 * the mock picks the ID, name, status and date; the provider's own words for the status and
 * the actions it offers come from the recording (or the catalog, for a status not recorded).
 */
export function makeRow(c: Connection, i: number, status: Status = 'active'): AccountRow {
  const id = c.provider === 'twilio' ? `AC${hex(0xa000 + i, 32)}` : `SA_${hex(0xb000 + i, 8).toUpperCase()}`
  const template = recorded(c.provider, status)
  const same = template.row.status === status
  return {
    ...template.row,
    connectionId: c.id,
    connectionLabel: c.label,
    id,
    name: `${NAMES[i % NAMES.length]} ${i + 1}`,
    status,
    providerStatus: same ? template.row.providerStatus : status,
    created: new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString(),
    allowedActions: same ? template.row.allowedActions : allowedActions(c.provider, status),
    demo: c.demo,
  }
}

/** Core's sentence for a row in doubt, as `in_flight::in_doubt` words it. */
export function inDoubtSentence(action: Action, at: string): string {
  const when = `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`
  return `Subdesk is not sure whether the ${action} sent on ${when} went through, so it sends nothing more to this account until that is settled. Use Check now to read the account again.`
}

const err = (code: UiError['code'], message: string, retryable = false, field?: string): UiError => ({
  code,
  message,
  retryable,
  ...(field ? { field } : {}),
})

/**
 * A refusal as core words it: recorded from the real commands on the demo workspace by
 * `export_bindings_fixtures` (src-tauri/src/ipc_check.rs), its `{id}`, `{name}` and `{phrase}`
 * filled in for the row at hand. The mock replays core's sentence; it does not write its own.
 */
export function coreError(key: keyof typeof fixtures.errors, fill: Record<string, string> = {}): UiError {
  const e = fixtures.errors[key] as UiError
  const message = Object.entries(fill).reduce((m, [k, v]) => m.replaceAll(`{${k}}`, v), e.message)
  return { ...e, message }
}

const DONE: Record<Action, Status> = {
  suspend: 'suspended',
  reactivate: 'active',
  close: 'closed',
  delete: 'deleted',
  // A number's move leaves the account as it was.
  move_number: 'active',
}

export type FakeOptions = {
  demo?: boolean
  connections?: Connection[]
  /** Accounts per connection. */
  perConnection?: number
  pageSize?: number
  /** Delay of every command and between streamed events. */
  latencyMs?: number
  keychainProblem?: string | null
  settingsProblem?: string | null
  /** Saved connection entries this version could not read, one sentence each. */
  unreadableConnections?: string[]
}

export class FakeBackend {
  calls: Call[] = []
  demo: boolean
  connections: Connection[]
  rows: AccountRow[]
  history: HistoryEntry[] = []
  settings: Settings = { concurrency: 8, operatorDisplayName: null }
  /** Team history as saved (the password only as whether one is saved, as core keeps it). */
  team: TeamView = { enabled: false, settings: null, passwordSaved: false, desktop: 'THIS-DESKTOP', problem: null, waiting: 0 }
  /** Figures a test set for an account id (see `figuresFor`). */
  figures = new Map<string, Figures>()
  keychainProblem: string | null
  settingsProblem: string | null
  unreadableConnections: string[]
  pageSize: number
  latencyMs: number
  /**
   * Account ids whose actions fail, with this error. Code `outcome_unknown`: the change is
   * sent but its outcome is not known (the entry stays unknown, the row in doubt).
   */
  failing = new Map<string, UiError>()
  /** Account ids that Check now cannot settle (the provider may still apply the change). */
  unsettled = new Set<string>()
  /** Overrides: a command name -> its result or a UiError to reject with. */
  overrides = new Map<string, (args: Record<string, unknown>) => unknown>()
  #cancelled = new Set<string>()
  #nextHistoryId = 1
  #jobs = 0
  #tokens = new Set<string>()
  #tokenCount = 0

  constructor(o: FakeOptions = {}) {
    this.demo = o.demo ?? true
    this.connections = o.connections ?? (this.demo ? [DEMO_TWILIO, DEMO_VOBIZ] : [])
    this.pageSize = o.pageSize ?? 50
    this.latencyMs = o.latencyMs ?? 0
    this.keychainProblem = o.keychainProblem ?? null
    this.settingsProblem = o.settingsProblem ?? null
    this.unreadableConnections = o.unreadableConnections ?? []
    const per = o.perConnection ?? 6
    this.rows = this.connections.flatMap((c) =>
      Array.from({ length: per }, (_, i) => makeRow(c, i, i % 5 === 3 ? 'suspended' : i % 7 === 6 ? 'closed' : 'active')),
    )
  }

  callsOf(cmd: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args)
  }

  status(): AppStatus {
    return {
      version: '0.1.0',
      demo: this.demo,
      connections: this.connections,
      keychainProblem: this.keychainProblem,
      historyProblem: null,
      settingsProblem: this.settingsProblem,
      unreconciled: this.history.filter((e) => e.outcome === 'unknown' || e.outcome === 'pending').length,
      unreadableConnections: this.unreadableConnections,
    }
  }

  /** The `mockIPC` handler. */
  handle = async (cmd: string, rawArgs?: unknown): Promise<unknown> => {
    const args = (rawArgs ?? {}) as Record<string, unknown>
    this.calls.push({ cmd, args })
    if (this.latencyMs) await sleep(this.latencyMs)
    const override = this.overrides.get(cmd)
    if (override) return override(args)
    switch (cmd) {
      case 'provider_catalog':
        return catalog.providers
      case 'app_status':
        return this.status()
      case 'keychain_check':
        return this.keychainProblem
      case 'open_demo':
        this.demo = true
        if (!this.connections.some((c) => c.demo)) {
          this.connections = [...this.connections, DEMO_TWILIO, DEMO_VOBIZ]
          this.rows = [...this.rows, ...[DEMO_TWILIO, DEMO_VOBIZ].flatMap((c) => [0, 1, 2, 3].map((i) => makeRow(c, i)))]
        }
        return this.status()
      case 'close_demo':
        this.demo = false
        this.connections = this.connections.filter((c) => !c.demo)
        this.rows = this.rows.filter((r) => !r.demo)
        return this.status()
      case 'verify_connection':
        return this.#verify(args.input as NewConnection)
      case 'add_connection': {
        const input = args.input as NewConnection
        const parent = this.#verify(input)
        const c: Connection = {
          id: `conn-${this.connections.length + 1}`,
          provider: input.provider,
          label: input.label,
          accountId: input.accountId,
          baseUrl: parent.baseUrl,
          parentName: parent.name,
          demo: false,
          options: { ...input.options },
        }
        this.connections = [...this.connections, c]
        return c
      }
      case 'edit_connection': {
        const edit = args.edit as { label: string; secret?: string }
        if (edit.secret === 'wrong') throw coreError('wrongSecret')
        const label = edit.label.trim()
        if (!label) throw err('validation', 'Give the connection a name of 1 to 80 characters.')
        this.connections = this.connections.map((c) => (c.id === args.connectionId ? { ...c, label } : c))
        return this.connections.find((c) => c.id === args.connectionId)
      }
      case 'remove_connection':
        this.connections = this.connections.filter((c) => c.id !== args.connectionId)
        this.rows = this.rows.filter((r) => r.connectionId !== args.connectionId)
        return null
      case 'list_accounts':
        return this.#list(args.onEvent)
      case 'preview_action':
        return this.#preview(args.connectionId as string, args.accountId as string, args.action as Action)
      case 'account_detail':
        return this.#detail(args.connectionId as string, args.accountId as string)
      case 'apply_action':
        return this.#apply(
          args.connectionId as string,
          args.accountId as string,
          args.action as Action,
          args.confirmation as Confirmation | null,
          this.#reason(args.reason),
        )
      case 'check_account':
        return this.#check(args.connectionId as string, args.accountId as string)
      case 'settle_entry':
        return this.#settle(Number(args.entryId), args.wentThrough === true)
      case 'history_query':
        return this.#historyQuery(args.filter as HistoryFilter, args.beforeId as number | null, args.limit as number)
      case 'history_export':
        return { path: `/home/user/subdesk-history.${args.format as string}`, count: this.history.length }
      case 'accounts_export':
        return this.#accountsExport(args.items as ItemRef[])
      case 'bulk_preview':
        return this.#bulkPreview(args.items as ItemRef[], args.action as Action, args.onEvent, (args.previewId as string | null) ?? null)
      case 'bulk_preview_cancel':
        this.#cancelled.add(args.previewId as string)
        return null
      case 'bulk_run':
        return this.#bulkRun(
          args.items as ItemRef[],
          args.action as Action,
          args.confirmation as Confirmation | null,
          args.onEvent,
          this.#reason(args.reason),
        )
      case 'bulk_cancel':
        this.#cancelled.add(args.jobId as string)
        return null
      case 'figures_read':
        return this.#figuresRead(args.items as ItemRef[], args.runId as string, args.onEvent)
      case 'figures_stop':
        this.#cancelled.add(args.runId as string)
        return null
      case 'figures_first':
        return null
      case 'about_info':
        return MOCK_ABOUT
      case 'open_folder':
        return null
      case 'get_settings':
        return this.settings
      case 'set_settings': {
        const next = args.settings as Settings
        const name = reasonToSend(next.operatorDisplayName ?? '')
        if (name && [...name].length > fixtures.limits.maxDisplayName) throw coreError('displayNameTooLong')
        this.settings = { ...next, operatorDisplayName: name }
        return this.settings
      }
      case 'team_settings':
        return this.team
      case 'save_team_settings': {
        const input = args.input as TeamInput
        const saved = this.team.passwordSaved || !!input.password
        if (input.enabled && !saved) {
          throw err('validation', "Enter the team database's password: Subdesk keeps it in this computer's keychain.", false, 'password')
        }
        this.team = { ...this.team, enabled: input.enabled, settings: input.settings, passwordSaved: saved }
        return this.team
      }
      case 'test_team_settings': {
        const input = args.input as TeamInput
        if (!input.password && !this.team.passwordSaved) {
          return { ok: false, message: "Enter the team database's password: Subdesk keeps it in this computer's keychain." }
        }
        if (input.password === 'wrong') {
          return { ok: false, message: 'The team database refused the user name or password. Check them with whoever runs the database.' }
        }
        return { ok: true, message: 'Connected: a Subdesk team history with 0 entries, on this computer, not encrypted.' }
      }
      case 'team_move_in': {
        if (!this.team.enabled) throw err('validation', 'Team history is off. Turn it on and save, then move the history in.')
        const n = this.history.length
        return `Copied ${n === 1 ? '1 entry' : `${n} entries`} into the team history.`
      }
      default:
        throw err('validation', `The mock back end does not know ${cmd}.`)
    }
  }

  #verify(input: NewConnection) {
    if (input.secret === 'wrong') throw coreError('wrongSecret')
    return {
      accountId: input.accountId,
      name: `${input.label || 'Parent'} (verified)`,
      baseUrl: input.baseUrl ?? catalog.info(input.provider)?.defaultBaseUrl ?? '',
      limitations: input.options.apiKeySid ? ['This API key cannot read subaccounts\' phone numbers.'] : [],
    }
  }

  #find(connectionId: string, accountId: string): AccountRow {
    const row = this.rows.find((r) => r.connectionId === connectionId && r.id === accountId)
    if (!row) throw coreError('notFound')
    return row
  }

  async #list(channel: unknown) {
    for (const c of this.connections) {
      const rows = this.rows.filter((r) => r.connectionId === c.id)
      for (let i = 0; i < rows.length; i += this.pageSize) {
        sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: c.id, rows: rows.slice(i, i + this.pageSize) })
        if (this.latencyMs) await sleep(this.latencyMs)
      }
      sendToChannel<ListEvent>(channel, { kind: 'done', connectionId: c.id, total: rows.length })
    }
    endChannel(channel)
    // As the command does: how many connections ended.
    return this.connections.length
  }

  /** Core's preview of this action at this provider, as recorded for a row of the same status
   * (else of any status), filled in for this row. */
  #preview(connectionId: string, accountId: string, action: Action) {
    const row = this.#find(connectionId, accountId)
    if (row.inDoubt) throw err('in_doubt', row.inDoubt)
    const states = [recorded(row.provider, row.status), ...Object.values(PROVIDERS[row.provider])]
    const template = states.map((s) => s.previews[action]).find(Boolean) as Omit<ActionPreview, 'row'> | undefined
    if (!template) throw err('invalid_transition', `${row.name} cannot be changed that way.`)
    const preview = filled(template, { id: row.id, name: row.name, phrase: accountId.slice(-3), token: '' })
    return {
      ...preview,
      row,
      confirmToken: preview.irreversible ? this.#issue() : null,
    }
  }

  /** Core's detail for an account of this provider, as recorded, filled in for this row. */
  #detail(connectionId: string, accountId: string) {
    const row = this.#find(connectionId, accountId)
    const states = Object.values(PROVIDERS[row.provider] ?? {})
    const template = (recorded(row.provider, 'active').detail ?? states.find((s) => s.detail)?.detail) as AccountDetail
    return { row, updated: row.created, detail: filled(template, { id: row.id, name: row.name }) }
  }

  /** Like core: an irreversible action carries the single-use token its preview issued. */
  #issue(): string {
    const token = `token-${++this.#tokenCount}`
    this.#tokens.add(token)
    return token
  }

  #redeem(confirmation: Confirmation | null) {
    if (!confirmation || !this.#tokens.delete(confirmation.token)) {
      throw err('preview_required', 'Nothing was changed: open the action again and confirm it on its preview.')
    }
  }

  /** Like core: the reason kept on one line, none when empty, refused when too long. */
  #reason(raw: unknown): string | null {
    const reason = reasonToSend(typeof raw === 'string' ? raw : '')
    if (reason && [...reason].length > MAX_REASON) throw coreError('reasonTooLong')
    return reason
  }

  #record(
    row: AccountRow,
    action: Action,
    outcome: HistoryEntry['outcome'],
    after: Status | null,
    error: UiError | null,
    jobId: string | null,
    reason: string | null = null,
  ) {
    const now = new Date().toISOString()
    this.history.unshift({
      // Over JSON, ids are plain numbers whatever ts-rs says; keep the fake honest about that.
      id: this.#nextHistoryId++,
      startedAt: now,
      finishedAt: now,
      actor: 'demo',
      operatorName: this.settings.operatorDisplayName,
      reason,
      connectionId: row.connectionId,
      connectionLabel: row.connectionLabel,
      provider: row.provider,
      accountId: row.id,
      accountName: row.name,
      action,
      statusBefore: row.status,
      statusAfter: after,
      outcome,
      requestId: outcome === 'succeeded' ? `RQ${hex(this.#nextHistoryId, 32)}` : null,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      durationMs: 120,
      jobId,
      snapshot: action === 'delete' ? JSON.stringify({ id: row.id, name: row.name }) : null,
      reconciled: false,
    })
  }

  #applyOne(connectionId: string, accountId: string, action: Action, jobId: string | null, reason: string | null): AccountRow {
    const row = this.#find(connectionId, accountId)
    if (row.inDoubt) throw err('in_doubt', row.inDoubt)
    if (!row.allowedActions.includes(action)) {
      throw err('invalid_transition', `${row.name} is ${row.status}; it cannot be changed that way.`)
    }
    const failure = this.failing.get(accountId)
    if (failure?.code === 'outcome_unknown') {
      this.#record(row, action, 'unknown', null, failure, jobId, reason)
      this.#replace(row, { ...row, inDoubt: inDoubtSentence(action, this.history[0].startedAt), allowedActions: [] })
      throw failure
    }
    if (failure) {
      this.#record(row, action, 'failed', row.status, failure, jobId, reason)
      throw failure
    }
    const status = DONE[action]
    const next: AccountRow = { ...row, status, providerStatus: status, allowedActions: allowedActions(row.provider, status) }
    this.rows = this.rows.map((r) => (r === row ? next : r))
    this.#record(row, action, 'succeeded', status, null, jobId, reason)
    return next
  }

  #replace(row: AccountRow, next: AccountRow) {
    this.rows = this.rows.map((r) => (r === row ? next : r))
  }

  /**
   * For tests and the mock UI: an earlier `action` on this account was sent and its outcome is
   * not known. Records the unknown entry and puts the row in doubt, as core lists it.
   */
  putInDoubt(accountId: string, action: Action = 'suspend', errorCode: string | null = 'not_yet_applied'): HistoryEntry {
    const row = this.rows.find((r) => r.id === accountId)
    if (!row) throw new Error(`no row ${accountId}`)
    this.#record(row, action, 'unknown', null, null, null)
    const entry = { ...this.history[0], errorCode }
    this.history[0] = entry
    this.#replace(row, { ...row, inDoubt: inDoubtSentence(action, entry.startedAt), allowedActions: [] })
    return entry
  }

  #open(connectionId: string, accountId: string): HistoryEntry[] {
    return this.history.filter(
      (e) => e.connectionId === connectionId && e.accountId === accountId && (e.outcome === 'unknown' || e.outcome === 'pending'),
    )
  }

  /** A settled account offers its actions again; an unsettled one stays in doubt. */
  #afterSettling(connectionId: string, accountId: string) {
    const row = this.rows.find((r) => r.connectionId === connectionId && r.id === accountId)
    if (row && this.#open(connectionId, accountId).length === 0) {
      this.#replace(row, { ...row, inDoubt: null, allowedActions: allowedActions(row.provider, row.status) })
    }
  }

  /** As core's Check now: reads the account and settles its open entries; answers how many stay open. */
  #check(connectionId: string, accountId: string): number {
    const row = this.#find(connectionId, accountId)
    if (!this.unsettled.has(accountId)) {
      for (const e of this.#open(connectionId, accountId)) {
        // The mock's provider always applied the change in the end.
        const status = e.action ? DONE[e.action] : row.status
        Object.assign(e, { outcome: 'succeeded', statusAfter: status, reconciled: true, errorCode: null, errorMessage: null })
        const current = this.rows.find((r) => r.connectionId === connectionId && r.id === accountId)!
        this.#replace(current, { ...current, status, providerStatus: status })
      }
      this.#afterSettling(connectionId, accountId)
    }
    return this.#open(connectionId, accountId).length
  }

  /** As core: records what the user saw in the provider's console; refuses a settled entry. */
  #settle(entryId: number, wentThrough: boolean): HistoryEntry {
    const at = this.history.findIndex((e) => e.id === entryId && (e.outcome === 'unknown' || e.outcome === 'pending'))
    if (at < 0) throw err('validation', 'This entry is already settled. Refresh History to see its outcome.')
    const e = this.history[at]
    const said = wentThrough ? 'went through' : 'did not go through'
    const settled: HistoryEntry = {
      ...e,
      outcome: wentThrough ? 'succeeded' : 'failed',
      statusAfter: wentThrough && e.action ? DONE[e.action] : null,
      errorCode: 'settled_by_hand',
      errorMessage: `Settled by hand on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${e.actor} checked the account in the provider's console and recorded that the change ${said}.`,
      reconciled: true,
    }
    this.history[at] = settled
    this.#afterSettling(e.connectionId, e.accountId)
    return settled
  }

  #apply(connectionId: string, accountId: string, action: Action, confirmation: Confirmation | null, reason: string | null) {
    this.#find(connectionId, accountId)
    const phrase = action === 'close' || action === 'delete' ? accountId.slice(-3) : null
    if (phrase && confirmation?.typed.toLowerCase() !== phrase.toLowerCase()) {
      throw coreError(confirmation ? 'confirmationMismatch' : 'confirmationMissing', { phrase })
    }
    if (phrase) this.#redeem(confirmation)
    const row = this.#applyOne(connectionId, accountId, action, null, reason)
    return { row, historyId: (this.#nextHistoryId - 1), requestId: null }
  }

  /** As core: the rows it lists are written, the others left out and counted; none known refused. */
  #accountsExport(items: ItemRef[]) {
    const known = new Set(this.rows.map((r) => `${r.connectionId}\u0000${r.id}`))
    const asked = new Set(items.map((i) => `${i.connectionId}\u0000${i.accountId}`))
    const count = [...asked].filter((k) => known.has(k)).length
    if (count === 0) throw err('validation', 'None of these accounts is in the list any more. Refresh the list, then export again.')
    return { path: '/home/user/subdesk-accounts.csv', count, leftOut: asked.size - count }
  }

  /** Sends the split, then a few counting events (one per `latencyMs`), like core does. */
  /** Figures for an account: set by a test, else a spend of its index and the provider's words. */
  figuresFor(row: AccountRow): Figures {
    const set = this.figures.get(row.id)
    if (set) return set
    const info = catalog.info(row.provider)
    const n = parseInt(row.id.slice(-4), 16) % 1000
    const readAt = new Date(Date.UTC(2026, 11, 3, 14, 2)).toISOString()
    if (row.provider === 'twilio') {
      return {
        spend30Days: { amount: `${n}.25`, currency: 'USD' },
        spendThisMonth: { amount: `${Math.floor(n / 10)}.05`, currency: 'USD' },
        spendNote: null,
        balance: null,
        balanceNote: "Shares the parent account's balance.",
        readAt,
      }
    }
    return {
      spend30Days: null,
      spendThisMonth: null,
      spendNote: info?.spendNote ?? null,
      balance: null,
      balanceNote: `${info?.name ?? row.provider} does not report a balance for this account.`,
      readAt,
    }
  }

  async #figuresRead(items: ItemRef[], runId: string, channel: unknown): Promise<FiguresDone> {
    const rows = items
      .map((i) => this.rows.find((r) => r.connectionId === i.connectionId && r.id === i.accountId))
      .filter((r): r is AccountRow => !!r)
    const total = rows.length
    let done = 0
    const batch = 50
    for (let i = 0; i < total; i += batch) {
      if (this.latencyMs) await sleep(this.latencyMs)
      if (this.#cancelled.has(runId)) {
        endChannel(channel)
        return { done, total, stopped: true }
      }
      const part = rows.slice(i, i + batch)
      done += part.length
      sendToChannel<FiguresEvent>(channel, {
        kind: 'read',
        rows: part.map((r) => ({ connectionId: r.connectionId, accountId: r.id, figures: this.figuresFor(r) })),
        done,
        total,
      })
    }
    endChannel(channel)
    return { done, total, stopped: false }
  }

  async #bulkPreview(items: ItemRef[], action: Action, channel: unknown, previewId: string | null): Promise<BulkPreview> {
    const preview = this.#bulkSplit(items, action)
    if (!channel) return preview
    sendToChannel<PreviewEvent>(channel, { kind: 'split', preview: { ...preview, numbersReleased: null, confirmToken: null } })
    if (preview.irreversible) {
      const total = preview.runnable.length
      const steps = Math.min(total, 4)
      for (let step = 0; step <= steps; step++) {
        if (step > 0) await sleep(this.latencyMs || 0)
        if (previewId && this.#cancelled.has(previewId)) {
          endChannel(channel)
          throw err('cancelled', 'The preview was stopped.')
        }
        sendToChannel<PreviewEvent>(channel, { kind: 'counting', done: steps === 0 ? 0 : Math.round((total * step) / steps), total })
      }
    }
    endChannel(channel)
    return preview
  }

  #bulkSplit(items: ItemRef[], action: Action): BulkPreview {
    const runnable: AccountRow[] = []
    const skipped: BulkPreview['skipped'] = []
    for (const item of items) {
      const row = this.rows.find((r) => r.connectionId === item.connectionId && r.id === item.accountId)
      if (!row) skipped.push({ item, name: item.accountId, reason: 'It no longer exists.', code: 'not_found' })
      else if (row.inDoubt) skipped.push({ item, name: row.name, reason: row.inDoubt, code: 'in_doubt' })
      else if (!row.allowedActions.includes(action)) {
        skipped.push({ item, name: row.name, reason: `It is ${row.status}.`, code: 'invalid_transition' })
      }
      else runnable.push(row)
    }
    const perConnection = this.connections
      .map((c) => ({ connectionId: c.id, connectionLabel: c.label, provider: c.provider, count: runnable.filter((r) => r.connectionId === c.id).length }))
      .filter((c) => c.count > 0)
    const irreversible = action === 'close' || action === 'delete'
    return {
      action,
      irreversible,
      runnable,
      skipped,
      perConnection,
      numbersReleased: action === 'close' ? runnable.length * 2 : null,
      unread: 0,
      consequences: bulkConsequences(runnable, action),
      consequencesIfMoved: bulkConsequences(runnable, action, true),
      confirmPhrase: irreversible ? `${action.toUpperCase()} ${runnable.length}` : null,
      confirmToken: irreversible ? this.#issue() : null,
    }
  }

  async #bulkRun(
    items: ItemRef[],
    action: Action,
    confirmation: Confirmation | null,
    channel: unknown,
    reason: string | null,
  ): Promise<JobCounts> {
    const irreversible = action === 'close' || action === 'delete'
    const runnable = items.filter((i) => this.rows.find((r) => r.connectionId === i.connectionId && r.id === i.accountId)?.allowedActions.includes(action))
    const phrase = `${action.toUpperCase()} ${runnable.length}`
    if (irreversible && confirmation?.typed.toLowerCase() !== phrase.toLowerCase()) {
      throw coreError(confirmation ? 'confirmationMismatch' : 'confirmationMissing', { phrase })
    }
    if (irreversible) this.#redeem(confirmation)
    const jobId = `job-${++this.#jobs}`
    const counts: JobCounts = {
      total: items.length,
      succeeded: 0,
      failed: 0,
      notConfirmed: 0,
      skipped: 0,
      notStarted: 0,
      remaining: items.length,
    }
    const failures: ItemResult[] = []
    const notConfirmed: ItemResult[] = []
    const send = (e: JobEvent) => sendToChannel(channel, e)
    send({ kind: 'started', jobId, counts: { ...counts } })
    for (const item of items) {
      if (this.#cancelled.has(jobId)) {
        counts.notStarted = counts.remaining
        counts.remaining = 0
        break
      }
      await sleep(this.latencyMs || 0)
      let result: ItemResult
      try {
        const row = this.#applyOne(item.connectionId, item.accountId, action, jobId, reason)
        counts.succeeded++
        result = { item, outcome: 'succeeded', statusAfter: row.status, row, error: null, attempts: 1 }
      } catch (e) {
        const ui = e as UiError
        if (ui.code === 'invalid_transition' || ui.code === 'in_doubt') {
          counts.skipped++
          result = { item, outcome: 'skipped', statusAfter: null, row: null, error: ui, attempts: 0 }
        } else if (ui.code === 'outcome_unknown') {
          counts.notConfirmed++
          const row = this.rows.find((r) => r.connectionId === item.connectionId && r.id === item.accountId) ?? null
          result = { item, outcome: 'unknown', statusAfter: null, row, error: ui, attempts: 1 }
          notConfirmed.push(result)
        } else {
          counts.failed++
          result = { item, outcome: 'failed', statusAfter: null, row: null, error: ui, attempts: 1 }
          failures.push(result)
        }
      }
      counts.remaining--
      send({ kind: 'item', result, counts: { ...counts }, etaSecs: counts.remaining * 0.2 })
    }
    send({ kind: 'finished', jobId, counts: { ...counts }, cancelled: this.#cancelled.has(jobId), failures, notConfirmed })
    endChannel(channel)
    return counts
  }

  #historyQuery(filter: HistoryFilter, beforeId: number | null, limit: number) {
    const text = filter.text?.toLowerCase()
    const matching = this.history.filter(
      (e) =>
        (!filter.outcome || e.outcome === filter.outcome) &&
        (!filter.action || e.action === filter.action) &&
        (!filter.provider || e.provider === filter.provider) &&
        (!filter.connectionId || e.connectionId === filter.connectionId) &&
        (!filter.accountId || e.accountId === filter.accountId) &&
        (!filter.from || e.startedAt >= filter.from) &&
        (!filter.to || e.startedAt < filter.to) &&
        (!text || `${e.accountName} ${e.accountId} ${e.connectionLabel} ${e.errorMessage ?? ''} ${e.actor} ${e.operatorName ?? ''} ${e.reason ?? ''}`.toLowerCase().includes(text)),
    )
    // As core pages: below the cursor, leaving out jobs a page above showed, each job whole.
    const unseen = (before: number | null) => {
      const seen = new Set(matching.filter((e) => before !== null && Number(e.id) >= before && e.jobId).map((e) => e.jobId))
      return matching.filter((e) => (before === null || Number(e.id) < before) && !(e.jobId && seen.has(e.jobId)))
    }
    const base = unseen(beforeId).slice(0, limit)
    const cursor = base.length > 0 ? Number(base[base.length - 1].id) : null
    const jobs = new Set(base.map((e) => e.jobId).filter((j) => j))
    const rest = matching.filter((e) => cursor !== null && Number(e.id) < cursor && e.jobId && jobs.has(e.jobId))
    const hasMore = cursor !== null && unseen(cursor).length > 0
    return { entries: [...base, ...rest], total: matching.length, hasMore, nextBeforeId: hasMore ? cursor : null }
  }
}

/** What `about_info` answers in the mock back end. */
export const MOCK_ABOUT = {
  version: '0.1.0',
  commit: 'mock',
  buildDate: '2026-01-01',
  dataDir: '/home/user/.local/share/com.subdesk.desktop',
  logDir: '/home/user/.local/share/com.subdesk.desktop/logs',
  privacy: 'Mock back end: nothing is stored.',
  licences: [
    { name: 'tauri', version: '2.12.5', license: 'Apache-2.0 OR MIT', ecosystem: 'crate' as const },
    { name: '@tauri-apps/api', version: '2.12.5', license: 'Apache-2.0 OR MIT', ecosystem: 'npm' as const },
  ],
}
