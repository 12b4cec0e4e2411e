import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Figures } from '../lib/bindings/Figures'
import type { FiguresEvent } from '../lib/bindings/FiguresEvent'
import type { ItemRef } from '../lib/bindings/ItemRef'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { FIGURES_FRESH_MS } from '../lib/stores/figures.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, makeRow } from '../mock/backend'
import { endChannel, sendToChannel } from '../mock/channel'
import { deferred, mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const rows = [0, 1, 2, 3].map((i) => makeRow(DEMO_TWILIO, i))
const spend = ['5.00', '250.75', '99.99', null]

function figures(i: number): Figures {
  return {
    spend30Days: spend[i] === null ? null : { amount: spend[i]!, currency: 'USD' },
    spendThisMonth: null,
    spendNote: spend[i] === null ? "Could not read the spend: Twilio had a temporary problem. Try again in a few minutes." : null,
    balance: null,
    balanceNote: "Shares the parent account's balance.",
    readAt: '2026-12-03T14:02:00Z',
  }
}

async function setup(hold = false) {
  const gate = deferred<null>()
  // What the provider holds now: an action changes it, the next listing shows it.
  const listed = rows.slice()
  const calls = mockCommands({
    list_accounts: ({ onEvent }) => {
      sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: listed.slice() })
      return null
    },
    figures_read: async ({ items, onEvent }) => {
      const asked = items as ItemRef[]
      if (hold) await gate.promise
      sendToChannel<FiguresEvent>(onEvent, {
        kind: 'read',
        rows: asked.map((it) => ({ ...it, figures: figures(rows.findIndex((r) => r.id === it.accountId)) })),
        done: asked.length,
        total: asked.length,
      })
      endChannel(onEvent)
      return { done: asked.length, total: asked.length, stopped: false }
    },
    figures_stop: () => null,
    figures_first: () => null,
    apply_action: ({ accountId }) => {
      const at = listed.findIndex((r) => r.id === accountId)
      listed[at] = { ...listed[at], status: 'suspended', providerStatus: 'suspended' }
      return { row: listed[at], historyId: 1, requestId: null }
    },
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(4))
  return { calls, table, accounts, gate }
}

afterEach(() => {
  vi.restoreAllMocks()
})

const shownIds = () => screen.getAllByTestId('account-row').map((r) => r.dataset.id)

describe('Spend and Balance columns', () => {
  it('reads every row once after the listing and shows spend, currency, the balance note and "as of"', async () => {
    const { calls } = await setup()
    await waitFor(() => expect(within(screen.getAllByTestId('account-row')[1]).getByTestId('row-spend')).toHaveTextContent('250.75 USD'))
    const read = calls.filter((c) => c.cmd === 'figures_read')
    expect(read).toHaveLength(1)
    expect((read[0].args.items as ItemRef[]).map((i) => i.accountId).sort()).toEqual(rows.map((r) => r.id).sort())
    const row = screen.getAllByTestId('account-row')[1]
    expect(within(row).getByTestId('row-spend').getAttribute('title')).toMatch(/as of \d\d:\d\d/)
    expect(within(row).getByTestId('row-balance')).toHaveTextContent("Shares the parent account's balance.")
    const failed = within(screen.getAllByTestId('account-row')[3]).getByTestId('row-spend')
    expect(failed).toHaveTextContent('Could not read')
    expect(failed.getAttribute('title')).toContain('Try again in a few minutes')
  })

  it('sorts by spend both ways, rows without a figure last', async () => {
    const { table } = await setup()
    await waitFor(() => expect(screen.getAllByTestId('row-spend')[0]).toHaveTextContent('USD'))
    await fireEvent.click(screen.getByTestId('sort-spend'))
    expect(table.sort).toEqual({ key: 'spend', dir: 'asc' })
    await waitFor(() => expect(shownIds()).toEqual([rows[0].id, rows[2].id, rows[1].id, rows[3].id]))
    await fireEvent.click(screen.getByTestId('sort-spend'))
    await waitFor(() => expect(shownIds()).toEqual([rows[1].id, rows[2].id, rows[0].id, rows[3].id]))
    expect(screen.getByTestId('sort-spend').closest('th')).toHaveAttribute('aria-sort', 'descending')
  })

  it('filters "spent over 100" from the search box', async () => {
    const { table } = await setup()
    await waitFor(() => expect(screen.getAllByTestId('row-spend')[0]).toHaveTextContent('USD'))
    table.filter.search = 'spent over 99'
    await waitFor(() => expect(shownIds()).toEqual([rows[1].id, rows[2].id]))
    table.filter.search = 'spent under 10'
    await waitFor(() => expect(shownIds()).toEqual([rows[0].id]))
  })

  it('after a single action reads only the changed row; Refresh reads them all again', async () => {
    const { calls, accounts } = await setup()
    const asked = () => calls.filter((c) => c.cmd === 'figures_read').map((c) => (c.args.items as ItemRef[]).map((i) => i.accountId).sort())
    await waitFor(() => expect(asked()).toHaveLength(1))
    await waitFor(() => expect(screen.queryByTestId('figures-progress')).toBeNull())
    await accounts.apply(rows[1], 'suspend', null)
    await waitFor(() => expect(screen.getAllByTestId('account-row')[1]).toHaveAttribute('data-status', 'suspended'))
    // The action changed row 1: its figures alone are read again.
    await waitFor(() => expect(asked()).toHaveLength(2))
    expect(asked()[1]).toEqual([rows[1].id])
    // A listing that is not the user's Refresh (Check now's, here as a plain listing): only the
    // row whose read failed before (row 3); rows 0, 1 and 2 are current and unchanged.
    await accounts.refresh()
    await waitFor(() => expect(asked()).toHaveLength(3))
    expect(asked()[2]).toEqual([rows[3].id])
    await fireEvent.click(screen.getByTestId('refresh-button'))
    await waitFor(() => expect(asked()).toHaveLength(4))
    expect(asked()[3]).toEqual(rows.map((r) => r.id).sort())
  })

  it('a listing reads again the figures read longer ago than they stay current', async () => {
    const { calls, accounts } = await setup()
    const reads = () => calls.filter((c) => c.cmd === 'figures_read')
    await waitFor(() => expect(reads()).toHaveLength(1))
    await waitFor(() => expect(screen.queryByTestId('figures-progress')).toBeNull())
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now + FIGURES_FRESH_MS + 1000)
    await accounts.refresh()
    await waitFor(() => expect(reads()).toHaveLength(2))
    expect((reads()[1].args.items as ItemRef[]).map((i) => i.accountId).sort()).toEqual(rows.map((r) => r.id).sort())
  })

  it('shows a progress line with Stop while the figures are read', async () => {
    const { calls, gate } = await setup(true)
    await waitFor(() => expect(screen.getByTestId('figures-progress')).toHaveTextContent('Reading spend and balance: 0 of 4'))
    await fireEvent.click(screen.getByTestId('figures-stop'))
    expect(calls.some((c) => c.cmd === 'figures_stop')).toBe(true)
    gate.resolve(null)
    await waitFor(() => expect(screen.queryByTestId('figures-progress')).toBeNull())
  })
})
