import { describe, expect, it } from 'vitest'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import type { AccountRow } from './bindings/AccountRow'
import { AccountIndex, matchList, parseList, splitCells } from './selectFromList'

const named = (i: number, name: string, c = DEMO_TWILIO): AccountRow => ({ ...makeRow(c, i), name })
const ids = (rows: readonly AccountRow[]) => rows.map((r) => r.id)

describe('parseList', () => {
  it('reads one per line or comma, semicolon or tab separated, quotes stripped, blanks and repeats left out', () => {
    const text = 'AC1\n\n  ac1  \n"AC2", AC3;AC4\tAC5\r\n\'AC6\'\n“AC7”\nAC2\n'
    expect(parseList(text)).toEqual(['AC1', 'AC2', 'AC3', 'AC4', 'AC5', 'AC6', 'AC7'])
  })

  it('keeps a quoted cell with a separator whole, and doubled quotes as one', () => {
    expect(splitCells('"Acme, Inc.","Say ""hi""";x')).toEqual(['Acme, Inc.', 'Say "hi"', 'x'])
  })

  it('keeps a whole line that is a known name, commas and all', () => {
    const index = new AccountIndex([named(0, 'Acme, Inc.')])
    expect(parseList('Acme, Inc.\nOther; Thing', index)).toEqual(['Acme, Inc.', 'Other', 'Thing'])
  })

  it('skips a header row and reads only the ID column of a billing export', () => {
    const csv = 'Customer,Account SID,Plan\nBright Dental,AC1,Gold\n"Acme, Inc.",AC2,Silver\n,,\n'
    expect(parseList(csv)).toEqual(['AC1', 'AC2'])
  })

  it('reads the name column when the header has no ID column', () => {
    expect(parseList('Name;Balance\nBright Dental;12.00\nAcme;3')).toEqual(['Bright Dental', 'Acme'])
  })

  it('does not take an account named like a heading for a header row', () => {
    const index = new AccountIndex([named(0, 'Customer')])
    expect(parseList('Customer\nAcme', index)).toEqual(['Customer', 'Acme'])
  })

  it("strips the ' a spreadsheet-safe export puts before a formula-like cell", () => {
    expect(parseList("'=Acme\n'-1 Tenant")).toEqual(['=Acme', '-1 Tenant'])
  })
})

describe('AccountIndex.match', () => {
  const rows = [
    named(0, 'Bright Dental'),
    named(1, 'Acme  Plumbing'),
    named(2, 'Twins'),
    named(3, 'twins'),
    named(4, 'Vobiz Tenant', DEMO_VOBIZ),
  ]
  const index = new AccountIndex(rows, [DEMO_TWILIO, DEMO_VOBIZ])

  it('matches an ID first (any case, trimmed), then a name (any case, spaces collapsed)', () => {
    const m = index.match([` ${rows[0].id.toLowerCase()} `, 'acme plumbing', 'VOBIZ   tenant'])
    expect(ids(m.matched)).toEqual([rows[0].id, rows[1].id, rows[4].id])
    expect(m.notFound).toEqual([])
  })

  it('prefers the ID when an entry is both an ID and another account\'s name', () => {
    const tricky = new AccountIndex([named(0, 'Bright Dental'), named(1, makeRow(DEMO_TWILIO, 0).id)])
    expect(ids(tricky.match([makeRow(DEMO_TWILIO, 0).id]).matched)).toEqual([makeRow(DEMO_TWILIO, 0).id])
  })

  it('reports a name several accounts carry as ambiguous and selects none of them', () => {
    const m = index.match(['Twins', 'Bright Dental'])
    expect(ids(m.matched)).toEqual([rows[0].id])
    expect(m.ambiguous).toHaveLength(1)
    expect(m.ambiguous[0].entry).toBe('Twins')
    expect(ids(m.ambiguous[0].rows).sort()).toEqual([rows[2].id, rows[3].id].sort())
  })

  it('lists what matched nothing, and a parent account apart, never selected', () => {
    const m = index.match(['Nobody', DEMO_TWILIO.accountId, 'AC' + 'f'.repeat(32)])
    expect(m.matched).toEqual([])
    expect(m.parents).toEqual([DEMO_TWILIO.accountId])
    expect(m.notFound).toEqual(['Nobody', 'AC' + 'f'.repeat(32)])
  })

  it('selects an account once when it is named by its ID and its name', () => {
    const m = index.match([rows[0].id, 'Bright Dental'])
    expect(ids(m.matched)).toEqual([rows[0].id])
    expect(m.entries).toBe(2)
  })

  it('matches closed and deleted accounts too (the dialog says they are hidden)', () => {
    const closed = { ...named(9, 'Gone'), status: 'closed' as const }
    expect(ids(new AccountIndex([closed]).match(['Gone']).matched)).toEqual([closed.id])
  })
})

describe('at 10,000 rows × 5,000 lines', () => {
  it('indexes once and looks each line up in a map', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => makeRow(i % 2 ? DEMO_TWILIO : DEMO_VOBIZ, i))
    // Each row's ID and name are read once to build the index, never once per line.
    let reads = 0
    const counted = rows.map((r) => {
      const o = { ...r }
      Object.defineProperty(o, 'id', { get: () => (reads++, r.id) })
      return o
    })
    const index = new AccountIndex(counted)
    const afterIndex = reads
    const lines = Array.from({ length: 5_000 }, (_, i) => (i % 5 === 0 ? `missing-${i}` : rows[i * 2].id)).join('\n')
    const m = matchList(lines, index)
    expect(afterIndex).toBeLessThanOrEqual(2 * rows.length)
    // Reading rows during matching would mean a scan per line.
    expect(reads - afterIndex).toBeLessThan(rows.length)
    expect(m.matched).toHaveLength(4_000)
    expect(m.notFound).toHaveLength(1_000)
  })
})

describe('closeMatch', () => {
  const index = new AccountIndex([
    named(0, 'Maple Street Bakery Ltd'),
    named(1, 'Maple Street Clinic'),
    named(2, 'Harbour Dental'),
    named(3, 'Tenant 0003 — Maple Street Bakery'),
  ])

  it('offers the closest name sharing a word, for a typo or a missing word', () => {
    expect(index.closeMatch('Maple Stret Bakery Ltd')).toBe('Maple Street Bakery Ltd')
    expect(index.closeMatch('maple street bakery')).toBe('Maple Street Bakery Ltd')
    expect(index.closeMatch('Harbor Dental')).toBe('Harbour Dental')
  })

  it('offers nothing when no name is close, or for an ID-like entry', () => {
    expect(index.closeMatch('Maple')).toBeNull()
    expect(index.closeMatch('Quayside Bikes')).toBeNull()
    expect(index.closeMatch('AC')).toBeNull()
  })

  it('finds the close name among 10,000 names sharing a common word', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => named(i, `Tenant ${String(i).padStart(5, '0')} Bakery`))
    const big = new AccountIndex(rows)
    for (let i = 0; i < 50; i++) expect(big.closeMatch(`Tenant ${String(i).padStart(5, '0')} Bakeryy`)).toBe(`Tenant ${String(i).padStart(5, '0')} Bakery`)
  })
})
