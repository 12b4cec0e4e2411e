import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { BulkPreview } from '../lib/bindings/BulkPreview'
import type { ItemRef } from '../lib/bindings/ItemRef'
import type { PreviewEvent } from '../lib/bindings/PreviewEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { deferred, fakeBackend, mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const rows: AccountRow[] = [0, 1, 2, 3].map((i) => makeRow(DEMO_TWILIO, i))
const ref = (r: AccountRow): ItemRef => ({ connectionId: r.connectionId, accountId: r.id })

function preview(final: boolean, unread = 0): BulkPreview {
  return {
    action: 'close',
    irreversible: true,
    runnable: rows,
    skipped: [],
    perConnection: [{ connectionId: DEMO_TWILIO.id, connectionLabel: 'Demo Twilio', provider: 'twilio', count: rows.length }],
    numbersReleased: final ? 9 : null,
    unread: final ? unread : 0,
    consequences: ['Closed subaccounts stop working at once and can never be reopened.'],
    consequencesIfMoved: null,
    confirmPhrase: 'CLOSE 4',
    confirmToken: final ? 'token-1' : null,
  }
}

/** The accounts view with a bulk preview held open: the test sends its events and ends it. */
async function setup() {
  let channel: unknown
  const done = deferred<BulkPreview>()
  const calls = mockCommands({
    list_accounts: ({ onEvent }) => {
      sendToChannel(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows })
      return null
    },
    bulk_preview: ({ onEvent }) => {
      channel = onEvent
      return done.promise
    },
    bulk_preview_cancel: () => null,
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(4))
  await fireEvent.click(screen.getByTestId('select-all-matching'))
  await fireEvent.click(screen.getByTestId('bulk-action-close'))
  const dialog = await screen.findByTestId('bulk-dialog')
  await waitFor(() => expect(channel).toBeDefined())
  const send = async (e: PreviewEvent) => {
    sendToChannel(channel, e)
    await new Promise((r) => setTimeout(r, 0))
  }
  return { calls, dialog, send, done }
}

describe('Bulk preview while it counts', () => {
  it('shows the lists at once, the progress, and keeps Start disabled until counted', async () => {
    const { dialog, send, done } = await setup()
    expect(dialog).toHaveAttribute('data-counting', 'true')
    await send({ kind: 'split', preview: preview(false) })
    await send({ kind: 'counting', done: 0, total: 4 })

    // The lists are readable (and scrollable by keyboard) while the numbers are counted.
    const list = within(dialog).getByRole('region', { name: 'Accounts that will be closed' })
    expect(list).toHaveAttribute('tabindex', '0')
    expect(within(list).getAllByRole('listitem')).toHaveLength(4)
    expect(within(dialog).getByTestId('bulk-per-connection')).toHaveTextContent('Demo Twilio')
    expect(dialog).toHaveTextContent('can never be reopened')
    expect(within(dialog).getByRole('heading', { level: 2 })).toHaveTextContent('Close 4 accounts')

    await send({ kind: 'counting', done: 3, total: 4 })
    expect(within(dialog).getByTestId('bulk-counting')).toHaveTextContent('Counting numbers: 3 of 4')
    const bar = within(dialog).getByRole('progressbar', { name: 'Counting numbers: 3 of 4' })
    expect(bar).toHaveAttribute('value', '3')
    expect(bar).toHaveAttribute('max', '4')
    // The live region speaks in quarters, not at every event.
    const status = within(dialog).getByTestId('bulk-counting-status')
    expect(status).toHaveAttribute('aria-live', 'polite')
    expect(status).toHaveTextContent('Counting numbers: 75% done.')
    expect(within(dialog).queryByTestId('impact-numbers')).toBeNull()

    const input = within(dialog).getByTestId('bulk-confirm-input')
    expect(input).toBeDisabled()
    expect(within(dialog).getByTestId('bulk-start')).toBeDisabled()

    await send({ kind: 'counting', done: 4, total: 4 })
    done.resolve(preview(true))
    await waitFor(() => expect(dialog).toHaveAttribute('data-counting', 'false'))
    expect(within(dialog).queryByTestId('bulk-counting')).toBeNull()
    expect(within(dialog).getByTestId('impact-numbers')).toHaveTextContent('9 phone numbers will be released')
    expect(status).toHaveTextContent('Counting numbers: done.')
    expect(input).toBeEnabled()
    await userEvent.type(input, 'CLOSE 4')
    expect(within(dialog).getByTestId('bulk-start')).toBeEnabled()
  })

  it('stops the counting when the dialog is cancelled', async () => {
    const { calls, dialog, send } = await setup()
    await send({ kind: 'split', preview: preview(false) })
    await send({ kind: 'counting', done: 1, total: 4 })
    const previewId = calls.find((c) => c.cmd === 'bulk_preview')!.args.previewId
    expect(typeof previewId).toBe('string')
    await fireEvent.click(within(dialog).getByTestId('cancel-button'))
    await waitFor(() => expect(screen.queryByTestId('bulk-dialog')).toBeNull())
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'bulk_preview_cancel').map((c) => c.args.previewId)).toEqual([previewId]))
  })

  it('does not stop anything once counted', async () => {
    const { calls, dialog, done } = await setup()
    done.resolve(preview(true))
    await waitFor(() => expect(dialog).toHaveAttribute('data-counting', 'false'))
    await fireEvent.click(within(dialog).getByTestId('cancel-button'))
    await waitFor(() => expect(screen.queryByTestId('bulk-dialog')).toBeNull())
    expect(calls.some((c) => c.cmd === 'bulk_preview_cancel')).toBe(false)
  })

  it('says how many accounts could not be counted and what happens to them', async () => {
    const { dialog, done } = await setup()
    done.resolve(preview(true, 3))
    await waitFor(() => expect(within(dialog).getByTestId('bulk-unread')).toBeInTheDocument())
    expect(within(dialog).getByTestId('bulk-unread')).toHaveTextContent(
      "3 accounts' phone numbers could not be counted, so the count leaves them out. Each is read again just before it is closed; an account whose numbers still cannot be read is not closed.",
    )
  })

  it('the mock back end streams the split and a few counting events', async () => {
    const backend = fakeBackend({ latencyMs: 1 })
    const events: PreviewEvent[] = []
    const { bulkPreview } = await import('../lib/api')
    const items = backend.rows.filter((r) => r.connectionId === DEMO_TWILIO.id && r.allowedActions.includes('close')).map(ref)
    const final = await bulkPreview(items, 'close', (e) => events.push(e), 'p-1')
    expect(events[0].kind).toBe('split')
    const counting = events.filter((e) => e.kind === 'counting')
    expect(counting.length).toBeGreaterThan(1)
    expect(counting.at(-1)).toEqual({ kind: 'counting', done: items.length, total: items.length })
    expect(final.confirmToken).not.toBeNull()
  })
})
