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

// ---------------------------------------------------------------------------------------------
// The same query, kept up to date incrementally for the table. `sortRows`/`filterRows` above are
// the reference: the index below gives exactly their order (a stable sort of the rows in arrival
// order), but it compares precomputed ranks instead of calling the collator, merges arriving rows
// into the sorted order instead of sorting everything again, and filters the sorted rows without
// sorting them.

type Compare = (a: string, b: string) => number

const textOrder: Compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
const compareOf = (key: SortKey): Compare => (key === 'created' ? textOrder : collator.compare)

/**
 * The distinct values of one sort field, in order, each with a rank: values the comparison calls
 * equal share one. Kept across listings, so a Refresh mostly meets values it already ranked.
 */
class Ranks {
  #sorted: string[] = []
  #rankOf = new Map<string, number>()
  readonly #cmp: Compare

  constructor(cmp: Compare) {
    this.#cmp = cmp
  }

  get size(): number {
    return this.#sorted.length
  }

  rank(value: string): number {
    return this.#rankOf.get(value) ?? -1
  }

  /** Ranks the values not seen yet; true when any was new (ranks were renumbered, order kept). */
  add(values: readonly string[]): boolean {
    const fresh = new Set<string>()
    for (const v of values) if (!this.#rankOf.has(v)) fresh.add(v)
    if (fresh.size === 0) return false
    const cmp = this.#cmp
    const added = [...fresh].sort(cmp)
    const old = this.#sorted
    const oldRank = this.#rankOf
    const merged: string[] = new Array(old.length + added.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < old.length && j < added.length) merged[k++] = cmp(added[j], old[i]) < 0 ? added[j++] : old[i++]
    while (i < old.length) merged[k++] = old[i++]
    while (j < added.length) merged[k++] = added[j++]
    const rankOf = new Map<string, number>()
    let rank = 0
    for (let x = 0; x < merged.length; x++) {
      const v = merged[x]
      if (x > 0) {
        const prev = merged[x - 1]
        const differs =
          fresh.has(v) || fresh.has(prev) ? cmp(prev, v) !== 0 : oldRank.get(prev) !== oldRank.get(v)
        if (differs) rank++
      }
      rankOf.set(v, rank)
    }
    this.#sorted = merged
    this.#rankOf = rankOf
    return true
  }
}

/** Rows in table order, with their lowercased names and ids (the search keys) alongside. */
export type SortedRows = {
  readonly rows: readonly AccountRow[]
  readonly names: readonly string[]
  readonly ids: readonly string[]
}

/** Sort fields with few distinct values: most comparisons fall through to the id. */
const TIED: readonly SortKey[] = ['provider', 'connection', 'status']

const rowKey = (r: AccountRow) => `${r.connectionId}\u0000${r.id}`

/**
 * Keeps `rows` sorted as they change. Call `sorted` with the store's rows (arrival order, replaced
 * immutably: a row keeps its position, new rows come at the end) and the sort; it works out what
 * changed since the previous call and redoes only that.
 */
export class RowIndex {
  #rows: readonly AccountRow[] = []
  #names: string[] = []
  #ids: string[] = []
  /** Per sort field ever used: ranks of its distinct values, and each row's rank by position. */
  #ranks = new Map<SortKey, Ranks>()
  #rowRanks = new Map<SortKey, number[]>()
  /** Row positions in table order for #sort; null when it must be computed afresh. */
  #order: number[] | null = null
  #sort: Sort | null = null
  #result: SortedRows = { rows: [], names: [], ids: [] }
  /** The most rows seen at once: bounds how many stale values the ranks keep. */
  #peak = 0

  sorted(rows: readonly AccountRow[], sort: Sort): SortedRows {
    const sameSort = this.#sort !== null && this.#sort.key === sort.key && this.#sort.dir === sort.dir
    if (rows === this.#rows && sameSort) return this.#result
    const previousSort = this.#sort
    this.#sort = { key: sort.key, dir: sort.dir }

    let touched: number[] = []
    const moved: number[] = []
    if (rows !== this.#rows) {
      const old = this.#rows
      let reset = rows.length < old.length
      const changed: number[] = []
      for (let i = 0; !reset && i < old.length; i++) {
        if (rows[i] === old[i]) continue
        if (rowKey(rows[i]) !== rowKey(old[i])) reset = true
        else changed.push(i)
      }
      const from = reset ? 0 : old.length
      touched = reset ? [] : changed.slice()
      for (let i = from; i < rows.length; i++) touched.push(i)
      if (reset) {
        this.#names = []
        this.#ids = []
        this.#rowRanks.clear()
        this.#order = null
      }
      if (this.#order !== null && previousSort !== null) {
        const get = field[previousSort.key]
        for (const i of changed) if (get(rows[i]) !== get(old[i])) moved.push(i)
      }
      for (const i of touched) {
        this.#names[i] = rows[i].name.toLowerCase()
        this.#ids[i] = rows[i].id.toLowerCase()
      }
      this.#rows = rows
      for (const key of [...this.#rowRanks.keys()]) this.#updateRanks(key, touched)
    }

    const primary = this.#ranksFor(sort.key)
    // Ties on the field are broken by id. Where they are common (few distinct values) ids are
    // ranked too; elsewhere, until ids are ranked anyway (see warm), the collator settles the rare
    // tie: ranking 10,000 ids costs more than it saves there.
    const useIdRanks = sort.key !== 'id' && (TIED.includes(sort.key) || this.#rowRanks.has('id'))
    const secondary = useIdRanks ? this.#ranksFor('id') : null
    const tieBreak =
      sort.key === 'id'
        ? () => 0
        : secondary !== null
          ? (a: number, b: number) => secondary[a] - secondary[b]
          : (a: number, b: number) => collator.compare(rows[a].id, rows[b].id)
    const sign = sort.dir === 'asc' ? 1 : -1
    const cmp = (a: number, b: number) => sign * (primary[a] - primary[b] || tieBreak(a, b)) || a - b

    let order = this.#order
    if (order === null || previousSort === null || previousSort.key !== sort.key) {
      order = Array.from({ length: rows.length }, (_, i) => i).sort(cmp)
    } else {
      if (previousSort.dir !== sort.dir) order = reversed(order, (a, b) => primary[a] === primary[b] && tieBreak(a, b) === 0)
      // New rows, and rows whose sort field changed, are sorted apart and merged in.
      const known = order.length
      const batch = moved.concat(touched.filter((i) => i >= known))
      if (batch.length > 0) {
        const gone = new Set(moved)
        const kept = gone.size > 0 ? order.filter((i) => !gone.has(i)) : order
        order = merge(kept, batch.sort(cmp), cmp)
      }
    }
    this.#order = order
    const n = order.length
    const sortedRows: AccountRow[] = new Array(n)
    const names: string[] = new Array(n)
    const ids: string[] = new Array(n)
    for (let x = 0; x < n; x++) {
      const i = order[x]
      sortedRows[x] = rows[i]
      names[x] = this.#names[i]
      ids[x] = this.#ids[i]
    }
    this.#result = { rows: sortedRows, names, ids }
    return this.#result
  }

  /**
   * Ranks `key` for the current rows ahead of its first use (while idle), so that the first sort
   * by it does not pay for it. Once ranked, a field stays up to date as rows change.
   */
  warm(key: SortKey): void {
    if (this.#rows.length > 0) this.#ranksFor(key)
  }

  /** Each row's rank for `key`, computed once and then kept up to date. */
  #ranksFor(key: SortKey): number[] {
    const have = this.#rowRanks.get(key)
    if (have) return have
    this.#rowRanks.set(key, [])
    this.#updateRanks(key, null)
    return this.#rowRanks.get(key)!
  }

  /** Brings `key`'s ranks up to date after rows at `touched` changed (null: all of them). */
  #updateRanks(key: SortKey, touched: readonly number[] | null) {
    const rows = this.#rows
    const get = field[key]
    let ranks = this.#ranks.get(key)
    // Values of long-gone listings pile up: start over when they outnumber the rows.
    this.#peak = Math.max(this.#peak, rows.length)
    if (!ranks || ranks.size > 2 * this.#peak + 1024) {
      ranks = new Ranks(compareOf(key))
      this.#ranks.set(key, ranks)
      touched = null
    }
    const values = touched === null ? rows.map(get) : touched.map((i) => get(rows[i]))
    const renumbered = ranks.add(values)
    const perRow = this.#rowRanks.get(key)!
    if (touched === null || renumbered) {
      for (let i = 0; i < rows.length; i++) perRow[i] = ranks.rank(get(rows[i]))
      perRow.length = rows.length
    } else {
      for (const i of touched) perRow[i] = ranks.rank(get(rows[i]))
    }
  }
}

/** Merges two lists sorted by `cmp` into one. */
function merge(a: readonly number[], b: readonly number[], cmp: (x: number, y: number) => number): number[] {
  const out: number[] = new Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = cmp(b[j], a[i]) < 0 ? b[j++] : a[i++]
  while (i < a.length) out[k++] = a[i++]
  while (j < b.length) out[k++] = b[j++]
  return out
}

/**
 * The order for the other direction: reversed, except that rows equal on both the field and the
 * id keep their arrival order (as the stable sort leaves them).
 */
function reversed(order: readonly number[], tied: (a: number, b: number) => boolean): number[] {
  const out = order.slice().reverse()
  let start = 0
  for (let x = 1; x <= out.length; x++) {
    if (x < out.length && tied(out[start], out[x])) continue
    if (x - start > 1) {
      for (let lo = start, hi = x - 1; lo < hi; lo++, hi--) [out[lo], out[hi]] = [out[hi], out[lo]]
    }
    start = x
  }
  return out
}

/**
 * The sorted rows that pass the filter, in the same order (it never sorts). With `hideEndedExcept`,
 * closed and deleted rows are left out unless it returns true for them (see `withoutEnded`).
 */
export function filterSorted(
  sorted: SortedRows,
  f: RowFilter,
  hideEndedExcept: ((r: AccountRow) => boolean) | null = null,
): readonly AccountRow[] {
  // Read once: `f` may be reactive state, where every read of a field costs.
  const q = f.search.trim().toLowerCase()
  const status = f.status
  const connectionId = f.connectionId
  const { rows, names, ids } = sorted
  if (!q && !status && !connectionId && hideEndedExcept === null) return rows
  const out: AccountRow[] = []
  for (let x = 0; x < rows.length; x++) {
    const r = rows[x]
    if (status && r.status !== status) continue
    if (connectionId && r.connectionId !== connectionId) continue
    if (q && !names[x].includes(q) && !ids[x].includes(q)) continue
    if (hideEndedExcept !== null && ENDED.includes(r.status) && !hideEndedExcept(r)) continue
    out.push(r)
  }
  return out
}
