import { describe, expect, it } from 'vitest'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { filterRows, queryRows, sortRows } from './accountsQuery'

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
})
