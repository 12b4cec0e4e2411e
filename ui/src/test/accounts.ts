import { render, screen, waitFor } from '@testing-library/svelte'
import { expect } from 'vitest'
import AccountsView from '../components/AccountsView.svelte'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, type FakeBackend } from '../mock/backend'
import { fakeBackend } from './ipc'

/**
 * The accounts view of the two demo connections (three accounts each) over the mock back end,
 * listed and on screen: what most component tests start from. `prepare` changes the back end
 * before the first listing.
 */
export async function renderAccounts(prepare?: (backend: FakeBackend) => void) {
  const backend = fakeBackend({ perConnection: 3 })
  prepare?.(backend)
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  const view = render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
  const row = (id: string) => screen.getAllByTestId('account-row').find((r) => r.dataset.id === id)!
  return { backend, accounts, table, job, view, row }
}
