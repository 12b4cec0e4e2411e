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
import { mockCommands, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const named = (i: number, name: string, status: AccountRow['status'] = 'active', c = DEMO_TWILIO): AccountRow => ({
  ...makeRow(c, i, status),
  name,
})
const ROWS = [
  named(0, 'Bright Dental'),
  named(1, 'Acme Plumbing'),
  named(2, 'Twins'),
  named(3, 'Twins'),
  named(4, 'Old Client', 'closed'),
  named(5, 'Vobiz Tenant', 'active', DEMO_VOBIZ),
  named(6, 'Zed Bakery'),
]

async function setup(extra: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
  const calls = mockCommands({
    list_accounts: ({ onEvent }) => {
      for (const c of [DEMO_TWILIO, DEMO_VOBIZ]) {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: c.id, rows: ROWS.filter((r) => r.connectionId === c.id) })
        sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: c.id, total: 0 })
      }
      return null
    },
    ...extra,
  })
  const accounts = new AccountsStore((id) => (id === DEMO_TWILIO.id ? DEMO_TWILIO.label : DEMO_VOBIZ.label))
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
  return { accounts, table, calls }
}

const selectedIds = (table: TableState) => table.selectedItems().map((i) => i.accountId).sort()

describe('Select from a list', () => {
  it('previews the matches, not found, ambiguous and hidden ones, then replaces the selection', async () => {
    const user = userEvent.setup()
    const { table } = await setup()
    // Something selected before, and a search that hides the accounts about to be selected.
    table.select([{ connectionId: DEMO_TWILIO.id, accountId: ROWS[6].id }])
    table.filter.search = 'zed'
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    expect(within(dialog).getByTestId('list-apply')).toBeDisabled()
    expect(within(dialog).getByTestId('list-replaces')).toHaveTextContent('This replaces the current selection (1 selected now).')

    const text = [ROWS[0].id.toLowerCase(), 'acme   PLUMBING', 'twins', 'Nobody Inc', ROWS[4].id, ROWS[5].id, DEMO_TWILIO.accountId].join('\n')
    await fireEvent.input(within(dialog).getByTestId('list-input'), { target: { value: text } })

    expect(within(dialog).getByTestId('list-summary')).toHaveTextContent(
      '4 accounts will be selected · 1 not found · 1 ambiguous · 1 parent account',
    )
    expect(within(dialog).getByTestId('list-hidden-ended')).toHaveTextContent('1 of them is closed or deleted')
    expect(within(dialog).getByTestId('list-clears-filter')).toBeInTheDocument()
    const notFound = within(dialog).getByRole('region', { name: 'Entries that match no account' })
    expect(notFound).toHaveTextContent('Nobody Inc')
    expect(notFound).toHaveAttribute('tabindex', '0')
    const ambiguous = within(dialog).getByRole('region', { name: 'Names that belong to more than one account' })
    expect(ambiguous).toHaveTextContent(ROWS[2].id)
    expect(ambiguous).toHaveTextContent(ROWS[3].id)
    expect(within(dialog).getByTestId('list-parents')).toBeInTheDocument()
    expect(within(dialog).getByTestId('list-matched')).toHaveTextContent('Vobiz Tenant')

    await user.click(within(dialog).getByTestId('list-apply'))
    expect(screen.queryByTestId('select-list-dialog')).toBeNull()
    expect(selectedIds(table)).toEqual([ROWS[0].id, ROWS[1].id, ROWS[4].id, ROWS[5].id].sort())
    // The search was cleared; the closed one shows through the bulk bar's hidden warning.
    expect(table.filter.search).toBe('')
    expect(screen.getByTestId('bulk-count')).toHaveTextContent('4 selected')
    expect(screen.getByTestId('bulk-hidden')).toHaveTextContent('1 hidden by the current filter')
  })

  it('names the button with the match count and keeps a filter that hides none of them', async () => {
    const user = userEvent.setup()
    const { table } = await setup()
    table.filter.connectionId = DEMO_TWILIO.id
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    await fireEvent.input(within(dialog).getByTestId('list-input'), { target: { value: 'Bright Dental, Acme Plumbing' } })
    expect(within(dialog).getByTestId('list-apply')).toHaveTextContent('Select these 2')
    expect(within(dialog).queryByTestId('list-clears-filter')).toBeNull()
    expect(within(dialog).queryByTestId('list-not-found')).toBeNull()
    await user.click(within(dialog).getByTestId('list-apply'))
    expect(table.filter.connectionId).toBe(DEMO_TWILIO.id)
    expect(selectedIds(table)).toEqual([ROWS[0].id, ROWS[1].id].sort())
  })

  it('reads an imported CSV file in the window, header row and other columns ignored', async () => {
    const user = userEvent.setup()
    await setup()
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    const csv = `Customer,Account SID,Plan\n"Bright Dental",${ROWS[0].id},Gold\nSomeone,ACffff,Silver\n`
    const file = new File([csv], 'billing.csv', { type: 'text/csv' })
    await user.upload(within(dialog).getByTestId('list-file'), file)
    await waitFor(() => expect(within(dialog).getByTestId('list-summary')).toHaveTextContent('1 account will be selected · 1 not found · 0 ambiguous'))
    expect(within(dialog).getByTestId('list-file-note')).toHaveTextContent('Read billing.csv.')
    expect(within(dialog).getByTestId('list-not-found')).toHaveTextContent('ACffff')
  })

  it('offers a close name for one not found', async () => {
    const user = userEvent.setup()
    await setup()
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    await fireEvent.input(within(dialog).getByTestId('list-input'), { target: { value: 'Brigth Dental\nNobody Known Here' } })
    const notFound = within(dialog).getByTestId('list-not-found')
    expect(notFound).toHaveTextContent('Brigth Dental: did you mean Bright Dental?')
    expect(notFound).toHaveTextContent(/Nobody Known Here$/)
  })

  it('changes nothing on Cancel', async () => {
    const user = userEvent.setup()
    const { table } = await setup()
    table.select([{ connectionId: DEMO_TWILIO.id, accountId: ROWS[6].id }])
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    await fireEvent.input(within(dialog).getByTestId('list-input'), { target: { value: 'Bright Dental' } })
    await user.click(within(dialog).getByTestId('cancel-button'))
    expect(selectedIds(table)).toEqual([ROWS[6].id])
  })
})

describe('Export the accounts table', () => {
  it('sends the rows shown, in the table order, and says where they went', async () => {
    const user = userEvent.setup()
    const { table, calls } = await setup({
      accounts_export: ({ items }) => ({ path: '/home/user/a.csv', count: (items as unknown[]).length - 1, leftOut: 1 }),
    })
    table.filter.connectionId = DEMO_TWILIO.id
    table.sortBy('name') // descending
    const button = screen.getByTestId('export-accounts')
    await waitFor(() => expect(button).toHaveTextContent('Export 5 accounts…'))
    expect(button).toHaveAttribute('title', expect.stringContaining('accounts shown'))
    await user.click(button)
    const sent = calls.find((c) => c.cmd === 'accounts_export')!.args.items as { accountId: string }[]
    expect(sent.map((i) => i.accountId)).toEqual(table.visible.map((r) => r.id))
    expect(sent.map((i) => i.accountId)[0]).toBe(ROWS[6].id) // Zed Bakery first, descending
    expect(await screen.findByTestId('export-accounts-result')).toHaveTextContent(
      'Saved 4 accounts to /home/user/a.csv. 1 account was left out: Subdesk no longer lists them. Refresh to see the latest.',
    )
  })

  it('says nothing when the save dialog is cancelled, and shows a refusal as a sentence', async () => {
    const user = userEvent.setup()
    let answer: unknown = null
    await setup({
      accounts_export: () => {
        if (answer) throw answer
        return null
      },
    })
    await user.click(screen.getByTestId('export-accounts'))
    expect(screen.queryByTestId('export-accounts-result')).toBeNull()
    expect(screen.queryByTestId('export-accounts-error')).toBeNull()
    answer = uiError('validation', 'Save the export outside Subdesk\'s own data folder, for example in Documents.')
    await user.click(screen.getByTestId('export-accounts'))
    expect(await screen.findByTestId('export-accounts-error')).toHaveTextContent('Save the export outside')
  })
})

describe('Show selected', () => {
  it('after Select these N, filters the table to the selected accounts and back to all of them', async () => {
    const user = userEvent.setup()
    const { table } = await setup()
    await user.click(screen.getByTestId('select-from-list'))
    const dialog = screen.getByTestId('select-list-dialog')
    await fireEvent.input(within(dialog).getByTestId('list-input'), {
      target: { value: ['Bright Dental', 'Zed Bakery', ROWS[4].id].join('\n') },
    })
    await user.click(within(dialog).getByTestId('list-apply'))
    expect(selectedIds(table)).toEqual([ROWS[0].id, ROWS[4].id, ROWS[6].id].sort())

    const toggle = screen.getByTestId('bulk-show-selected')
    expect(toggle).toHaveTextContent(/^Show selected$/)
    expect(toggle).toHaveAttribute('aria-pressed', 'false')
    await user.click(toggle)
    // Only the three selected, the closed one among them, and the way back in the same place.
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(3))
    expect(screen.getAllByTestId('account-row').map((r) => r.dataset.id).sort()).toEqual(selectedIds(table))
    expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 3 of 7')
    expect(screen.getByTestId('bulk-only-selected')).toHaveTextContent('· only the selected accounts are shown')
    expect(toggle).toHaveTextContent(/^Show all accounts$/)
    expect(toggle).toHaveAttribute('aria-pressed', 'true')
    expect(toggle).toHaveFocus()

    await user.click(toggle)
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
    expect(screen.queryByTestId('bulk-only-selected')).toBeNull()
    expect(selectedIds(table)).toHaveLength(3)

    // Clearing the selection also ends "only the selected": the table never goes blank.
    await user.click(toggle)
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(3))
    await user.click(screen.getByRole('button', { name: 'Clear selection' }))
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
    expect(table.onlySelected).toBe(false)
  })
})
