// "Select from a list": a list of account IDs or names from a billing system, matched against
// the rows Subdesk lists. Pure functions so they are cheap to test, and fast at 10,000 rows ×
// 5,000 lines: the rows are indexed once by lowercased ID and name, each line is one look-up.
import type { AccountRow } from './bindings/AccountRow'
import type { Connection } from './bindings/Connection'
import { itemKey } from './format'

/** A name that more than one account carries: it selects none of them. */
export type Ambiguous = { entry: string; rows: AccountRow[] }

export type ListMatch = {
  /** Distinct entries read from the list (blank lines and repeats left out). */
  entries: number
  /** The accounts to select, each once, in the list's order. */
  matched: AccountRow[]
  notFound: string[]
  ambiguous: Ambiguous[]
  /** Entries that are a connection's own parent account: never selectable. */
  parents: string[]
}

const SEPARATORS = new Set([',', ';', '\t'])

/** Splits one line on commas, semicolons and tabs; double quotes group and are stripped. */
export function splitCells(line: string): string[] {
  return rawCells(line).filter((c) => c !== '')
}

/** Every cell of a line, empty ones kept so columns stay aligned. */
function rawCells(line: string): string[] {
  const cells: string[] = []
  let cur = ''
  let quoted = false
  // A cell read between CSV quotes keeps any quote characters inside it.
  let wasQuoted = false
  const end = () => {
    cells.push(wasQuoted ? unformula(cur.trim()) : clean(cur))
    cur = ''
    wasQuoted = false
  }
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (c === '"') {
        quoted = false
      } else {
        cur += c
      }
    } else if (c === '"' && cur.trim() === '') {
      quoted = true
      wasQuoted = true
      cur = ''
    } else if (SEPARATORS.has(c)) {
      end()
    } else {
      cur += c
    }
  }
  end()
  return cells
}

/**
 * Trims and strips surrounding quotes (straight or curly), and the `'` a spreadsheet-safe export
 * (Subdesk's own among them) puts before a cell starting with = + - @.
 */
function clean(s: string): string {
  return unformula(
    s
      .trim()
      .replace(/^["“”‘’]+|["“”‘’]+$/g, '')
      .replace(/^'(.*)'$/, '$1')
      .trim(),
  )
}

const unformula = (s: string) => s.replace(/^'(?=[=+\-@])/, '')

const idKey = (s: string) => s.trim().toLowerCase()
const nameKey = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase()

/** Header words a billing system's CSV uses for the ID column, then for the name column. */
const ID_HEADERS = new Set(['id', 'sid', 'account id', 'account sid', 'accountid', 'account_id', 'account_sid', 'subaccount id', 'sub-account id', 'subaccount', 'auth id', 'auth_id', 'api key', 'uuid'])
const NAME_HEADERS = new Set(['name', 'account name', 'account_name', 'friendly name', 'friendly_name', 'customer', 'customer name', 'tenant', 'subaccount name'])
const isHeader = (cell: string) => ID_HEADERS.has(nameKey(cell)) || NAME_HEADERS.has(nameKey(cell))

/** The rows indexed once, so each entry of a list is one look-up. */
export class AccountIndex {
  readonly #byId = new Map<string, AccountRow[]>()
  readonly #byName = new Map<string, AccountRow[]>()
  readonly #parents = new Set<string>()

  constructor(rows: readonly AccountRow[], connections: readonly Connection[] = []) {
    for (const r of rows) {
      push(this.#byId, idKey(r.id), r)
      if (r.name.trim() !== '') push(this.#byName, nameKey(r.name), r)
    }
    for (const c of connections) this.#parents.add(idKey(c.accountId))
  }

  /** Unique names by the words in them (3 letters or more), built on the first close match. */
  #byWord: Map<string, Set<string>> | null = null
  /** nameKey -> the name as an account carries it. */
  readonly #names = new Map<string, string>()

  /**
   * The account name closest to an entry that matched nothing ("did you mean Maple Street
   * Bakery Ltd?"): among names sharing a word with it, the one fewest typed letters away, if
   * that is at most a third of the entry's length. Null for an ID-like entry or no close name.
   */
  closeMatch(entry: string): string | null {
    const key = nameKey(entry)
    const words = wordsOf(key)
    if (words.length === 0) return null
    if (this.#byWord === null) {
      this.#byWord = new Map()
      for (const k of this.#byName.keys()) {
        this.#names.set(k, this.#byName.get(k)![0].name.trim())
        for (const w of wordsOf(k)) {
          let set = this.#byWord.get(w)
          if (!set) this.#byWord.set(w, (set = new Set()))
          set.add(k)
        }
      }
    }
    // Names sharing the most words first; only the first 200 are compared letter by letter, so a
    // common word ("Tenant") in 10,000 names costs a count, not 10,000 comparisons.
    const shared = new Map<string, number>()
    for (const w of new Set(words)) for (const k of this.#byWord.get(w) ?? []) shared.set(k, (shared.get(k) ?? 0) + 1)
    const candidates = [...shared].sort((a, b) => b[1] - a[1]).slice(0, 200).map(([k]) => k)
    const most = Math.floor(key.length / 3)
    let best: string | null = null
    let bestDistance = most + 1
    for (const k of candidates) {
      if (Math.abs(k.length - key.length) >= bestDistance) continue
      const d = distance(key, k, bestDistance)
      if (d < bestDistance) {
        best = k
        bestDistance = d
      }
    }
    return best === null ? null : (this.#names.get(best) ?? null)
  }

  /** True when the whole text is an account's ID or name: "Acme, Inc." is not two entries. */
  knows(entry: string): boolean {
    return this.#byId.has(idKey(entry)) || this.#byName.has(nameKey(entry))
  }

  match(entries: readonly string[]): ListMatch {
    const matched: AccountRow[] = []
    const taken = new Set<string>()
    const notFound: string[] = []
    const ambiguous: Ambiguous[] = []
    const parents: string[] = []
    const take = (r: AccountRow) => {
      const k = itemKey(r)
      if (!taken.has(k)) {
        taken.add(k)
        matched.push(r)
      }
    }
    for (const entry of entries) {
      // An exact ID first, then an exact name.
      const hits = this.#byId.get(idKey(entry)) ?? this.#byName.get(nameKey(entry))
      if (hits === undefined) {
        if (this.#parents.has(idKey(entry))) parents.push(entry)
        else notFound.push(entry)
      } else if (hits.length === 1) {
        take(hits[0])
      } else {
        ambiguous.push({ entry, rows: hits })
      }
    }
    return { entries: entries.length, matched, notFound, ambiguous, parents }
  }
}

/** The words of a name worth matching on: letters or digits, 3 or more. */
const wordsOf = (key: string): string[] => key.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3)

/** Levenshtein distance between a and b, or `stop` as soon as it cannot be below `stop`. */
function distance(a: string, b: string, stop: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      cur.push(v)
      if (v < rowMin) rowMin = v
    }
    if (rowMin >= stop) return stop
    prev = cur
  }
  return prev[b.length]
}

function push(map: Map<string, AccountRow[]>, key: string, r: AccountRow) {
  const list = map.get(key)
  if (list) list.push(r)
  else map.set(key, [r])
}

/**
 * The entries of a pasted list or CSV file: one per line, or separated by commas, semicolons or
 * tabs; quotes stripped; blank lines and repeats left out. A first line of column headings is
 * skipped, and when it names an ID column (or else a name column) only that column is read, so
 * a billing system's export with other columns (plan, balance) works as it is.
 */
export function parseList(text: string, index?: AccountIndex): string[] {
  const lines = text.split(/\r\n|\r|\n/)
  let first = 0
  while (first < lines.length && lines[first].trim() === '') first++
  let column: number | null = null
  const head = first < lines.length ? splitCells(lines[first]) : []
  if (head.length > 0 && head.some(isHeader) && !(index && head.some((c) => index.knows(c)))) {
    const id = head.findIndex((c) => ID_HEADERS.has(nameKey(c)))
    const name = head.findIndex((c) => NAME_HEADERS.has(nameKey(c)))
    column = id >= 0 ? id : name >= 0 ? name : null
    first++
  }
  const out: string[] = []
  const seen = new Set<string>()
  const add = (entry: string) => {
    const k = nameKey(entry)
    if (entry === '' || seen.has(k)) return
    seen.add(k)
    out.push(entry)
  }
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]
    if (line.trim() === '') continue
    if (column !== null) {
      add(cellAt(line, column))
      continue
    }
    const whole = clean(line)
    if (index?.knows(whole)) {
      add(whole)
      continue
    }
    for (const cell of splitCells(line)) add(cell)
  }
  return out
}

/** One column of a CSV line. */
const cellAt = (line: string, column: number): string => rawCells(line)[column] ?? ''

/** Pastes and files alike: the entries read, then matched. */
export function matchList(text: string, index: AccountIndex): ListMatch {
  return index.match(parseList(text, index))
}
