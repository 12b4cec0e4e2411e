// The History view's data: the filter form, the pages loaded so far, the entry shown in detail.
import * as api from '../api'
import type { ExportFormat } from '../bindings/ExportFormat'
import type { HistoryEntry } from '../bindings/HistoryEntry'
import { SvelteSet } from 'svelte/reactivity'
import { groupByJob, type HistoryItem } from '../historyGroups'
import { buildHistoryFilter, emptyHistoryForm, type HistoryForm } from '../historyFilter'

export const HISTORY_PAGE_SIZE = 50

export class HistoryStore {
  form = $state<HistoryForm>(emptyHistoryForm())
  entries = $state.raw<HistoryEntry[]>([])
  /** What the list shows: single actions, and each bulk job as one row over its entries. */
  items = $derived<HistoryItem[]>(groupByJob(this.entries))
  /** Job rows the user expanded; every job starts collapsed. */
  expanded = new SvelteSet<string>()
  total = $state(0)
  hasMore = $state(false)
  /** Where the next page starts: core's cursor, not the last entry (a job comes whole). */
  #nextBeforeId: number | null = null
  loading = $state(false)
  error = $state<string | null>(null)
  detail = $state.raw<HistoryEntry | null>(null)
  exporting = $state(false)
  exportResult = $state<string | null>(null)
  exportError = $state<string | null>(null)

  #generation = 0

  /** Loads the first page for the current form, dropping what was shown. */
  async reload(): Promise<void> {
    const generation = ++this.#generation
    this.loading = true
    this.error = null
    try {
      const page = await api.historyQuery(buildHistoryFilter(this.form), null, HISTORY_PAGE_SIZE)
      if (generation !== this.#generation) return
      this.entries = page.entries
      this.total = page.total
      this.hasMore = page.hasMore
      this.#nextBeforeId = page.nextBeforeId
    } catch (e) {
      if (generation === this.#generation) this.error = api.errorMessage(e)
    } finally {
      if (generation === this.#generation) this.loading = false
    }
  }

  /**
   * After Check now or a settle on the entry shown in detail: the list read again, and the
   * detail showing the entry as it is now (`updated` at once, when the command returned it).
   */
  async refreshEntry(updated: HistoryEntry | null): Promise<void> {
    const id = updated?.id ?? this.detail?.id
    if (updated && this.detail?.id === updated.id) this.detail = updated
    await this.reload()
    if (id === undefined || this.detail?.id !== id) return
    this.detail = this.entries.find((e) => e.id === id) ?? this.detail
  }

  toggleJob(jobId: string) {
    if (this.expanded.has(jobId)) this.expanded.delete(jobId)
    else this.expanded.add(jobId)
  }

  /**
   * The next (older) page, from core's cursor: a page holds every job it shows whole, so a job
   * is never split across "Load more".
   */
  async loadMore(): Promise<void> {
    const before = this.#nextBeforeId
    if (before === null || this.loading) return
    const generation = this.#generation
    this.loading = true
    this.error = null
    try {
      const page = await api.historyQuery(buildHistoryFilter(this.form), before, HISTORY_PAGE_SIZE)
      if (generation !== this.#generation) return
      this.entries = [...this.entries, ...page.entries]
      this.total = page.total
      this.hasMore = page.hasMore
      this.#nextBeforeId = page.nextBeforeId
    } catch (e) {
      if (generation === this.#generation) this.error = api.errorMessage(e)
    } finally {
      if (generation === this.#generation) this.loading = false
    }
  }

  /** Save dialog, then export with the current filter. Cancelling the dialog does nothing. */
  async exportTo(format: ExportFormat): Promise<void> {
    this.exportResult = null
    this.exportError = null
    try {
      this.exporting = true
      const done = await api.historyExport(buildHistoryFilter(this.form), format)
      if (!done) return
      const n = done.count
      this.exportResult = `Exported ${n.toLocaleString()} ${n === 1 ? 'entry' : 'entries'} to ${done.path}`
    } catch (e) {
      this.exportError = api.errorMessage(e)
    } finally {
      this.exporting = false
    }
  }
}
