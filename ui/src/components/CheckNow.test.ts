import { render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { fakeBackend, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

async function setup() {
  const backend = fakeBackend({ perConnection: 3 })
  const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
  backend.putInDoubt(target.id, 'close')
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
  const row = () => screen.getAllByTestId('account-row').find((r) => r.dataset.id === target.id)!
  return { backend, target, row }
}

describe('An account in doubt', () => {
  it('says "Not confirmed" in words with core\'s sentence, and offers only Check now', async () => {
    const { backend, target, row } = await setup()
    const sentence = backend.rows.find((r) => r.id === target.id)!.inDoubt!
    expect(sentence).toMatch(/^Subdesk is not sure whether the close sent on .* went through/)
    const badge = within(row()).getByTestId('row-in-doubt')
    expect(badge).toHaveTextContent('Not confirmed')
    expect(badge).toHaveAttribute('title', sentence)
    // Not colour alone: a word and an icon of its own.
    expect(badge.querySelector('svg')).toHaveAttribute('data-icon', 'in-doubt')
    expect(within(row()).queryByTestId(/^row-action-/)).toBeNull()
    const check = within(row()).getByRole('button', { name: `Check ${target.name} now` })
    expect(check).toHaveTextContent('Check now')
    expect(check).toHaveAccessibleDescription(sentence)
    // Other rows keep their actions.
    const other = screen.getAllByTestId('account-row').find((r) => r.dataset.id !== target.id && r.dataset.status === 'active')!
    expect(within(other).queryByTestId('row-in-doubt')).toBeNull()
    expect(within(other).getAllByTestId(/^row-action-/).length).toBeGreaterThan(0)
  })

  it('Check now reads the account, lists again and says "Checked: settled." once core settled it', async () => {
    const { backend, target, row } = await setup()
    const user = userEvent.setup()
    await user.click(within(row()).getByTestId('row-check-now'))
    expect(backend.callsOf('check_account')).toEqual([{ connectionId: target.connectionId, accountId: target.id }])
    await waitFor(() => expect(backend.callsOf('list_accounts')).toHaveLength(2))
    await waitFor(() => expect(within(row()).getByTestId('row-check')).toHaveTextContent('Checked: settled.'))
    // The close went through in the end: the row says so, and is no longer in doubt.
    expect(row()).toHaveAttribute('data-status', 'closed')
    expect(row()).not.toHaveAttribute('data-in-doubt')
    expect(within(row()).queryByTestId('row-in-doubt')).toBeNull()
    expect(within(row()).queryByTestId('row-check-now')).toBeNull()
  })

  it('says it is still not confirmed when the provider may still apply the change', async () => {
    const { backend, target, row } = await setup()
    backend.unsettled.add(target.id)
    const user = userEvent.setup()
    within(row()).getByTestId('row-check-now').focus()
    await user.keyboard('{Enter}')
    await waitFor(() =>
      expect(within(row()).getByTestId('row-check')).toHaveTextContent(
        'Still not confirmed: the provider may still apply it; Subdesk checks again by itself.',
      ),
    )
    expect(within(row()).getByTestId('row-in-doubt')).toHaveTextContent('Not confirmed')
    expect(within(row()).queryByTestId(/^row-action-/)).toBeNull()
    // The table was rebuilt: focus is back on the row's Check now, not lost to the page.
    await waitFor(() => expect(document.activeElement).toBe(within(row()).getByTestId('row-check-now')))
  })

  it('shows why a check could not run, and keeps the row in doubt', async () => {
    const { backend, row } = await setup()
    backend.overrides.set('check_account', () => {
      throw uiError('network', 'Subdesk could not reach Twilio. Check the internet connection, then try again.', true)
    })
    await userEvent.setup().click(within(row()).getByTestId('row-check-now'))
    await waitFor(() => expect(within(row()).getByTestId('row-check')).toHaveTextContent('Subdesk could not reach Twilio.'))
    expect(within(row()).getByTestId('row-in-doubt')).toBeInTheDocument()
    expect(backend.callsOf('list_accounts')).toHaveLength(1)
  })

  it('a single action whose outcome is not known puts the row in doubt, and is not offered again', async () => {
    const backend = fakeBackend({ perConnection: 3 })
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    backend.failing.set(target.id, uiError('outcome_unknown', 'Twilio did not answer in time, and Subdesk could not read the account again.'))
    const accounts = new AccountsStore()
    const table = new TableState(accounts)
    render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    await accounts.refresh()
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
    const row = () => screen.getAllByTestId('account-row').find((r) => r.dataset.id === target.id)!
    const user = userEvent.setup()
    await user.click(within(row()).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    const confirm = within(dialog).getByTestId('confirm-button')
    await waitFor(() => expect(confirm).toBeEnabled())
    await user.click(confirm)
    await waitFor(() => expect(within(dialog).getByTestId('dialog-error')).toHaveTextContent('Twilio did not answer in time'))
    expect(confirm).toBeDisabled()
    await user.click(within(dialog).getByTestId('cancel-button'))

    await waitFor(() => expect(within(row()).getByTestId('row-in-doubt')).toHaveTextContent('Not confirmed'))
    expect(row()).toHaveAttribute('data-state', '')
    expect(within(row()).queryByTestId(/^row-action-/)).toBeNull()
    expect(screen.queryByTestId('row-errors')).toBeNull()
    expect(backend.callsOf('apply_action')).toHaveLength(1)
  })
})
