import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const rows: AccountRow[] = [
  makeRow(DEMO_TWILIO, 0, 'active'),
  makeRow(DEMO_TWILIO, 1, 'active'),
  makeRow(DEMO_TWILIO, 2, 'active'),
  makeRow(DEMO_TWILIO, 3, 'suspended'),
  makeRow(DEMO_TWILIO, 4, 'closed'),
]

async function setup(extra: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
  mockCommands({
    list_accounts: ({ onEvent }) => {
      sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows })
      return null
    },
    ...extra,
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getByTestId('status-summary')).toBeInTheDocument())
  const ids = () => screen.queryAllByTestId('account-row').map((r) => r.dataset.id)
  return { accounts, table, ids }
}

describe('Status summary', () => {
  it('counts what the search and connection filter leave, in the rows\' words', async () => {
    const telnyx = { ...DEMO_VOBIZ, id: 'conn-telnyx', provider: 'telnyx' as const, label: 'Demo Telnyx' }
    const managed = { ...makeRow(telnyx, 7, 'unknown'), providerStatus: 'not reported by Telnyx' }
    const { table } = await setup({
      list_accounts: ({ onEvent }) => {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows })
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: telnyx.id, rows: [managed] })
        return null
      },
    })
    const summary = screen.getByTestId('status-summary')
    await waitFor(() => expect(summary).toHaveTextContent('Active 3 · Suspended 1 · Not reported 1 · Closed 1'))
    expect(summary).not.toHaveTextContent(/unknown/i)
    // The connection filter narrows the counts.
    table.filter.connectionId = DEMO_TWILIO.id
    await waitFor(() => expect(summary).toHaveTextContent('Active 3 · Suspended 1 · Closed 1'))
    expect(summary).not.toHaveTextContent('Not reported')
    // And so does the search: only the suspended one's name matches.
    table.filter.search = rows[3].name
    await waitFor(() => expect(summary).toHaveTextContent(/^Suspended 1$/))
  })

  it('counts every status, each a filter, and hides closed accounts behind a visible switch', async () => {
    const { ids, table } = await setup()
    const summary = screen.getByTestId('status-summary')
    expect(summary).toHaveTextContent('Active 3 · Suspended 1 · Closed 1')
    // Closed is counted but not in the table until asked for.
    await waitFor(() => expect(ids()).toHaveLength(4))
    expect(ids()).not.toContain(rows[4].id)
    const toggle = within(summary).getByTestId('toggle-ended')
    expect(toggle).not.toBeChecked()
    expect(summary).toHaveTextContent('Show closed and deleted accounts (1)')

    await fireEvent.click(toggle)
    await waitFor(() => expect(ids()).toHaveLength(5))
    await fireEvent.click(toggle)
    await waitFor(() => expect(ids()).toHaveLength(4))

    const suspended = within(summary).getByTestId('summary-suspended')
    await fireEvent.click(suspended)
    expect(suspended).toHaveAttribute('aria-pressed', 'true')
    await waitFor(() => expect(ids()).toEqual([rows[3].id]))
    expect(screen.getByTestId('filter-status')).toHaveValue('suspended')
    // The Closed count filters to closed accounts even while the switch is off.
    await fireEvent.click(within(summary).getByTestId('summary-closed'))
    await waitFor(() => expect(ids()).toEqual([rows[4].id]))
    await fireEvent.click(within(summary).getByTestId('summary-closed'))
    expect(table.filter.status).toBe('')
    await waitFor(() => expect(ids()).toHaveLength(4))
  })

  it('keeps an account closed a moment ago in view until the next listing', async () => {
    const target = rows[0]
    const { ids } = await setup({
      preview_action: () => ({
        row: target,
        action: 'close',
        irreversible: true,
        impact: { numbersReleased: null, consequences: [] },
        confirmPhrase: target.id.slice(-3),
        confirmToken: 't',
      }),
      apply_action: () => ({ row: { ...target, status: 'closed', allowedActions: [] }, historyId: 1, requestId: null }),
    })
    await waitFor(() => expect(ids()).toHaveLength(4))
    const tr = screen.getAllByTestId('account-row').find((r) => r.dataset.id === target.id)!
    const user = userEvent.setup()
    await user.click(within(tr).getByTestId('row-action-close'))
    const dialog = await screen.findByTestId('action-dialog')
    await user.type(await within(dialog).findByTestId('confirm-input'), target.id.slice(-3))
    await user.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(screen.queryByTestId('action-dialog')).toBeNull())
    await waitFor(() =>
      expect(screen.getAllByTestId('account-row').find((r) => r.dataset.id === target.id)).toHaveAttribute('data-status', 'closed'),
    )
    expect(ids()).toHaveLength(4)
  })
})
