// What the user sees of the accounts: filter, sort, and the selection. Kept apart from the data
// so the view can be left and come back unchanged.
import { emptyFilter, filterSorted, RowIndex, type RowFilter, type SortedRows, type SortDir, type SortKey } from '../accountsQuery'
import { figureValue, matchesFigure, parseFigureQuery, type FigureKey } from '../figures'
import type { AccountRow } from '../bindings/AccountRow'
import type { Action } from '../bindings/Action'
import type { ItemRef } from '../bindings/ItemRef'
import { ACTIONS, itemKey } from '../format'
import type { AccountsStore } from './accounts.svelte'

/** How long typing in the search box pauses before the table filters. */
export const SEARCH_DEBOUNCE_MS = 50
/** How long after a listing ends the other sort fields start being ranked. */
const WARM_DELAY_MS = 250

/** The table's columns it sorts by: the listing's fields, and the two figures. */
export type TableSortKey = SortKey | FigureKey
export type TableSort = { key: TableSortKey; dir: SortDir }

export class TableState {
  // Declared first: the deriveds below read it.
  private readonly store: AccountsStore
  filter = $state<RowFilter>(emptyFilter())
  /** Closed and deleted accounts are hidden unless this is on or their status is filtered for. */
  showEnded = $state(false)
  sort = $state<TableSort>({ key: 'name', dir: 'asc' })
  selected = $state.raw<ReadonlySet<string>>(new Set())
  /**
   * "Show selected": the table shows only the selected rows (the search and the filters still
   * narrow them; selected closed accounts are shown too). Off again with "Show all accounts", or
   * once nothing is selected.
   */
  onlySelected = $state(false)
  /** Index in `visible` of the last row clicked without shift: where a shift-click range starts. */
  #anchor: number | null = null

  /** Sorts when the rows or the order change, and then only what changed (see RowIndex). */
  readonly #index = new RowIndex()
  readonly #sorted = $derived.by(() => {
    const key = this.sort.key
    if (key === 'spend' || key === 'balance') return this.#byFigure(key, this.sort.dir)
    const sorted = this.#index.sorted(this.store.rows, { key, dir: this.sort.dir })
    if (!this.store.loading && sorted.rows.length > 0) this.#warmLater()
    return sorted
  })

  /**
   * Sorted by a figure: the rows in name order, then by the amount (stable, so equal amounts
   * stay in name order); rows without the figure (not read, or not reported) go last either way.
   * Runs again as figures arrive (at most every 100 ms), and only while this sort is chosen.
   */
  #byFigure(key: FigureKey, dir: SortDir): SortedRows {
    const base = this.#index.sorted(this.store.rows, { key: 'name', dir: 'asc' })
    const figures = this.store.figures.byKey
    const n = base.rows.length
    const value: (number | null)[] = new Array(n)
    for (let x = 0; x < n; x++) value[x] = figureValue(figures.get(itemKey(base.rows[x])), key)
    const sign = dir === 'asc' ? 1 : -1
    const order = Array.from({ length: n }, (_, x) => x).sort((a, b) => {
      const va = value[a]
      const vb = value[b]
      if (va === null || vb === null) return va === vb ? a - b : va === null ? 1 : -1
      return sign * (va - vb) || a - b
    })
    return {
      rows: order.map((x) => base.rows[x]),
      names: order.map((x) => base.names[x]),
      ids: order.map((x) => base.ids[x]),
    }
  }
  #warming: ReturnType<typeof setTimeout> | null = null

  /** The sorted rows, filtered: a keystroke filters again, it does not sort again. */
  readonly visible: readonly AccountRow[] = $derived.by(() => {
    const only = this.onlySelected && this.selected.size > 0 ? this.selected : null
    const changed = this.store.changedHere
    const keep = changed.size === 0 ? () => false : (r: AccountRow) => changed.has(itemKey(r))
    // Selected closed accounts are shown with the others when only the selected are.
    const hide = this.showEnded || this.filter.status || only ? null : keep
    // "spent over 100": a search about figures filters by them instead of names and ids.
    const asked = parseFigureQuery(this.filter.search)
    let shown: readonly AccountRow[]
    if (asked === null) {
      shown = filterSorted(this.#sorted, this.filter, hide)
    } else {
      const figures = this.store.figures.byKey
      shown = filterSorted(this.#sorted, { ...this.filter, search: '' }, hide).filter((r) =>
        matchesFigure(figures.get(itemKey(r)), asked),
      )
    }
    return only ? shown.filter((r) => only.has(itemKey(r))) : shown
  })

  /** Actions at least one selected row allows: the bulk bar enables exactly these. */
  readonly selectedActions: ReadonlySet<Action> = $derived.by(() => {
    const found = new Set<Action>()
    for (const key of this.selected) {
      for (const a of this.store.row(key)?.allowedActions ?? []) found.add(a)
      if (found.size === ACTIONS.length) break
    }
    return found
  })

  /** Selected rows the current filter or search hides: a bulk action would reach them unseen. */
  readonly hiddenSelected: number = $derived.by(() => {
    if (this.selected.size === 0) return 0
    const shown = new Set<AccountRow>(this.visible)
    let hidden = 0
    for (const key of this.selected) {
      const row = this.store.row(key)
      if (row === undefined || !shown.has(row)) hidden++
    }
    return hidden
  })

  constructor(store: AccountsStore) {
    this.store = store
  }

  /**
   * Once a listing is in, ranks the other sort fields in the background, one per task, so that a
   * first click on a column header sorts as fast as the next ones.
   */
  #warmLater() {
    if (this.#warming !== null) return
    const keys: SortKey[] = ['id', 'created', 'status', 'provider', 'connection']
    const next = () => {
      const key = keys.shift()
      if (key === undefined) {
        this.#warming = null
        return
      }
      this.#index.warm(key)
      this.#warming = setTimeout(next, 0)
    }
    this.#warming = setTimeout(next, WARM_DELAY_MS)
  }

  sortBy(key: TableSortKey) {
    this.sort =
      this.sort.key === key
        ? { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' }
        : { key, dir: 'asc' }
  }

  isSelected(row: AccountRow): boolean {
    return this.selected.has(itemKey(row))
  }

  /** A click on a row's checkbox; with shift, every visible row between it and the anchor follows. */
  toggle(row: AccountRow, shift: boolean) {
    const key = itemKey(row)
    const checked = !this.selected.has(key)
    const next = new Set(this.selected)
    const index = this.visible.indexOf(row)
    if (shift && this.#anchor !== null && index >= 0) {
      const [from, to] = this.#anchor < index ? [this.#anchor, index] : [index, this.#anchor]
      for (let i = from; i <= Math.min(to, this.visible.length - 1); i++) {
        const k = itemKey(this.visible[i])
        if (checked) next.add(k)
        else next.delete(k)
      }
    } else if (checked) {
      next.add(key)
    } else {
      next.delete(key)
    }
    if (index >= 0) this.#anchor = index
    this.selected = next
    if (next.size === 0) this.onlySelected = false
  }

  selectAllMatching() {
    const next = new Set(this.selected)
    for (const r of this.visible) next.add(itemKey(r))
    this.selected = next
  }

  /** Shows every row again (search and filters emptied), so hidden selected rows come into view. */
  clearFilter() {
    this.filter = emptyFilter()
    this.showEnded = true
  }

  /** Keeps only the selected rows that the current filter shows. */
  deselectHidden() {
    const shown = new Set(this.visible.map(itemKey))
    this.selected = new Set([...this.selected].filter((k) => shown.has(k)))
    if (this.selected.size === 0) this.onlySelected = false
  }

  clearSelection() {
    this.selected = new Set()
    this.onlySelected = false
    this.#anchor = null
  }

  /** "Show selected" and back to every account. */
  toggleOnlySelected() {
    this.onlySelected = !this.onlySelected && this.selected.size > 0
    this.#anchor = null
  }

  /** Selects exactly these (e.g. the failed items of a job, to retry them). */
  select(items: ItemRef[]) {
    this.selected = new Set(items.map(itemKey))
  }

  selectedItems(): ItemRef[] {
    return [...this.selected].map((key) => {
      const [connectionId, accountId] = key.split('\u0000')
      return { connectionId, accountId }
    })
  }

  /** Forgets selected rows that are no longer listed. */
  prune() {
    const kept = [...this.selected].filter((k) => this.store.row(k) !== undefined)
    if (kept.length !== this.selected.size) this.selected = new Set(kept)
  }
}
