// Every subaccount of every connection, as streamed by `list_accounts`, plus the per-row state
// of actions in flight. Incoming pages and row updates are batched so that 10,000 rows arriving in
// small pages re-render the table a few times a second, not once per page.
import { FiguresStore } from './figures.svelte'
import { SvelteMap, SvelteSet } from 'svelte/reactivity'
import * as api from '../api'
import type { AccountRow } from '../bindings/AccountRow'
import type { Action } from '../bindings/Action'
import type { ActionResult } from '../bindings/ActionResult'
import type { Confirmation } from '../bindings/Confirmation'
import type { ErrorCode } from '../bindings/ErrorCode'
import type { ListEvent } from '../bindings/ListEvent'
import { itemKey } from '../format'

/** A failed row: Subdesk's sentence, and the provider's own words for *Details* (or null). */
export type RowState = { kind: 'pending' } | { kind: 'error'; message: string; details: string | null }

/**
 * *Check now* on an account in doubt: running, then how many of its actions are still not
 * confirmed (0: settled), or why the check could not run.
 */
export type CheckState = { kind: 'checking' } | { kind: 'checked'; open: number } | { kind: 'error'; message: string }

/** What a row in doubt says when core's own sentence is not at hand. */
export const IN_DOUBT_FALLBACK =
  'Subdesk sent a change to this account but could not confirm whether it went through, so it sends nothing more to it until that is settled. Use Check now to read the account again.'

export type ListFailure = {
  connectionId: string
  label: string
  /** Core's error code (what to say), and its sentence (what happened). */
  code: ErrorCode | 'internal'
  message: string
  /** The provider's own words, for *Details*; null when it gave none. */
  details: string | null
  /** Rows of the previous listing kept on screen, marked stale. */
  kept: number
  /** When those rows were listed; null when this connection never answered. */
  since: Date | null
}

/** How soon queued rows are applied: the first rows of a listing and rows re-read after actions. */
const FLUSH_MS = 60
/**
 * How long later pages of a listing are batched. Each flush re-merges and re-filters every row
 * (for 10,000 rows a few milliseconds on the page's only thread, the one the pages arrive on), so
 * a listing pays for each one; the first screenful is already showing by then.
 */
const FLUSH_LATER_MS = 250

export class AccountsStore {
  rows = $state.raw<AccountRow[]>([])
  /** The Spend and Balance figures of the rows (read after each listing as needed, see AccountsTable). */
  readonly figures = new FiguresStore()
  loading = $state(false)
  /** Rows received so far in the current listing, shown while it runs. */
  received = $state(0)
  failures = $state.raw<ListFailure[]>([])
  /** Set when the listing itself failed (not one connection). */
  listError = $state<string | null>(null)
  loadedOnce = $state(false)
  readonly rowStates = new SvelteMap<string, RowState>()
  /**
   * Rows kept from an earlier listing because their connection's listing failed: by row key,
   * when they were listed (null: not known). A row listed or re-read again is fresh.
   */
  readonly staleSince = new SvelteMap<string, Date | null>()
  /** Rows changed by an action since the last listing: they stay in view whatever their status. */
  readonly changedHere = new SvelteSet<string>()
  /** *Check now* per row key; kept across listings, so the row can say how the check ended. */
  readonly checks = new SvelteMap<string, CheckState>()

  /** When each connection last listed in full. */
  #listedAt = new Map<string, Date>()
  /** The rows on screen when the current listing started, by connection: kept if it fails. */
  #previous = new Map<string, AccountRow[]>()
  /** Connections that finished or failed in the current listing. */
  #settled = new Set<string>()
  /** Rows the current listing has sent: the others of a connection go when it is done. */
  #seen = new Set<string>()

  #index = new Map<string, number>()
  #generation = 0
  #incoming: AccountRow[] = []
  #updates = new Map<string, AccountRow>()
  #timer: ReturnType<typeof setTimeout> | null = null
  /** Flushes since the current listing started. */
  #flushes = 0
  #labelOf: (connectionId: string) => string

  constructor(labelOf: (connectionId: string) => string = (id) => id) {
    this.#labelOf = labelOf
  }

  setLabelLookup(labelOf: (connectionId: string) => string) {
    this.#labelOf = labelOf
  }

  row(key: string): AccountRow | undefined {
    const i = this.#index.get(key)
    return i === undefined ? undefined : this.rows[i]
  }

  /**
   * Re-reads every connection. A refresh started while one runs supersedes it. The rows on
   * screen stay (and so do the scroll position and the selection) while it runs: each listed
   * row replaces its old version as its page arrives, and a connection's rows that were not
   * listed again go when that connection is done. `rereadFigures` (the Refresh button): every
   * row's spend and balance are read again after it, not only those that need it.
   */
  async refresh({ rereadFigures = false }: { rereadFigures?: boolean } = {}): Promise<void> {
    const generation = ++this.#generation
    if (rereadFigures) this.figures.rereadAll()
    // What is on screen now (including rows kept from an earlier failure) is what a failing
    // connection keeps showing.
    this.flush()
    this.#previous = new Map()
    for (const r of this.rows) {
      const list = this.#previous.get(r.connectionId)
      if (list) list.push(r)
      else this.#previous.set(r.connectionId, [r])
    }
    this.#settled = new Set()
    this.#seen = new Set()
    this.staleSince.clear()
    this.changedHere.clear()
    this.#incoming = []
    this.#updates.clear()
    this.received = 0
    this.failures = []
    this.listError = null
    this.loading = true
    this.#flushes = 0
    for (const [key, state] of this.rowStates) {
      if (state.kind === 'error') this.rowStates.delete(key)
    }
    const onEvent = (event: ListEvent) => {
      if (generation !== this.#generation) return
      this.#onListEvent(event)
    }
    try {
      await api.listAccounts(onEvent)
    } catch (e) {
      if (generation === this.#generation) {
        this.listError = api.errorMessage(e)
        // Nothing more will come: every connection that had not answered keeps its rows.
        for (const connectionId of this.#previous.keys()) {
          if (!this.#settled.has(connectionId)) this.#keepPrevious(connectionId)
        }
      }
    } finally {
      if (generation === this.#generation) {
        this.flush()
        // A listing that ended well without a word from a connection (it was removed): its
        // rows go.
        if (this.listError === null) {
          for (const connectionId of this.#previous.keys()) {
            if (!this.#settled.has(connectionId)) this.#dropUnseen(connectionId)
          }
        }
        this.loading = false
        this.loadedOnce = true
      }
    }
  }

  /** Nothing to list (no connection left): forget every row. */
  clear() {
    ++this.#generation
    this.#incoming = []
    this.#updates.clear()
    this.#setRows([])
    this.received = 0
    this.failures = []
    this.listError = null
    this.loading = false
    this.rowStates.clear()
    this.staleSince.clear()
    this.checks.clear()
    this.#previous = new Map()
  }

  /** Keeps a connection's rows of the previous listing (those not listed again), marked stale. */
  #keepPrevious(connectionId: string): number {
    this.flush()
    const kept = (this.#previous.get(connectionId) ?? []).filter((r) => !this.#seen.has(itemKey(r)))
    const gone = kept.filter((r) => !this.#index.has(itemKey(r)))
    if (gone.length > 0) {
      this.#incoming.push(...gone)
      this.flush()
    }
    const since = this.#listedAt.get(connectionId) ?? null
    for (const r of kept) this.staleSince.set(itemKey(r), since)
    return kept.length
  }

  /** Removes a connection's rows that the current listing did not send. */
  #dropUnseen(connectionId: string) {
    this.flush()
    const next = this.rows.filter((r) => r.connectionId !== connectionId || this.#seen.has(itemKey(r)))
    if (next.length !== this.rows.length) this.#setRows(next)
  }

  #onListEvent(event: ListEvent) {
    switch (event.kind) {
      case 'page':
        for (const r of event.rows) this.#seen.add(itemKey(r))
        this.#incoming.push(...event.rows)
        this.received += event.rows.length
        this.#schedule()
        break
      case 'failed': {
        this.#settled.add(event.connectionId)
        const kept = this.#keepPrevious(event.connectionId)
        this.failures = [
          ...this.failures.filter((f) => f.connectionId !== event.connectionId),
          {
            connectionId: event.connectionId,
            label: this.#labelOf(event.connectionId),
            code: event.error.code,
            message: event.error.message,
            details: event.error.details ?? null,
            kept,
            since: this.#listedAt.get(event.connectionId) ?? null,
          },
        ]
        break
      }
      case 'done':
        this.#settled.add(event.connectionId)
        this.#listedAt.set(event.connectionId, new Date())
        this.#dropUnseen(event.connectionId)
        break
    }
  }

  /** Queues rows re-read after actions; they replace their old versions at the next flush. */
  updateRows(rows: AccountRow[]) {
    for (const r of rows) {
      this.#updates.set(itemKey(r), r)
      this.changedHere.add(itemKey(r))
    }
    this.#schedule()
  }

  #schedule() {
    if (this.#timer !== null) return
    const later = this.loading && this.#flushes > 0 && this.#updates.size === 0
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.flush()
      },
      later ? FLUSH_LATER_MS : FLUSH_MS,
    )
  }

  /** Applies queued pages and row updates now. */
  flush() {
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#incoming.length === 0 && this.#updates.size === 0) return
    const next = this.rows.slice()
    for (const r of this.#incoming) {
      const key = itemKey(r)
      const at = this.#index.get(key)
      if (at === undefined) {
        this.#index.set(key, next.length)
        next.push(r)
      } else {
        next[at] = r
      }
    }
    this.#incoming = []
    for (const [key, r] of this.#updates) {
      const at = this.#index.get(key)
      // A row that is not listed (a refresh cleared the table) arrives with the listing.
      if (at !== undefined) {
        next[at] = r
        this.staleSince.delete(key)
      }
    }
    this.#updates.clear()
    this.rows = next
    if (this.loading) this.#flushes++
  }

  #setRows(rows: AccountRow[]) {
    this.#index = new Map(rows.map((r, i) => [itemKey(r), i]))
    this.rows = rows
  }

  setPending(keys: Iterable<string>) {
    for (const k of keys) {
      this.rowStates.set(k, { kind: 'pending' })
      this.checks.delete(k)
    }
  }

  setError(key: string, message: string, details: string | null = null) {
    this.rowStates.set(key, { kind: 'error', message, details })
  }

  clearState(key: string) {
    this.rowStates.delete(key)
  }

  /**
   * An action on this row was sent but its outcome is not known: the row says so, with
   * `message`, and offers no action (core refuses them until it is settled), only *Check now*.
   * Not an error: nothing here invites a retry.
   */
  markInDoubt(key: string, message: string) {
    this.rowStates.delete(key)
    const row = this.#updates.get(key) ?? this.row(key)
    if (!row) return
    this.updateRows([{ ...row, inDoubt: row.inDoubt ?? message, allowedActions: [] }])
  }

  /**
   * *Check now*: core reads the account again and settles what it can; then the list is read
   * again, so the row shows what core knows now (its status, and whether it is still in doubt).
   */
  async check(row: AccountRow): Promise<void> {
    const key = itemKey(row)
    if (this.checks.get(key)?.kind === 'checking') return
    this.checks.set(key, { kind: 'checking' })
    try {
      const open = await api.checkAccount(row.connectionId, row.id)
      this.checks.set(key, { kind: 'checked', open })
    } catch (e) {
      this.checks.set(key, { kind: 'error', message: api.errorMessage(e) })
      return
    }
    // The listing forgets which rows changed here as it starts (synchronously): this one is
    // marked again at once, so it stays in view with its answer even if it is closed now.
    const listing = this.refresh()
    this.changedHere.add(key)
    await listing
  }

  /** Clears every "pending" left over (e.g. items a cancelled job never started). */
  clearPending(keys: Iterable<string>) {
    for (const k of keys) if (this.rowStates.get(k)?.kind === 'pending') this.rowStates.delete(k)
  }

  /**
   * Runs one action; the row shows pending meanwhile, then the re-read row or the error. An
   * action whose outcome is not known (or refused because an earlier one's is not) puts the
   * row in doubt instead: no error to retry from, only Check now.
   */
  async apply(
    row: AccountRow,
    action: Action,
    confirmation: Confirmation | null,
    choices: Record<string, boolean> = {},
    reason: string | null = null,
  ): Promise<ActionResult> {
    const key = itemKey(row)
    this.setPending([key])
    try {
      const result = await api.applyAction(row.connectionId, row.id, action, confirmation, choices, reason)
      this.clearState(key)
      this.updateRows([result.row])
      this.flush()
      // Its spend and balance are read again if the action changed it; no other row's are.
      void this.figures.readChanged([result.row])
      return result
    } catch (e) {
      const failure = api.toApiError(e)
      if (failure.code === 'outcome_unknown') this.markInDoubt(key, IN_DOUBT_FALLBACK)
      else if (failure.code === 'in_doubt') this.markInDoubt(key, failure.message)
      else this.setError(key, failure.message, failure.details)
      throw e
    }
  }
}
