import { render, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { Figures } from '../lib/bindings/Figures'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { FiguresStore } from '../lib/stores/figures.svelte'
import { fakeBackend } from '../test/ipc'
import ActionDialog from './ActionDialog.svelte'
import BulkDialog from './BulkDialog.svelte'

const fig = (spend: [string, string] | null, balance: [string, string] | null, note: string | null = null): Figures => ({
  spend30Days: spend && { amount: spend[0], currency: spend[1] },
  spendThisMonth: spend && { amount: '1.00', currency: spend[1] },
  spendNote: note,
  balance: balance && { amount: balance[0], currency: balance[1], creditLimit: null, available: null },
  balanceNote: balance ? null : "Shares the parent account's balance.",
  readAt: '2026-12-03T14:02:00Z',
})

describe('spend and balance in the previews', () => {
  it("shows one account's figures and what a Twilio suspend keeps billing", async () => {
    const backend = fakeBackend({ perConnection: 3 })
    const row = backend.rows.find((r) => r.provider === 'twilio')!
    backend.figures.set(row.id, fig(['37.50', 'USD'], null))
    render(ActionDialog, { props: { row, action: 'suspend', accounts: new AccountsStore(), onclose: () => {} } })
    await waitFor(() => expect(screen.getByTestId('preview-spend')).toHaveTextContent('37.50 USD'))
    expect(screen.getByTestId('preview-spend-month')).toHaveTextContent('1.00 USD')
    expect(screen.getByTestId('preview-balance')).toHaveTextContent("Shares the parent account's balance.")
    const costs = screen.getByTestId('preview-still-costs')
    expect(costs).toHaveTextContent('phone numbers are still billed to the parent account every month')
    expect(costs).toHaveTextContent('Calls already in progress are not ended')
  })

  it('totals a bulk job per currency, never across them, and says which could not be read without blocking', async () => {
    const backend = fakeBackend({ perConnection: 12 })
    const twilio = backend.rows.filter((r) => r.provider === 'twilio' && r.allowedActions.includes('suspend')).slice(0, 4)
    expect(twilio).toHaveLength(4)
    backend.figures.set(twilio[0].id, fig(['10.10', 'USD'], null))
    backend.figures.set(twilio[1].id, fig(['0.20', 'USD'], null))
    backend.figures.set(twilio[2].id, fig(['5.00', 'EUR'], ['-3.5', 'EUR']))
    backend.figures.set(twilio[3].id, fig(null, null, 'Could not read the spend: Twilio had a temporary problem. Try again in a few minutes.'))
    const figures = new FiguresStore()
    const items = twilio.map((r) => ({ connectionId: r.connectionId, accountId: r.id }))
    render(BulkDialog, { props: { items, action: 'suspend', figures, onstart: () => {}, onclose: () => {} } })
    await waitFor(() => expect(screen.getByTestId('preview-spend-total')).toHaveTextContent('10.30 USD · 5.00 EUR'))
    expect(screen.getByTestId('preview-balance-total')).toHaveTextContent('-3.50 EUR')
    expect(screen.getByTestId('preview-figures-missing')).toHaveTextContent('1 account without a spend')
    expect(screen.getByTestId('bulk-runnable')).toHaveTextContent('Could not read the spend: Twilio had a temporary problem')
    expect(screen.getByTestId('preview-still-costs')).toHaveTextContent('still billed')
    // Nothing here holds Start back: it waits only for what it waited for before.
    await waitFor(() => expect(screen.getByRole('button', { name: /^Suspend/ })).not.toBeDisabled())
  })
})
