// The only module that talks to the Rust side. One typed function per command; every
// rejection becomes an `ApiError` whose `code` the UI may switch on and whose `message` it shows.
import { Channel, invoke } from '@tauri-apps/api/core'
import type { ConnectionEdit } from './bindings/ConnectionEdit'
import type { ProviderInfo } from './bindings/ProviderInfo'
import type { AccountRow } from './bindings/AccountRow'
import type { AccountsExported } from './bindings/AccountsExported'
import type { Action } from './bindings/Action'
import type { AccountDetailView } from './bindings/AccountDetailView'
import type { ActionPreview } from './bindings/ActionPreview'
import type { ActionResult } from './bindings/ActionResult'
import type { AppStatus } from './bindings/AppStatus'
import type { BulkPreview } from './bindings/BulkPreview'
import type { PreviewEvent } from './bindings/PreviewEvent'
import type { Confirmation } from './bindings/Confirmation'
import type { Connection } from './bindings/Connection'
import type { ErrorCode } from './bindings/ErrorCode'
import type { ExportFormat } from './bindings/ExportFormat'
import type { Exported } from './bindings/Exported'
import type { HistoryFilter } from './bindings/HistoryFilter'
import type { HistoryEntry } from './bindings/HistoryEntry'
import type { HistoryPage } from './bindings/HistoryPage'
import type { ItemRef } from './bindings/ItemRef'
import type { JobCounts } from './bindings/JobCounts'
import type { JobEvent } from './bindings/JobEvent'
import type { ListEvent } from './bindings/ListEvent'
import type { NewConnection } from './bindings/NewConnection'
import type { VerifiedParent } from './bindings/VerifiedParent'
import type { AboutInfo } from './bindings/AboutInfo'
import type { Folder } from './bindings/Folder'
import type { TeamInput } from './bindings/TeamInput'
import type { TeamTested } from './bindings/TeamTested'
import type { TeamView } from './bindings/TeamView'
import type { FiguresDone } from './bindings/FiguresDone'
import type { FiguresEvent } from './bindings/FiguresEvent'

export type { AccountRow, TeamInput, TeamTested, TeamView }

import type { Settings } from './bindings/Settings'
export type { Settings }

/** `internal` is ours: a rejection that did not come as a `UiError` (e.g. a Tauri permission error). */
export type ApiErrorCode = ErrorCode | 'internal'

export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly retryable: boolean
  /** The form field the error is about (e.g. `reason`), when core named one: mark that field. */
  readonly field: string | null
  /** The provider's own words, for a collapsed *Details* beside the sentence (never in it). */
  readonly details: string | null

  constructor(code: ApiErrorCode, message: string, retryable = false, field: string | null = null, details: string | null = null) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.retryable = retryable
    this.field = field
    this.details = details
  }
}

const FALLBACK_MESSAGE = 'Something went wrong inside Subdesk. Please try again, or restart the app.'

/** Turns whatever a command rejected with into an ApiError, never leaking JSON or a stack. */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>
    if (typeof o.code === 'string' && typeof o.message === 'string') {
      const field = typeof o.field === 'string' ? o.field : null
      const details = typeof o.details === 'string' ? o.details : null
      return new ApiError(o.code as ErrorCode, o.message, o.retryable === true, field, details)
    }
  }
  // Tauri's own failures (unknown command, denied by a capability) arrive as plain strings:
  // log them for a developer, show the user a sentence.
  if (typeof raw === 'string' && raw.trim() !== '') console.error('Subdesk IPC error:', raw)
  return new ApiError('internal', FALLBACK_MESSAGE)
}

/** The sentence to show for any caught value. */
export function errorMessage(e: unknown): string {
  return toApiError(e).message
}

/** The provider's own words of any caught value, for *Details*; null when it gave none. */
export function errorDetails(e: unknown): string | null {
  return toApiError(e).details
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args)
  } catch (e) {
    throw toApiError(e)
  }
}

/** The answers to an action's questions, sent only when there are any. */
const answered = (choices: Record<string, boolean>) =>
  Object.keys(choices).length > 0 ? { choices } : {}

/** The reason or ticket reference, sent only when there is one (core checks it again). */
const because = (reason: string | null) => (reason ? { reason } : {})

export const providerCatalog = () => call<ProviderInfo[]>('provider_catalog')
export const appStatus = () => call<AppStatus>('app_status')
/** What is wrong with the keychain, or null; kept out of `appStatus` so start-up never waits on it. */
export const keychainCheck = () => call<string | null>('keychain_check')
export const openDemo = () => call<AppStatus>('open_demo')
export const closeDemo = () => call<AppStatus>('close_demo')

export const verifyConnection = (input: NewConnection) =>
  call<VerifiedParent>('verify_connection', { input })
export const addConnection = (input: NewConnection) => call<Connection>('add_connection', { input })
/** Renames a connection and, with `secret`, replaces its token once the provider accepts it. */
export const editConnection = (connectionId: string, edit: ConnectionEdit) =>
  call<Connection>('edit_connection', { connectionId, edit })
export const removeConnection = (connectionId: string) =>
  call<null>('remove_connection', { connectionId })

/**
 * Lists every connection, streaming events to `onEvent`; resolves once every connection's last
 * event has been delivered. The command's reply can come first: Tauri sends a large message (a
 * page) by a fetch of its own and a small one (a `done`) at once, in order but not in step with
 * the reply. So the reply says how many connections ended, and this waits for as many `done` or
 * `failed` events (the channel delivers them after their pages). If they do not all come within
 * `LISTING_TAIL_MS` (a message lost with a reloaded page), it resolves with what came.
 */
export async function listAccounts(onEvent: (event: ListEvent) => void): Promise<void> {
  let ended = 0
  let expected: number | null = null
  let allIn = () => {}
  const tail = new Promise<void>((resolve) => (allIn = resolve))
  const channel = new Channel<ListEvent>((event) => {
    onEvent(event)
    if (event.kind !== 'page' && ++ended === expected) allIn()
  })
  const reply = await call<number | null>('list_accounts', { onEvent: channel })
  if (typeof reply !== 'number' || ended >= reply) return
  expected = reply
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([tail, new Promise<void>((resolve) => (timer = setTimeout(resolve, LISTING_TAIL_MS)))])
  clearTimeout(timer)
}

/** How long `listAccounts` waits, after the reply, for the last events of a listing. */
export const LISTING_TAIL_MS = 15_000

export const previewAction = (connectionId: string, accountId: string, action: Action) =>
  call<ActionPreview>('preview_action', { connectionId, accountId, action })

/** What the account detail shows: numbers, balance and dates as the provider reports them. */
export const accountDetail = (connectionId: string, accountId: string) =>
  call<AccountDetailView>('account_detail', { connectionId, accountId })

export const applyAction = (
  connectionId: string,
  accountId: string,
  action: Action,
  confirmation: Confirmation | null,
  choices: Record<string, boolean> = {},
  reason: string | null = null,
) =>
  call<ActionResult>('apply_action', {
    connectionId,
    accountId,
    action,
    confirmation,
    ...answered(choices),
    ...because(reason),
  })

/**
 * *Check now*: core reads the account again and settles what it can of the actions on it whose
 * outcome is not known. Resolves with how many of them are still not confirmed (0: settled).
 */
export const checkAccount = (connectionId: string, accountId: string) =>
  call<number>('check_account', { connectionId, accountId })

/**
 * Records what the user saw in the provider's console for an entry Subdesk cannot settle by
 * itself (a provider that reports no state, a removed connection). Resolves with the entry as
 * it is now.
 */
export const settleEntry = (entryId: number, wentThrough: boolean) =>
  call<HistoryEntry>('settle_entry', { entryId, wentThrough })

export const historyQuery = (filter: HistoryFilter, beforeId: number | null, limit: number) =>
  call<HistoryPage>('history_query', { filter, beforeId, limit })

/** The app asks where to save (its own native dialog) and exports; null when cancelled. */
export const historyExport = (filter: HistoryFilter, format: ExportFormat) =>
  call<Exported | null>('history_export', { filter, format })

/**
 * Saves these rows of the accounts table, in this order, to a CSV file the user picks in the
 * native save dialog; core writes every cell from its own listing. Null: the user cancelled.
 */
export const accountsExport = (items: ItemRef[]) => call<AccountsExported | null>('accounts_export', { items })

/**
 * Resolves with the final preview (phone numbers counted, confirmation token issued). Before
 * that, `onEvent` gets the split (the lists, at once) and then the counting progress.
 * `previewId` is what `bulkPreviewCancel` stops it by.
 */
export function bulkPreview(
  items: ItemRef[],
  action: Action,
  onEvent: (event: PreviewEvent) => void = () => {},
  previewId: string | null = null,
): Promise<BulkPreview> {
  const channel = new Channel<PreviewEvent>(onEvent)
  return call<BulkPreview>('bulk_preview', { items, action, previewId, onEvent: channel })
}

/** Stops a bulk preview's reads (the dialog was closed while it was counting). */
export const bulkPreviewCancel = (previewId: string) => call<null>('bulk_preview_cancel', { previewId })

/**
 * Reads the Spend and Balance figures of `items` (the rows in view first); the rows arrive
 * through `onEvent` in batches. Resolves when all were read or `figuresStop(runId)` stopped it.
 */
export function figuresRead(items: ItemRef[], runId: string, onEvent: (event: FiguresEvent) => void): Promise<FiguresDone> {
  const channel = new Channel<FiguresEvent>(onEvent)
  return call<FiguresDone>('figures_read', { items, runId, onEvent: channel })
}

/** Stops a figures read; what was read stays. */
export const figuresStop = (runId: string) => call<null>('figures_stop', { runId })

/** Reads these accounts next (they scrolled into view). */
export const figuresFirst = (runId: string, items: ItemRef[]) => call<null>('figures_first', { runId, items })

/** Resolves with the final counts; progress arrives through `onEvent` meanwhile. */
export function bulkRun(
  items: ItemRef[],
  action: Action,
  confirmation: Confirmation | null,
  onEvent: (event: JobEvent) => void,
  choices: Record<string, boolean> = {},
  reason: string | null = null,
): Promise<JobCounts> {
  const channel = new Channel<JobEvent>(onEvent)
  return call<JobCounts>('bulk_run', {
    items,
    action,
    confirmation,
    ...answered(choices),
    ...because(reason),
    onEvent: channel,
  })
}

export const bulkCancel = (jobId: string) => call<null>('bulk_cancel', { jobId })

export const getSettings = () => call<Settings>('get_settings')
export const setSettings = (settings: Settings) => call<Settings>('set_settings', { settings })

export const aboutInfo = () => call<AboutInfo>('about_info')
/** Opens the app's data or log folder in the file manager (the app knows the path). */
export const openFolder = (folder: Folder) => call<null>('open_folder', { folder })

/** Settings, Team history, as saved: never the password, only whether one is in the keychain. */
export const teamSettings = () => call<TeamView>('team_settings')
/** Saves Team history's settings (a new password goes to the keychain) and turns it on or off. */
export const saveTeamSettings = (input: TeamInput) => call<TeamView>('save_team_settings', { input })
/** *Test*: a sentence saying what is wrong with the settings entered, or what was found. */
export const testTeamSettings = (input: TeamInput) => call<TeamTested>('test_team_settings', { input })
/** *Move in*: copies this computer's history into the team's, once; answers how many entries. */
export const teamMoveIn = () => call<string>('team_move_in')
