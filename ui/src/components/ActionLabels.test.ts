import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import generated from '../lib/bindings/catalog.json'
import type { HistoryEntry } from '../lib/bindings/HistoryEntry'
import type { ProviderInfo } from '../lib/bindings/ProviderInfo'
import { catalog, setCatalog } from '../lib/catalog.svelte'
import { DEMO_TWILIO } from '../mock/backend'
import { renderAccounts } from '../test/accounts'
import HistoryDetail from './HistoryDetail.svelte'

const original = structuredClone(generated) as ProviderInfo[]
afterEach(() => setCatalog(structuredClone(original)))

function setup() {
  return renderAccounts()
}

describe('Action labels', () => {
  it("names actions in the catalog's words: 'Close account…' opens, 'Close account permanently' confirms", async () => {
    const { backend, row } = await setup()
    const twilio = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const vobiz = backend.rows.find((r) => r.provider === 'vobiz' && r.status === 'active')!
    expect(within(row(twilio.id)).getByTestId('row-action-close')).toHaveTextContent('Close account…')
    expect(within(row(twilio.id)).getByTestId('row-action-suspend')).toHaveTextContent('Suspend…')
    expect(within(row(vobiz.id)).getByTestId('row-action-delete')).toHaveTextContent('Delete account…')
    expect(within(row(twilio.id)).getByRole('button', { name: `Close account ${twilio.name}` })).toBeInTheDocument()

    await fireEvent.click(within(row(twilio.id)).getByTestId('row-action-close'))
    const dialog = await screen.findByTestId('action-dialog')
    expect(within(dialog).getByRole('heading', { level: 2 })).toHaveTextContent(`Close account: ${twilio.name}?`)
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toHaveTextContent('Close account permanently'))
  })

  it('labels the bulk bar from the catalog, and a changed catalog label flows through', async () => {
    const { backend, row, table } = await setup()
    const twilio = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    table.selectAllMatching()
    await waitFor(() => expect(screen.getByTestId('bulk-action-close')).toHaveTextContent('Close account…'))

    const changed = structuredClone(original)
    changed.find((p) => p.id === 'twilio')!.actions.find((a) => a.action === 'close')!.label = 'Close for good'
    changed.find((p) => p.id === 'twilio')!.actions.find((a) => a.action === 'suspend')!.label = 'Pause'
    setCatalog(changed)
    expect(catalog.info('twilio')!.actions.find((a) => a.action === 'close')!.label).toBe('Close for good')
    await waitFor(() => expect(within(row(twilio.id)).getByTestId('row-action-close')).toHaveTextContent('Close for good…'))
    expect(within(row(twilio.id)).getByTestId('row-action-suspend')).toHaveTextContent('Pause…')
  })

  it('hides the history detail with "Hide", never a "Close" beside the Close action', async () => {
    const entry: HistoryEntry = {
      id: 1,
      startedAt: '2024-05-01T10:00:00Z',
      finishedAt: '2024-05-01T10:00:01Z',
      actor: 'maria',
      operatorName: null,
      reason: null,
      connectionId: DEMO_TWILIO.id,
      connectionLabel: DEMO_TWILIO.label,
      provider: 'twilio',
      accountId: 'AC1',
      accountName: 'Tenant 1',
      action: 'close',
      statusBefore: 'active',
      statusAfter: 'closed',
      outcome: 'succeeded',
      requestId: null,
      errorCode: null,
      errorMessage: null,
      durationMs: 10,
      jobId: null,
      snapshot: null,
      reconciled: false,
    }
    let hidden = 0
    render(HistoryDetail, { props: { entry, onclose: () => hidden++ } })
    const detail = screen.getByTestId('history-detail')
    expect(within(detail).getByRole('heading', { level: 2 })).toHaveTextContent('Close account: Tenant 1')
    expect(within(detail).queryByRole('button', { name: /close/i })).toBeNull()
    await fireEvent.click(within(detail).getByRole('button', { name: 'Hide details' }))
    expect(hidden).toBe(1)
  })
})
