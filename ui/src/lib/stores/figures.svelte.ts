// The Spend and Balance figures the table shows: read by core after each listing (the rows in
// view first), kept by row key with the time each was read, a progress line and a stop.
import { figuresFirst, figuresRead, figuresStop } from '../api'
import type { Figures } from '../bindings/Figures'
import type { ItemRef } from '../bindings/ItemRef'
import { itemKey } from '../format'

let runs = 0

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

  get(key: string): Figures | undefined {
    return this.byKey.get(key)
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
        const next = new Map(this.byKey)
        for (const r of e.rows) next.set(itemKey({ connectionId: r.connectionId, accountId: r.accountId }), r.figures)
        this.byKey = next
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
    const missing = items.filter((i) => !this.byKey.has(itemKey(i)))
    if (missing.length === 0) return
    const run = `preview-${++runs}-${Date.now()}`
    try {
      await figuresRead(missing, run, (e) => {
        const next = new Map(this.byKey)
        for (const r of e.rows) next.set(itemKey({ connectionId: r.connectionId, accountId: r.accountId }), r.figures)
        this.byKey = next
      })
    } catch {
      // The preview shows these as not read; the action goes on regardless.
    }
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
