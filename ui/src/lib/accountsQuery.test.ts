import { describe, expect, it } from 'vitest'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import type { AccountRow } from './bindings/AccountRow'
import type { Status } from './bindings/Status'
import {
  emptyFilter,
  filterRows,
  filterSorted,
  queryRows,
  RowIndex,
  sortRows,
  withoutEnded,
  type RowFilter,
  type Sort,
  type SortKey,
} from './accountsQuery'

const rows = [
  { ...makeRow(DEMO_TWILIO, 0), name: 'Zeta Shop', created: '2024-03-01T00:00:00Z' },
  { ...makeRow(DEMO_TWILIO, 1, 'suspended'), name: 'alpha clinic', created: '2023-01-01T00:00:00Z' },
  { ...makeRow(DEMO_VOBIZ, 2), name: 'Beta Taxis', created: null },
]

describe('accounts query', () => {
  it('searches name and id case-insensitively', () => {
    expect(filterRows(rows, { search: 'ALPHA', status: '', connectionId: '' }).map((r) => r.name)).toEqual(['alpha clinic'])
    const vobizId = rows[2].id.toLowerCase().slice(-4)
    expect(filterRows(rows, { search: vobizId, status: '', connectionId: '' }).map((r) => r.name)).toEqual(['Beta Taxis'])
  })

  it('filters by status and by connection together', () => {
    expect(filterRows(rows, { search: '', status: 'active', connectionId: DEMO_TWILIO.id }).map((r) => r.name)).toEqual([
      'Zeta Shop',
    ])
    expect(filterRows(rows, { search: '', status: 'suspended', connectionId: DEMO_VOBIZ.id })).toEqual([])
  })

  it('sorts by name ignoring case, and by created with missing dates last', () => {
    expect(queryRows(rows, { search: '', status: '', connectionId: '' }, { key: 'name', dir: 'asc' }).map((r) => r.name)).toEqual([
      'alpha clinic',
      'Beta Taxis',
      'Zeta Shop',
    ])
    expect(sortRows(rows.slice(), { key: 'created', dir: 'asc' }).map((r) => r.name)).toEqual([
      'alpha clinic',
      'Zeta Shop',
      'Beta Taxis',
    ])
    expect(sortRows(rows.slice(), { key: 'created', dir: 'desc' })[0].name).toBe('Beta Taxis')
  })

  it('filters and sorts 10,000 rows quickly', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => makeRow(i % 2 ? DEMO_TWILIO : DEMO_VOBIZ, i))
    const t0 = performance.now()
    const out = queryRows(many, { search: 'clinic', status: 'active', connectionId: '' }, { key: 'name', dir: 'desc' })
    expect(out.length).toBeGreaterThan(0)
    expect(performance.now() - t0).toBeLessThan(500)
  })

  describe('RowIndex (incremental) gives the same rows as queryRows', () => {
    // A small deterministic generator: names and ids that collide, differ only in case or accents,
    // carry numbers (numeric collation), and rows equal on everything but their connection.
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return Math.floor(seed / 65536) % n
    }
    const NAMES = ['Acme 2', 'acme 10', 'Åcme 3', 'Bravo', 'bravo', 'Zulu 1', 'zulu 01', '', 'Échelle', 'echelle']
    const STATUSES: Status[] = ['active', 'suspended', 'closed', 'deleted', 'unknown']
    const KEYS: SortKey[] = ['name', 'id', 'provider', 'connection', 'status', 'created']
    const conns = [DEMO_TWILIO, DEMO_VOBIZ, { ...DEMO_TWILIO, id: 'conn-twin', label: 'demo twilio' }]
    const makeOne = (i: number): AccountRow => {
      const c = conns[rand(conns.length)]
      return {
        ...makeRow(c, i, STATUSES[rand(STATUSES.length)]),
        id: rand(4) === 0 ? `ac${rand(30)}` : `AC${rand(40)}`,
        name: NAMES[rand(NAMES.length)],
        created: rand(5) === 0 ? null : `2024-0${1 + rand(9)}-01T00:00:00Z`,
      }
    }
    const key = (r: AccountRow) => `${r.connectionId}\u0000${r.id}`

    /** Appends a page to the rows the way the store does: known keys replaced in place. */
    const addPage = (rows: AccountRow[], page: AccountRow[]) => {
      const next = rows.slice()
      const at = new Map(next.map((r, i) => [key(r), i]))
      for (const r of page) {
        const i = at.get(key(r))
        if (i === undefined) {
          at.set(key(r), next.length)
          next.push(r)
        } else next[i] = r
      }
      return next
    }

    const expected = (rows: AccountRow[], f: RowFilter, sort: Sort, hide: ((r: AccountRow) => boolean) | null) =>
      queryRows(hide ? withoutEnded(rows, hide) : rows, f, sort)

    it('through pages, row updates, sort and filter changes, and a fresh listing', () => {
      for (let round = 0; round < 30; round++) {
        const index = new RowIndex()
        let rows: AccountRow[] = []
        let sort: Sort = { key: KEYS[rand(KEYS.length)], dir: 'asc' }
        let n = 0
        for (let step = 0; step < 25; step++) {
          const what = rand(6)
          if (what <= 1) {
            rows = addPage(rows, Array.from({ length: 1 + rand(40) }, () => makeOne(n++)))
          } else if (what === 2 && rows.length > 0) {
            // Rows re-read after an action: new objects, same keys, maybe a new status or name.
            const next = rows.slice()
            for (let k = 0; k < 1 + rand(5); k++) {
              const i = rand(next.length)
              next[i] = { ...next[i], status: STATUSES[rand(STATUSES.length)], name: rand(2) ? next[i].name : NAMES[rand(NAMES.length)] }
            }
            rows = next
          } else if (what === 3) {
            sort = rand(2) ? { key: sort.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key: KEYS[rand(KEYS.length)], dir: rand(2) ? 'asc' : 'desc' }
          } else if (what === 4 && rand(4) === 0) {
            rows = []
          }
          const filters: RowFilter[] = [
            emptyFilter(),
            { search: ' ACME ', status: '', connectionId: '' },
            { search: 'c1', status: 'active', connectionId: '' },
            { search: '', status: '', connectionId: 'conn-twin' },
          ]
          const f = filters[rand(filters.length)]
          const hide = rand(2) ? null : (r: AccountRow) => r.name === 'Bravo'
          // Ranking other fields ahead of use (as the table does when idle) changes nothing.
          if (rand(4) === 0) index.warm(KEYS[rand(KEYS.length)])
          const sorted = index.sorted(rows, sort)
          expect(sorted.rows).toEqual(sortRows(rows.slice(), sort))
          expect(filterSorted(sorted, f, hide)).toEqual(expected(rows, f, sort, hide))
        }
      }
    })

    it('does not sort again when only the filter changes', () => {
      const index = new RowIndex()
      const rows = Array.from({ length: 100 }, (_, i) => makeRow(DEMO_TWILIO, i))
      const sort: Sort = { key: 'name', dir: 'asc' }
      const first = index.sorted(rows, sort)
      expect(index.sorted(rows, { ...sort })).toBe(first)
      expect(filterSorted(first, { search: 'clinic', status: '', connectionId: '' })).toEqual(
        filterRows(sortRows(rows.slice(), sort), { search: 'clinic', status: '', connectionId: '' }),
      )
    })
  })
})
