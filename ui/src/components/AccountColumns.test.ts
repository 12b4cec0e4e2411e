import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { shortId } from '../lib/format'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const rows = [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_VOBIZ, 1)]

async function setup() {
  mockCommands({
    list_accounts: ({ onEvent }) => {
      for (const c of [DEMO_TWILIO, DEMO_VOBIZ]) {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: c.id, rows: rows.filter((r) => r.connectionId === c.id) })
      }
      return null
    },
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2))
}

const rowOf = (id: string) => screen.getAllByTestId('account-row').find((r) => r.dataset.id === id)!

describe('Accounts table columns at the minimum window', () => {
  it('shortens IDs in the middle and keeps the whole ID in data-id, the title and the copy button', async () => {
    expect(shortId('AC1234567890abcdef1234567890cdef')).toBe('AC12…cdef')
    expect(shortId('SA_1')).toBe('SA_1')
    await setup()
    const id = rows[0].id
    const row = rowOf(id)
    const shown = within(row).getByTestId('row-id')
    expect(shown).toHaveTextContent(`${id.slice(0, 4)}…${id.slice(-4)}`)
    expect(shown).toHaveAttribute('title', id)
    const copy = within(row).getByRole('button', { name: `Copy ID ${id}` })

    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    await fireEvent.click(copy)
    expect(writeText).toHaveBeenCalledWith(id)
    await waitFor(() => expect(within(row).getByRole('status')).toHaveTextContent('ID copied'))
  })

  it('shows the provider under the connection, in one column, and keeps data-provider on the row', async () => {
    await setup()
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent!.replace(/[▲▼]/g, '').trim())
    expect(headers).toEqual(['Selected', 'Name', 'SID / ID', 'Connection', 'Status', 'Created', 'Spend (30 days)', 'Balance', 'Actions'])
    expect(screen.queryByTestId('sort-provider')).toBeNull()
    const row = rowOf(rows[1].id)
    expect(row).toHaveAttribute('data-provider', 'vobiz')
    const cell = within(row).getByTestId('row-provider').closest('td')!
    expect(cell).toHaveTextContent(DEMO_VOBIZ.label)
    expect(within(row).getByTestId('row-provider')).toHaveTextContent('Vobiz')
    expect(row.querySelectorAll('td')).toHaveLength(9)
  })

})
