import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../lib/bindings/HistoryEntry'
import type { ItemResult } from '../lib/bindings/ItemResult'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { HistoryStore } from '../lib/stores/history.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { mockCommands, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'
import HistoryView from './HistoryView.svelte'
import JobResultList from './JobResultList.svelte'

// U+202E (right-to-left override) turns "Acme ‮exe.txt" into "Acme txt.exe" on screen, and
// without isolation it also reorders whatever follows the name on its line.
const HOSTILE = 'Acme \u202Eexe.txt'
const HOSTILE_LABEL = 'Main \u202E0202 ,1 yaM'

/** The element showing `text` is isolated from the words around it: a <bdi> holding exactly it. */
function expectIsolated(el: Element | null, text: string) {
  expect(el).not.toBeNull()
  const bdi = el!.tagName === 'BDI' ? el! : el!.querySelector('bdi')
  expect(bdi, `no <bdi> in ${el!.outerHTML}`).not.toBeNull()
  expect(bdi!.textContent).toBe(text)
}

function bdiWith(container: HTMLElement, text: string): HTMLElement | undefined {
  return [...container.querySelectorAll('bdi')].find((b) => b.textContent === text)
}

describe('Names with direction controls are isolated', () => {
  it('in table rows, and in the action dialog title and fields', async () => {
    const row = { ...makeRow(DEMO_TWILIO, 0), name: HOSTILE, connectionLabel: HOSTILE_LABEL }
    mockCommands({
      list_accounts: ({ onEvent }) => {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: [row] })
        return null
      },
      preview_action: () => ({
        row,
        action: 'suspend',
        irreversible: false,
        impact: { numbersReleased: null, consequences: [] },
        confirmPhrase: null,
        confirmToken: null,
      }),
    })
    const accounts = new AccountsStore()
    const table = new TableState(accounts)
    render(AccountsView, { props: { accounts, table, job: new JobStore(accounts), connections: [DEMO_TWILIO] } })
    await accounts.refresh()
    const tr = await screen.findByTestId('account-row')
    expectIsolated(within(tr).getByTestId('row-name'), HOSTILE)
    expectIsolated(within(tr).getByTestId('row-connection'), HOSTILE_LABEL)
    // In a tooltip the name is wrapped in isolate marks (U+2068 … U+2069) instead.
    expect(within(tr).getByTestId('row-detail')).toHaveAttribute('title', `Show details of \u2068${HOSTILE}\u2069`)

    await fireEvent.click(within(tr).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    const title = within(dialog).getByRole('heading', { level: 2 })
    expect(title).toHaveTextContent(`Suspend: ${HOSTILE}?`)
    expectIsolated(within(title).getByTestId('dialog-name'), HOSTILE)
    expect(bdiWith(dialog, HOSTILE_LABEL)).toBeDefined()
  })

  it('in history rows and the history detail', async () => {
    const e: HistoryEntry = {
      id: 1,
      startedAt: '2026-11-24T14:02:00Z',
      finishedAt: '2026-11-24T14:02:01Z',
      actor: 'maria',
      operatorName: null,
      reason: null,
      connectionId: DEMO_TWILIO.id,
      connectionLabel: HOSTILE_LABEL,
      provider: 'twilio',
      accountId: 'AC1',
      accountName: HOSTILE,
      action: 'suspend',
      statusBefore: 'active',
      statusAfter: null,
      outcome: 'failed',
      requestId: null,
      errorCode: 'provider',
      errorMessage: 'Twilio said: \u202Edesufer',
      durationMs: 10,
      jobId: null,
      snapshot: null,
      reconciled: false,
    }
    mockCommands({ history_query: () => ({ entries: [e], total: 1, hasMore: false }) })
    render(HistoryView, { props: { history: new HistoryStore(), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    const row = await screen.findByTestId('history-row')
    expectIsolated(within(row).getByTestId('history-account-name'), HOSTILE)
    expectIsolated(within(row).getByTestId('history-connection'), HOSTILE_LABEL)
    expectIsolated(within(row).getByTestId('short-text'), e.errorMessage!)

    await fireEvent.click(row)
    const detail = screen.getByTestId('history-detail')
    expectIsolated(within(detail).getByTestId('history-detail-name'), HOSTILE)
    expectIsolated(within(detail).getByTestId('history-detail-error'), e.errorMessage!)
    expect(bdiWith(detail, HOSTILE_LABEL)).toBeDefined()
  })

  it('in the result lists of a job', async () => {
    const row = { ...makeRow(DEMO_TWILIO, 0), name: HOSTILE }
    const message = 'Twilio refused: \u202Edesufer'
    const results: ItemResult[] = [
      {
        item: { connectionId: row.connectionId, accountId: row.id },
        outcome: 'failed',
        statusAfter: null,
        row,
        error: uiError('refused', message),
        attempts: 1,
      },
    ]
    render(JobResultList, { props: { results, accounts: new AccountsStore(), label: 'Not done', testid: 'job-failures' } })
    const item = within(screen.getByTestId('job-failures')).getByRole('listitem')
    await waitFor(() => expect(item).toHaveTextContent(HOSTILE))
    expectIsolated(item.querySelector('strong'), HOSTILE)
    // The explanation, with the provider's words in it, is isolated from the name too.
    expect(bdiWith(item, `Not changed: ${message}`)).toBeDefined()
  })
})
