import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { fakeBackend } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

async function setup() {
  const backend = fakeBackend({ perConnection: 3 })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
  return { backend }
}

describe('The bulk list', () => {
  // Item 11 of issue 26: two accounts of the same name differ by more than their IDs.
  it("names each account's connection beside it", async () => {
    const { backend } = await setup()
    const twilio = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const vobiz = backend.rows.find((r) => r.provider === 'vobiz' && r.status === 'active')!
    backend.rows = backend.rows.map((r) => (r === vobiz ? { ...r, name: twilio.name } : r))
    await fireEvent.click(screen.getByTestId('select-all-matching'))
    await fireEvent.click(screen.getByTestId('bulk-action-suspend'))
    const dialog = await screen.findByTestId('bulk-dialog')
    const list = await within(dialog).findByTestId('bulk-runnable')
    const items = within(list).getAllByRole('listitem')
    const line = (id: string) => items.find((li) => li.textContent?.includes(id))!
    expect(line(twilio.id)).toHaveTextContent(`${twilio.name} ${twilio.id} (Demo Twilio)`)
    expect(line(vobiz.id)).toHaveTextContent(`${twilio.name} ${vobiz.id} (Demo Vobiz)`)
  })
})
