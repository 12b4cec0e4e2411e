import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEMO_TWILIO, makeRow } from '../../mock/backend'
import { heldListing } from '../../test/ipc'
import { AccountsStore } from './accounts.svelte'

afterEach(() => {
  vi.useRealTimers()
})

describe('AccountsStore listing', () => {
  it('shows the first page within 60 ms, then applies later pages in batches, and all at the end', async () => {
    vi.useFakeTimers()
    const listing = heldListing()
    const store = new AccountsStore()
    const page = (from: number) =>
      listing.send({
        kind: 'page',
        connectionId: DEMO_TWILIO.id,
        rows: Array.from({ length: 100 }, (_, i) => makeRow(DEMO_TWILIO, from + i)),
      })
    const done = store.refresh()
    await vi.waitFor(() => expect(listing.started).toBe(true))

    page(0)
    expect(store.rows).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(60)
    expect(store.rows).toHaveLength(100)

    // Later pages wait for one batch: not every 60 ms.
    page(100)
    await vi.advanceTimersByTimeAsync(100)
    page(200)
    await vi.advanceTimersByTimeAsync(100)
    expect(store.rows).toHaveLength(100)
    expect(store.received).toBe(300)
    await vi.advanceTimersByTimeAsync(60)
    expect(store.rows).toHaveLength(300)

    // The end of the listing applies what is queued at once.
    page(300)
    listing.send({ kind: 'done', connectionId: DEMO_TWILIO.id, total: 400 })
    listing.end()
    await done
    expect(store.rows).toHaveLength(400)
    expect(store.loading).toBe(false)
  })
})

describe('AccountsStore.markInDoubt', () => {
  it('puts a row in doubt: its sentence set, its actions gone, no error or pending state left', async () => {
    const listing = heldListing()
    const store = new AccountsStore()
    const row = makeRow(DEMO_TWILIO, 0)
    const key = `${row.connectionId}\u0000${row.id}`
    const done = store.refresh()
    await vi.waitFor(() => expect(listing.started).toBe(true))
    listing.send({ kind: 'page', connectionId: DEMO_TWILIO.id, rows: [row] })
    listing.end()
    await done
    expect(store.row(key)!.allowedActions.length).toBeGreaterThan(0)

    store.setPending([key])
    store.markInDoubt(key, 'Subdesk is not sure whether the suspend went through.')
    store.flush()
    expect(store.row(key)).toMatchObject({ inDoubt: 'Subdesk is not sure whether the suspend went through.', allowedActions: [] })
    expect(store.rowStates.has(key)).toBe(false)
    // Kept in view whatever its status, like any row an action changed.
    expect(store.changedHere.has(key)).toBe(true)

    // Core's own sentence, when the re-read row carries one, is kept over ours.
    store.updateRows([{ ...row, inDoubt: 'Core says so.', allowedActions: [] }])
    store.markInDoubt(key, 'Ours.')
    store.flush()
    expect(store.row(key)!.inDoubt).toBe('Core says so.')
  })
})
