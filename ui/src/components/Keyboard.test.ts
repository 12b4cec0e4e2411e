import { render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, makeRow } from '../mock/backend'
import { fakeBackend, heldListing, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'
import { renderAccounts } from '../test/accounts'
import ConnectionForm from './ConnectionForm.svelte'

function setup() {
  return renderAccounts()
}

describe('Keyboard and readable states', () => {
  it('returns focus to the row acted on after confirming with the keyboard', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const user = userEvent.setup()
    within(row(target.id)).getByTestId('row-action-suspend').focus()
    await user.keyboard('{Enter}')
    const dialog = await screen.findByTestId('action-dialog')
    const confirm = within(dialog).getByTestId('confirm-button')
    await waitFor(() => expect(confirm).toBeEnabled())
    confirm.focus()
    await user.keyboard('{Enter}')
    await waitFor(() => expect(screen.queryByTestId('action-dialog')).toBeNull())
    await waitFor(() => expect(row(target.id)).toHaveAttribute('data-status', 'suspended'))
    // The Suspend button went with the old status; focus lands on the row, not the page.
    await waitFor(() => expect(row(target.id)).toContainElement(document.activeElement as HTMLElement))
    expect(document.activeElement).not.toBe(document.body)
  })

  it('goes from the search box to the table with the down arrow or the skip link', async () => {
    const { backend, row } = await setup()
    const user = userEvent.setup()
    await user.click(screen.getByTestId('search-input'))
    await user.keyboard('{ArrowDown}')
    const firstId = screen.getAllByTestId('account-row')[0].dataset.id!
    expect(document.activeElement).toBe(within(row(firstId)).getByTestId('row-detail'))
    expect(backend.rows.some((r) => r.id === firstId)).toBe(true)

    // One Tab from the search box reaches the skip link, which says where it goes.
    screen.getByTestId('search-input').focus()
    await user.tab()
    const skip = screen.getByTestId('skip-to-table')
    expect(skip).toHaveFocus()
    expect(skip).toHaveTextContent('Go to the table')
    await user.keyboard('{Enter}')
    expect(document.activeElement).toBe(within(row(firstId)).getByTestId('row-detail'))
  })

  it('shows a row error as text in full, not only in a tooltip', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.status === 'active')!
    const message = 'Twilio could not suspend this account right now; nothing was changed. Try again in a minute.'
    backend.failing.set(target.id, uiError('provider', message, true))
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await user.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(within(dialog).getByTestId('dialog-error')).toBeInTheDocument())
    await user.click(within(dialog).getByTestId('cancel-button'))

    const item = within(screen.getByTestId('row-errors')).getByTestId('row-errors-item')
    expect(item).toHaveTextContent(`${target.name} ${target.id}: ${message}`)
    expect(item).not.toHaveAttribute('title')
  })

  it('shows a loading state while listing, never "No accounts match" at the same time', async () => {
    const listing = heldListing()
    const accounts = new AccountsStore()
    const table = new TableState(accounts)
    render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO] } })
    const done = accounts.refresh()
    await waitFor(() => expect(screen.getByTestId('table-loading')).toHaveTextContent('Loading accounts…'))
    expect(screen.queryByText('No accounts match.')).toBeNull()
    listing.send({ kind: 'page', connectionId: DEMO_TWILIO.id, rows: [makeRow(DEMO_TWILIO, 0)] })
    listing.end()
    await done
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(1))
    expect(screen.queryByTestId('table-loading')).toBeNull()
    await userEvent.setup().type(screen.getByTestId('search-input'), 'nothing like it')
    await waitFor(() => expect(screen.getByTestId('table-empty')).toHaveTextContent('No accounts match.'))
  })

  it('marks form errors with aria-invalid and aria-describedby, and focuses the first invalid field', async () => {
    const backend = fakeBackend()
    render(ConnectionForm, { props: { onsaved: vi.fn() } })
    const user = userEvent.setup()
    await user.type(screen.getByTestId('conn-secret'), 'token')
    await user.click(screen.getByTestId('conn-save'))
    const label = screen.getByTestId('conn-label')
    await waitFor(() => expect(label).toHaveFocus())
    expect(label).toHaveAttribute('aria-invalid', 'true')
    const describedBy = label.getAttribute('aria-describedby')!
    expect(document.getElementById(describedBy)).toHaveTextContent(screen.getByTestId('conn-label-error').textContent!)
    const account = screen.getByTestId('conn-account-id')
    expect(account).toHaveAttribute('aria-invalid', 'true')
    expect(document.getElementById(account.getAttribute('aria-describedby')!)).toBe(screen.getByTestId('conn-account-id-error'))
    expect(screen.getByTestId('conn-secret')).toHaveAttribute('aria-invalid', 'false')

    // Fix the label: the next submit focuses the next invalid field.
    await user.type(label, 'Main')
    await user.click(screen.getByTestId('conn-test'))
    await waitFor(() => expect(account).toHaveFocus())
    expect(backend.callsOf('add_connection')).toHaveLength(0)
  })
})
