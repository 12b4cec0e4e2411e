import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEMO_TWILIO, makeRow } from '../../mock/backend'
import { deferred, heldListing, mockCommands } from '../../test/ipc'
import { sendToChannel } from '../../mock/channel'
import type { ListEvent } from '../bindings/ListEvent'
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

describe('AccountsStore refresh', () => {
  it('keeps the rows while it runs, replaces them as pages arrive, and drops the ones not listed again', async () => {
    const before = [0, 1, 2].map((i) => makeRow(DEMO_TWILIO, i))
    const held = deferred<null>()
    let channel: unknown
    let calls = 0
    mockCommands({
      list_accounts: ({ onEvent }) => {
        calls++
        if (calls === 1) {
          sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: before })
          sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: DEMO_TWILIO.id, total: 3 })
          return null
        }
        channel = onEvent
        return held.promise
      },
    })
    const store = new AccountsStore()
    await store.refresh()
    expect(store.rows.map((r) => r.id)).toEqual(before.map((r) => r.id))

    const again = store.refresh()
    await vi.waitFor(() => expect(channel).toBeDefined())
    // Refresh no longer empties the table ("showing 0 of 0"): the rows stay, marked as loading.
    expect(store.rows).toHaveLength(3)
    expect(store.loading).toBe(true)

    const renamed = { ...before[1], name: 'Renamed Tenant', status: 'suspended' as const }
    sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: [before[0], renamed] })
    store.flush()
    expect(store.rows.map((r) => r.name)).toEqual([before[0].name, 'Renamed Tenant', before[2].name])
    expect(store.rows[1].status).toBe('suspended')

    // The connection is done: the row it did not list again goes.
    sendToChannel<ListEvent>(channel, { kind: 'done', connectionId: DEMO_TWILIO.id, total: 2 })
    held.resolve(null)
    await again
    expect(store.rows.map((r) => r.id)).toEqual([before[0].id, before[1].id])
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
