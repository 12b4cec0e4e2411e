import { describe, expect, it, vi } from 'vitest'
import { DEMO_TWILIO, makeRow } from '../../mock/backend'
import type { AccountRow } from '../bindings/AccountRow'
import type { ListEvent } from '../bindings/ListEvent'

let pages: AccountRow[][] = []
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  listAccounts: async (onEvent: (e: ListEvent) => void) => {
    for (const rows of pages) onEvent({ kind: 'page', connectionId: DEMO_TWILIO.id, rows })
    onEvent({ kind: 'done', connectionId: DEMO_TWILIO.id, total: pages.flat().length })
  },
}))
const { AccountsStore } = await import('./accounts.svelte')
const { TableState } = await import('./table.svelte')

const row = (i: number, name: string, status: AccountRow['status'] = 'active') => ({ ...makeRow(DEMO_TWILIO, i, status), name })
const names = (rows: readonly AccountRow[]) => rows.map((r) => r.name)

describe('TableState over the incremental index', () => {
  it('keeps order, ended rows, action updates and the selection as before', async () => {
    pages = [[row(0, 'Delta'), row(1, 'alpha', 'closed')], [row(2, 'Charlie', 'suspended'), row(3, 'bravo')]]
    const store = new AccountsStore()
    const table = new TableState(store)
    await store.refresh()
    expect(names(table.visible)).toEqual(['bravo', 'Charlie', 'Delta'])
    table.showEnded = true
    expect(names(table.visible)).toEqual(['alpha', 'bravo', 'Charlie', 'Delta'])
    table.showEnded = false

    // A row closed here stays in view, with its new status, and moves when sorted by status.
    table.sortBy('status')
    // Ties on status are broken by id: Delta's is smaller than bravo's.
    expect(names(table.visible)).toEqual(['Delta', 'bravo', 'Charlie'])
    const closed = { ...store.row(`${DEMO_TWILIO.id}\u0000${makeRow(DEMO_TWILIO, 3).id}`)!, status: 'closed' as const }
    store.updateRows([closed])
    store.flush()
    expect(names(table.visible)).toEqual(['Delta', 'bravo', 'Charlie'])
    expect(table.visible[1]).toBe(closed)
    table.sortBy('status')
    expect(names(table.visible)).toEqual(['Charlie', 'bravo', 'Delta'])

    // The search filters the sorted rows; a selected row it hides is counted.
    table.sortBy('name')
    expect(names(table.visible)).toEqual(['bravo', 'Charlie', 'Delta'])
    table.toggle(table.visible[0], false)
    table.filter.search = 'DEL'
    expect(names(table.visible)).toEqual(['Delta'])
    expect(table.hiddenSelected).toBe(1)
    table.filter.search = ''
    expect(table.hiddenSelected).toBe(0)

    // A Refresh lists again from nothing: the same rows, the same order.
    await store.refresh()
    expect(names(table.visible)).toEqual(['bravo', 'Charlie', 'Delta'])
  })
})
