import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { Connection } from '../lib/bindings/Connection'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const TELNYX: Connection = { ...DEMO_VOBIZ, id: 'conn-telnyx', provider: 'telnyx', label: 'Demo Telnyx' }

async function setup(rows: AccountRow[]) {
  mockCommands({
    list_accounts: ({ onEvent }) => {
      sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows })
      return null
    },
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  table.showEnded = true
  render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO, TELNYX] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(rows.length))
  const row = (id: string) => screen.getAllByTestId('account-row').find((r) => r.dataset.id === id)!
  return { row }
}

describe('Danger is not only a colour', () => {
  it('gives every status badge its own icon beside its word, and "not reported" its own', async () => {
    const rows = (['active', 'suspended', 'closed', 'deleted', 'unknown'] as const).map((s, i) => makeRow(DEMO_TWILIO, i, s))
    const telnyx = makeRow(TELNYX, 9, 'unknown')
    const { row } = await setup([...rows, { ...telnyx, providerStatus: 'not reported by Telnyx' }])
    const icons = new Set<string>()
    for (const r of rows) {
      const badge = within(row(r.id)).getByTestId('status-badge')
      const icon = badge.querySelector('svg[data-icon]')!
      expect(icon).toHaveAttribute('aria-hidden', 'true')
      expect(badge).toHaveTextContent(r.status)
      icons.add(icon.getAttribute('data-icon')!)
    }
    const notReported = within(row(telnyx.id)).getByTestId('status-badge')
    expect(notReported).toHaveTextContent('not reported')
    expect(notReported).toHaveAttribute('data-kind', 'not-reported')
    icons.add(notReported.querySelector('svg')!.getAttribute('data-icon')!)
    expect(icons.size).toBe(6)
  })

  it('sets irreversible actions apart with an icon, on rows and in the bulk bar', async () => {
    const active = makeRow(DEMO_TWILIO, 0, 'active')
    const { row } = await setup([active])
    const r = row(active.id)
    const group = within(r).getByTestId('destructive-actions')
    const close = within(r).getByTestId('row-action-close')
    const suspend = within(r).getByTestId('row-action-suspend')
    expect(group).toContainElement(close)
    expect(group).not.toContainElement(suspend)
    expect(close.querySelector('svg[data-icon="danger"]')).not.toBeNull()
    expect(suspend.querySelector('svg')).toBeNull()

    await fireEvent.click(screen.getByTestId('select-all-matching'))
    const bar = screen.getByTestId('bulk-bar')
    const bulkGroup = within(bar).getByTestId('destructive-actions')
    for (const a of ['close', 'delete']) {
      const b = within(bar).getByTestId(`bulk-action-${a}`)
      expect(bulkGroup).toContainElement(b)
      expect(b.querySelector('svg[data-icon="danger"]')).not.toBeNull()
    }
    expect(bulkGroup).not.toContainElement(within(bar).getByTestId('bulk-action-suspend'))
  })
})
