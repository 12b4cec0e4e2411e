import { screen, waitFor, within } from '@testing-library/svelte'
import { render } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { deferred, fakeBackend, uiError } from '../test/ipc'
import { renderAccounts } from '../test/accounts'
import AccountsView from './AccountsView.svelte'

function setup() {
  return renderAccounts()
}

describe('Account detail', () => {
  it('shows a Twilio account\'s numbers (the count the close dialog gives), its dates and the no-balance sentence', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio')!
    const user = userEvent.setup()
    const opener = within(row(target.id)).getByTestId('row-detail')
    await user.click(opener)

    const dialog = await screen.findByTestId('account-detail')
    expect(within(dialog).getByTestId('detail-hide')).toHaveFocus()
    await waitFor(() => expect(within(dialog).getByTestId('detail-numbers-count')).toHaveTextContent('(2)'))
    const list = within(dialog).getByTestId('detail-numbers')
    expect(list).toHaveAttribute('tabindex', '0')
    expect(list).toHaveAccessibleName(/Phone numbers/)
    expect(within(list).getAllByRole('listitem')).toHaveLength(2)
    expect(list).toHaveTextContent('+14155550000')
    // "Phone numbers (2)", each number with its local form in a column of its own.
    expect(within(dialog).getByTestId('detail-numbers-count').closest('h3')).toHaveTextContent(/^Phone numbers \(2\)$/)
    const first = within(list).getAllByRole('listitem')[0]
    expect(within(first).getByTestId('detail-number')).toHaveTextContent(/^\+14155550000$/)
    expect(within(first).getByTestId('detail-number-local')).toHaveTextContent(/^\(415\) 555-0000$/)
    expect(within(dialog).getByTestId('detail-balance')).toHaveTextContent('Twilio does not report a balance for this subaccount.')
    expect(within(dialog).getByTestId('row-id')).toHaveAttribute('title', target.id)
    // The whole ID, not the table's shortened one, with its copy button.
    expect(within(dialog).getByTestId('row-id')).toHaveTextContent(new RegExp(`^${target.id}$`))
    expect(within(dialog).getByTestId('copy-id')).toHaveAccessibleName(`Copy ID ${target.id}`)
    expect(dialog).not.toHaveTextContent(/\bClose\b/)
    expect(backend.calls.some((c) => c.cmd === 'history_query' && (c.args.filter as { accountId?: string }).accountId === target.id)).toBe(true)

    // Focus goes back to the row's button on Hide.
    await user.click(within(dialog).getByTestId('detail-hide'))
    await waitFor(() => expect(screen.queryByTestId('account-detail')).toBeNull())
    expect(within(row(target.id)).getByTestId('row-detail')).toHaveFocus()
  })

  it('says plainly when a provider lists no numbers and reports no balance', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'vobiz')!
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-detail'))
    const dialog = await screen.findByTestId('account-detail')
    await waitFor(() =>
      expect(within(dialog).getByTestId('detail-balance')).toHaveTextContent('Vobiz does not report a balance for this account.'),
    )
    expect(within(dialog).getByTestId('detail-numbers-note')).toHaveTextContent("Vobiz does not list this account's phone numbers")
    expect(within(dialog).queryByTestId('detail-numbers')).toBeNull()
  })

  it('never says "Telnyx says: not reported by Telnyx" for a provider that reports no state', async () => {
    const telnyx = { ...DEMO_VOBIZ, id: 'conn-telnyx', provider: 'telnyx' as const, label: 'Demo Telnyx' }
    const backend = fakeBackend({ perConnection: 1, connections: [DEMO_TWILIO, telnyx] })
    const target = backend.rows.find((r) => r.provider === 'telnyx')!
    Object.assign(target, { status: 'unknown', providerStatus: 'not reported by Telnyx' })
    const accounts = new AccountsStore()
    const table = new TableState(accounts)
    render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO, telnyx] } })
    await accounts.refresh()
    await waitFor(() => expect(screen.getAllByTestId('account-row').some((r) => r.dataset.id === target.id)).toBe(true))
    const row = screen.getAllByTestId('account-row').find((r) => r.dataset.id === target.id)!
    await userEvent.setup().click(within(row).getByTestId('row-detail'))
    const dialog = await screen.findByTestId('account-detail')
    await waitFor(() => expect(within(dialog).getAllByTestId('status-badge')[0]).toHaveTextContent('not reported'))
    expect(dialog).not.toHaveTextContent(/Telnyx says/)
  })

  it('shows loading, then the error with Retry, which reads again', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio')!
    const gate = deferred<void>()
    const realHandle = backend.handle
    let tries = 0
    backend.overrides.set('account_detail', async (args) => {
      tries += 1
      if (tries === 1) {
        await gate.promise
        throw uiError('network', 'Subdesk could not reach Twilio. Check your internet connection, then try again.', true)
      }
      backend.overrides.delete('account_detail')
      return realHandle('account_detail', args)
    })
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-detail'))
    const dialog = await screen.findByTestId('account-detail')
    expect(within(dialog).getByTestId('detail-loading')).toBeInTheDocument()
    gate.resolve()
    await waitFor(() => expect(within(dialog).getByTestId('detail-error')).toHaveTextContent('could not reach Twilio'))
    await user.click(within(dialog).getByTestId('detail-retry'))
    await waitFor(() => expect(within(dialog).getByTestId('detail-numbers-count')).toHaveTextContent('(2)'))
    expect(within(dialog).queryByTestId('detail-error')).toBeNull()
    expect(tries).toBe(2)
  })
})
