import { describe, expect, it } from 'vitest'
import { sendToChannel } from '../mock/channel'
import { mockCommands, uiError } from '../test/ipc'
import * as api from './api'
import type { ListEvent } from './bindings/ListEvent'

describe('api', () => {
  it('calls each command by its Rust name with camelCase arguments', async () => {
    const calls = mockCommands({
      app_status: () => ({ demo: true }),
      apply_action: () => ({ row: {}, historyId: 1, requestId: null }),
      remove_connection: () => null,
      history_query: () => ({ entries: [], total: 0, hasMore: false }),
      bulk_cancel: () => null,
      set_settings: (a) => a.settings,
      check_account: () => 1,
      settle_entry: (a) => ({ id: a.entryId, outcome: 'succeeded' }),
    })
    await api.appStatus()
    await api.applyAction('c1', 'AC1', 'close', { typed: 'abc', token: 't-1' })
    await api.removeConnection('c1')
    await api.historyQuery({ outcome: 'failed' }, 42, 50)
    await api.bulkCancel('job-1')
    expect(await api.setSettings({ concurrency: 4, operatorDisplayName: null })).toEqual({ concurrency: 4, operatorDisplayName: null })
    expect(await api.checkAccount('c1', 'AC1')).toBe(1)
    expect(await api.settleEntry(12, false)).toMatchObject({ id: 12 })
    expect(calls).toEqual([
      { cmd: 'app_status', args: {} },
      { cmd: 'apply_action', args: { connectionId: 'c1', accountId: 'AC1', action: 'close', confirmation: { typed: 'abc', token: 't-1' } } },
      { cmd: 'remove_connection', args: { connectionId: 'c1' } },
      { cmd: 'history_query', args: { filter: { outcome: 'failed' }, beforeId: 42, limit: 50 } },
      { cmd: 'bulk_cancel', args: { jobId: 'job-1' } },
      { cmd: 'set_settings', args: { settings: { concurrency: 4, operatorDisplayName: null } } },
      { cmd: 'check_account', args: { connectionId: 'c1', accountId: 'AC1' } },
      { cmd: 'settle_entry', args: { entryId: 12, wentThrough: false } },
    ])
  })

  it('turns a UiError rejection into an ApiError carrying code, message and retryable', async () => {
    mockCommands({
      preview_action: () => {
        throw uiError('rate_limited', 'Twilio is busy. Try again in a minute.', true)
      },
    })
    const e = await api.previewAction('c', 'a', 'suspend').catch((x) => x)
    expect(e).toBeInstanceOf(api.ApiError)
    expect(e.code).toBe('rate_limited')
    expect(e.message).toBe('Twilio is busy. Try again in a minute.')
    expect(e.retryable).toBe(true)
    expect(e.field).toBeNull()
  })

  it('keeps the field a validation error is about', () => {
    const e = api.toApiError(uiError('validation', 'The reason is too long.', false, 'reason'))
    expect(e.code).toBe('validation')
    expect(e.field).toBe('reason')
  })

  it('never shows raw JSON for a rejection that is not a UiError', () => {
    const acl = api.toApiError('Command foo not allowed by ACL')
    expect(acl.code).toBe('internal')
    expect(acl.message).not.toContain('ACL')
    expect(acl.message).toMatch(/try again/)
    const odd = api.toApiError({ weird: { nested: true } })
    expect(odd.code).toBe('internal')
    expect(odd.message).not.toContain('{')
    expect(api.errorMessage(new TypeError('x is undefined'))).not.toContain('TypeError')
  })

  it('passes a Channel to list_accounts and delivers its messages in order', async () => {
    const received: ListEvent[] = []
    mockCommands({
      list_accounts: ({ onEvent }) => {
        // Deliver index 1 before index 0: the Channel must reorder them.
        const id = (onEvent as { id: number }).id
        const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (i: number, d: unknown) => void } })
          .__TAURI_INTERNALS__
        internals.runCallback(id, { index: 1, message: { kind: 'done', connectionId: 'c1', total: 0 } })
        internals.runCallback(id, { index: 0, message: { kind: 'page', connectionId: 'c1', rows: [] } })
        return null
      },
    })
    await api.listAccounts((e) => received.push(e))
    expect(received.map((e) => e.kind)).toEqual(['page', 'done'])
  })

  it('resolves list_accounts only once the last connection has ended, when the reply comes first', async () => {
    // Tauri fetches a large message (a page) on its own and evals a small one: the command's
    // reply and a `done` can arrive before the pages. The reply says two connections ended.
    const received: ListEvent[] = []
    let channel: unknown
    mockCommands({
      list_accounts: ({ onEvent }) => {
        channel = onEvent
        return 2
      },
    })
    let resolved = false
    const listing = api.listAccounts((e) => received.push(e)).then(() => (resolved = true))
    await new Promise((r) => setTimeout(r, 10))
    sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: 'c1', rows: [] })
    sendToChannel<ListEvent>(channel, { kind: 'done', connectionId: 'c1', total: 0 })
    await new Promise((r) => setTimeout(r, 10))
    expect(resolved).toBe(false)
    sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: 'c2', rows: [] })
    sendToChannel<ListEvent>(channel, { kind: 'failed', connectionId: 'c2', error: uiError('network', 'down') })
    await listing
    expect(received.map((e) => e.kind)).toEqual(['page', 'done', 'page', 'failed'])
  })

  it('streams bulk_run events and resolves with the final counts', async () => {
    const kinds: string[] = []
    const counts = { total: 1, succeeded: 1, failed: 0, skipped: 0, notStarted: 0, remaining: 0 }
    const calls = mockCommands({
      bulk_run: ({ onEvent }) => {
        sendToChannel(onEvent, { kind: 'started', jobId: 'j', counts })
        sendToChannel(onEvent, { kind: 'finished', jobId: 'j', counts, cancelled: false, failures: [] })
        return counts
      },
    })
    const items = [{ connectionId: 'c', accountId: 'a' }]
    expect(await api.bulkRun(items, 'suspend', null, (e) => kinds.push(e.kind))).toEqual(counts)
    expect(kinds).toEqual(['started', 'finished'])
    expect(calls[0].args).toMatchObject({ items, action: 'suspend', confirmation: null })
  })

  it('returns null when the user cancels the export dialog', async () => {
    const calls = mockCommands({ history_export: () => null })
    expect(await api.historyExport({}, 'csv')).toBeNull()
    expect(calls).toEqual([{ cmd: 'history_export', args: { filter: {}, format: 'csv' } }])
  })
})
