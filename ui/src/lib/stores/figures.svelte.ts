// The Spend and Balance figures the table shows: read by core after each listing (the rows in
// view first), kept by row key with the time each was read, a progress line and a stop. The
// user's Refresh reads them all again; any other listing (after an action, a Check now) reads
// only the rows that need it (see `readNeeded`).
import { figuresFirst, figuresRead, figuresStop } from '../api'
import type { AccountRow } from '../bindings/AccountRow'
import type { FigureRow } from '../bindings/FigureRow'
import type { Figures } from '../bindings/Figures'
import type { ItemRef } from '../bindings/ItemRef'
import { figureText } from '../figures'
import { itemKey } from '../format'

let runs = 0

/** How long figures count as current: a listing after that reads them again. */
export const FIGURES_FRESH_MS = 15 * 60 * 1000

/** What of a row its figures depend on: a status change (an action) reads them again. */
const accountState = (r: AccountRow) => `${r.status}\u0000${r.providerStatus}`

export class FiguresStore {
  /** By row key. Replaced (not mutated) when a batch arrives: at most every 100 ms. */
  byKey = $state.raw<ReadonlyMap<string, Figures>>(new Map())
  /** The read under way: how far it is. Null when none runs. */
  progress = $state.raw<{ done: number; total: number } | null>(null)
  /** Set when the last read was stopped before its end. */
  stopped = $state(false)
  /** Set when the read itself failed (a sentence). */
  error = $state<string | null>(null)
  /** The rows the last read was started for (not reactive): a view shown again reads nothing. */
  readFor: unknown = null
  #run: string | null = null
  #asked = new Set<string>()
  /** The next `readNeeded` reads every row (the user's Refresh). */
  #all = true
  /** By row key: the account's state when its figures were last asked for, and when they came. */
  #askedAs = new Map<string, string>()
  #cameAt = new Map<string, number>()

  get(key: string): Figures | undefined {
    return this.byKey.get(key)
  }

  /** The next listing reads every row's figures again, not only those that need it. */
  rereadAll(): void {
    this.#all = true
  }

  /**
   * Reads the figures of `rows` (in that order) that need it: every row after `rereadAll` (the
   * user's Refresh); otherwise only those not read yet (or whose read was stopped or failed),
   * read more than `FIGURES_FRESH_MS` ago, or whose account changed since (an action). Figures
   * shown stay; a read under way is replaced by this one only when some row needs reading.
   */
  async readNeeded(rows: readonly AccountRow[]): Promise<void> {
    const all = this.#all
    this.#all = false
    const now = Date.now()
    const needed = rows.filter((r) => all || this.#needs(r, now))
    for (const r of needed) this.#askedAs.set(itemKey(r), accountState(r))
    if (needed.length === 0) return
    await this.read(needed.map((r) => ({ connectionId: r.connectionId, accountId: r.id })))
  }

  #needs(r: AccountRow, now: number): boolean {
    const key = itemKey(r)
    const f = this.byKey.get(key)
    if (!f || figureText(f, 'spend').failed || figureText(f, 'balance').failed) return true
    if (this.#askedAs.get(key) !== accountState(r)) return true
    return now - (this.#cameAt.get(key) ?? 0) > FIGURES_FRESH_MS
  }

  /**
   * Reads the figures of `items` (the rows in view first, then the others); a read under way is
   * stopped first. Figures already shown stay until their new ones arrive.
   */
  async read(items: ItemRef[]): Promise<void> {
    if (this.#run) void figuresStop(this.#run).catch(() => {})
    if (items.length === 0) return
    const run = `figures-${++runs}-${Date.now()}`
    this.#run = run
    this.#asked = new Set(items.map(itemKey))
    this.stopped = false
    this.error = null
    this.progress = { done: 0, total: items.length }
    try {
      const done = await figuresRead(items, run, (e) => {
        if (this.#run !== run) return
        this.#took(e.rows)
        this.progress = { done: e.done, total: e.total }
      })
      if (this.#run === run) this.stopped = done.stopped
    } catch (e) {
      if (this.#run === run) this.error = e instanceof Error ? e.message : String(e)
    } finally {
      if (this.#run === run) {
        this.#run = null
        this.progress = null
      }
    }
  }

  /**
   * Reads the figures of accounts a preview shows that the table has not read (its read was
   * stopped, or has not reached them), beside the table's own read. Never throws: a failure
   * leaves them unread, and the preview says so.
   */
  async fetch(items: ItemRef[]): Promise<void> {
    await this.#beside(items.filter((i) => !this.byKey.has(itemKey(i))))
  }

  /**
   * After an action: reads again the figures of the rows it changed, beside the table's read
   * (which goes on); an unchanged row keeps the figures shown.
   */
  async readChanged(rows: readonly AccountRow[]): Promise<void> {
    const now = Date.now()
    const needed = rows.filter((r) => this.#needs(r, now))
    for (const r of needed) this.#askedAs.set(itemKey(r), accountState(r))
    await this.#beside(needed.map((r) => ({ connectionId: r.connectionId, accountId: r.id })))
  }

  async #beside(items: ItemRef[]): Promise<void> {
    if (items.length === 0) return
    const run = `preview-${++runs}-${Date.now()}`
    try {
      await figuresRead(items, run, (e) => this.#took(e.rows))
    } catch {
      // The preview shows these as not read; the action goes on regardless.
    }
  }

  /** Figures just read replace those shown. */
  #took(rows: readonly FigureRow[]): void {
    const next = new Map(this.byKey)
    const came = Date.now()
    for (const r of rows) {
      const key = itemKey({ connectionId: r.connectionId, accountId: r.accountId })
      next.set(key, r.figures)
      this.#cameAt.set(key, came)
    }
    this.byKey = next
  }

  /** The rows now in view go next, if the read has not reached them. */
  first(items: ItemRef[]): void {
    if (!this.#run) return
    const wanted = items.filter((i) => this.#asked.has(itemKey(i)) && !this.byKey.has(itemKey(i)))
    if (wanted.length > 0) void figuresFirst(this.#run, wanted).catch(() => {})
  }

  /** Stops the read under way; what was read stays. */
  stop(): void {
    if (this.#run) void figuresStop(this.#run).catch(() => {})
  }

  get running(): boolean {
    return this.progress !== null
  }
}
