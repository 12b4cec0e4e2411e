import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { BulkPreview } from '../lib/bindings/BulkPreview'
import type { ItemRef } from '../lib/bindings/ItemRef'
import type { JobCounts } from '../lib/bindings/JobCounts'
import type { JobEvent } from '../lib/bindings/JobEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { deferred, mockCommands, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const rows: AccountRow[] = [0, 1, 2].map((i) => makeRow(DEMO_TWILIO, i))
const closedRow = makeRow(DEMO_TWILIO, 3, 'closed')
const ref = (r: AccountRow): ItemRef => ({ connectionId: r.connectionId, accountId: r.id })

function preview(runnable: AccountRow[]): BulkPreview {
  return {
    action: 'close',
    irreversible: true,
    runnable,
    skipped: [{ item: ref(closedRow), name: closedRow.name, reason: 'It is already closed.', code: 'invalid_transition' }],
    perConnection: [{ connectionId: DEMO_TWILIO.id, connectionLabel: 'Demo Twilio', provider: 'twilio', count: runnable.length }],
    numbersReleased: 7,
    unread: 0,
    consequences: ['Closed subaccounts stop working at once and can never be reopened.'],
    consequencesIfMoved: null,
    confirmPhrase: `CLOSE ${runnable.length}`,
    confirmToken: 'token-1',
  }
}

const counts = (c: Partial<JobCounts>): JobCounts => ({
  total: 3,
  succeeded: 0,
  failed: 0,
  notConfirmed: 0,
  skipped: 0,
  notStarted: 0,
  remaining: 3,
  ...c,
})

async function setup() {
  let channel: unknown
  const run = deferred<JobCounts>()
  const calls = mockCommands({
    list_accounts: ({ onEvent }) => {
      sendToChannel(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: [...rows, closedRow] })
      return null
    },
    bulk_preview: ({ items }) => {
      const wanted = new Set((items as ItemRef[]).map((i) => i.accountId))
      return preview(rows.filter((r) => wanted.has(r.id)))
    },
    bulk_run: ({ onEvent }) => {
      channel = onEvent
      return run.promise
    },
    bulk_cancel: () => null,
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  // The closed row is listed too (hidden by default) so that it is selected and skipped.
  table.showEnded = true
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(4))
  const send = (e: JobEvent) => sendToChannel(channel, e)
  return { calls, run, send, accounts }
}

const rowOf = (id: string) => screen.getAllByTestId('account-row').find((r) => r.dataset.id === id)!

async function openCloseDialog() {
  await fireEvent.click(screen.getByTestId('select-all-matching'))
  expect(screen.getByTestId('bulk-bar')).toHaveTextContent('4 selected')
  await fireEvent.click(screen.getByTestId('bulk-action-close'))
  const dialog = await screen.findByTestId('bulk-dialog')
  await waitFor(() => expect(within(dialog).getByTestId('bulk-confirm-input')).toBeInTheDocument())
  return dialog
}

describe('Bulk actions', () => {
  it('shows the preview and enables Start only once "CLOSE N" is typed', async () => {
    const { calls } = await setup()
    const dialog = await openCloseDialog()
    const previewCall = calls.find((c) => c.cmd === 'bulk_preview')!
    expect(previewCall.args.action).toBe('close')
    expect(previewCall.args.items).toHaveLength(4)

    expect(within(dialog).getByTestId('bulk-per-connection')).toHaveTextContent('Demo Twilio')
    expect(within(dialog).getByTestId('impact-numbers')).toHaveTextContent('7 phone numbers will be released')
    expect(dialog).toHaveTextContent('can never be reopened')
    expect(within(dialog).getByTestId('bulk-skipped')).toHaveTextContent('It is already closed.')
    // Four were selected, three will run: every count says three, never four.
    expect(within(dialog).getByRole('heading', { level: 2 })).toHaveTextContent('Close 3 accounts')
    expect(dialog).toHaveTextContent('Type CLOSE 3 to confirm')
    expect(dialog).not.toHaveTextContent('4 accounts')
    // Every account that will be acted on, by name and ID, in a list the keyboard can scroll.
    const list = within(dialog).getByRole('region', { name: 'Accounts that will be closed' })
    expect(list).toHaveAttribute('tabindex', '0')
    expect(list).toHaveAttribute('data-testid', 'bulk-runnable')
    expect(within(list).getAllByRole('listitem')).toHaveLength(3)
    for (const r of rows) {
      expect(list).toHaveTextContent(r.name)
      expect(list).toHaveTextContent(r.id)
      // Each with its connection: two accounts of the same name differ by more than their ID.
      expect(list).toHaveTextContent(`${r.name} ${r.id} (${r.connectionLabel})`)
    }
    expect(list).not.toHaveTextContent(closedRow.id)
    const skippedList = within(dialog).getByRole('region', { name: 'Accounts that will be skipped' })
    expect(skippedList).toHaveAttribute('tabindex', '0')
    expect(skippedList).toHaveTextContent(`${closedRow.name} ${closedRow.id}: It is already closed.`)

    const start = within(dialog).getByTestId('bulk-start')
    const input = within(dialog).getByTestId('bulk-confirm-input')
    const user = userEvent.setup()
    expect(start).toBeDisabled()
    expect(start).toHaveTextContent('Close 3 accounts permanently')
    await user.type(input, 'CLOSE 4')
    expect(start).toBeDisabled()
    await user.clear(input)
    await user.type(input, 'close 3')
    expect(start).toBeEnabled()
    await user.click(start)

    const run = calls.find((c) => c.cmd === 'bulk_run')!
    expect(run.args.confirmation).toEqual({ typed: 'close 3', token: expect.stringMatching(/^token-/) })
    expect(run.args.items).toEqual(rows.map(ref))
    expect(screen.queryByTestId('bulk-dialog')).toBeNull()
  })

  it('updates counts and rows from progress events, cancels with the job id, and retries failures', async () => {
    const { calls, run, send } = await setup()
    const dialog = await openCloseDialog()
    await userEvent.setup().type(within(dialog).getByTestId('bulk-confirm-input'), 'CLOSE 3')
    await fireEvent.click(within(dialog).getByTestId('bulk-start'))
    expect(await screen.findByTestId('job-progress')).toBeInTheDocument()
    await waitFor(() => expect(within(rowOf(rows[0].id)).getByTestId('status-badge')).toHaveTextContent('pending'))
    expect(screen.getByTestId('job-cancel')).toBeDisabled()

    send({ kind: 'started', jobId: 'job-7', counts: counts({}) })
    await waitFor(() => expect(screen.getByTestId('job-cancel')).toBeEnabled())

    const closed = { ...rows[0], status: 'closed' as const, allowedActions: [] }
    send({
      kind: 'item',
      result: { item: ref(rows[0]), outcome: 'succeeded', statusAfter: 'closed', row: closed, error: null, attempts: 1 },
      counts: counts({ succeeded: 1, remaining: 2 }),
      etaSecs: 75,
    })
    const failure = {
      item: ref(rows[1]),
      outcome: 'failed' as const,
      statusAfter: null,
      row: null,
      error: uiError('network', 'Could not reach Twilio.', true),
      attempts: 5,
    }
    send({ kind: 'item', result: failure, counts: counts({ succeeded: 1, failed: 1, remaining: 1 }), etaSecs: 10 })

    const jobCounts = screen.getByTestId('job-counts')
    await waitFor(() => expect(jobCounts.querySelector('[data-count="failed"]')).toHaveTextContent('1'))
    expect(jobCounts.querySelector('[data-count="succeeded"]')).toHaveTextContent('1')
    expect(jobCounts.querySelector('[data-count="remaining"]')).toHaveTextContent('1')
    expect(screen.getByTestId('job-eta')).toHaveTextContent('about 10 s left')
    await waitFor(() => expect(rowOf(rows[0].id)).toHaveAttribute('data-status', 'closed'))
    expect(rowOf(rows[1].id)).toHaveAttribute('data-state', 'error')
    // One sentence for the failure, wherever it is shown: the row, the list of errors, the summary.
    const oneSentence = 'Not changed: Subdesk could not reach Twilio. Retry?'
    expect(within(rowOf(rows[1].id)).getByTestId('row-error')).toHaveTextContent(oneSentence)
    expect(screen.getByTestId('row-errors')).toHaveTextContent(`${rows[1].name} ${rows[1].id}: ${oneSentence}`)
    expect(screen.getByTestId('row-errors')).not.toHaveTextContent('Could not reach Twilio.')

    // The table stays usable while the job runs.
    await userEvent.setup().type(screen.getByTestId('search-input'), rows[2].name)
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(1))

    await fireEvent.click(screen.getByTestId('job-cancel'))
    expect(calls.filter((c) => c.cmd === 'bulk_cancel').map((c) => c.args)).toEqual([{ jobId: 'job-7' }])

    const final = counts({ succeeded: 1, failed: 1, notStarted: 1, remaining: 0 })
    send({ kind: 'finished', jobId: 'job-7', counts: final, cancelled: true, failures: [failure], notConfirmed: [] })
    run.resolve(final)

    const summary = await screen.findByTestId('job-summary')
    // One line: the lists of accounts wait behind "Show which", so the table keeps its rows.
    const lists = screen.getByTestId('job-lists')
    expect(lists).not.toBeVisible()
    expect(within(lists).queryByTestId('job-failures')).toBeNull()
    const show = within(summary).getByTestId('job-show-lists')
    expect(show).toHaveAttribute('aria-expanded', 'false')
    // The failed account and the one the preview skipped.
    expect(show).toHaveTextContent('Show which (2)')
    await fireEvent.click(show)
    expect(show).toHaveAttribute('aria-expanded', 'true')
    expect(lists).toHaveAttribute('id', show.getAttribute('aria-controls'))
    expect(lists).toHaveTextContent(rows[1].name)
    expect(lists).toHaveTextContent('Not changed: Subdesk could not reach Twilio. Retry?')
    expect(screen.getByTestId('job-progress')).toHaveTextContent('cancelled')
    // Items the cancelled job never started are no longer shown as pending.
    await userEvent.setup().clear(screen.getByTestId('search-input'))
    await waitFor(() => expect(rowOf(rows[2].id)).toHaveAttribute('data-state', ''))

    await fireEvent.click(screen.getByTestId('retry-failed'))
    await screen.findByTestId('bulk-dialog')
    const retryPreview = calls.filter((c) => c.cmd === 'bulk_preview').at(-1)!
    expect(retryPreview.args).toMatchObject({ items: [ref(rows[1])], action: 'close' })
  })

  it('after Cancel: counts the not-started ones, explains each result, and starts the rest again', async () => {
    const { calls, run, send } = await setup()
    const dialog = await openCloseDialog()
    await userEvent.setup().type(within(dialog).getByTestId('bulk-confirm-input'), 'CLOSE 3')
    await fireEvent.click(within(dialog).getByTestId('bulk-start'))
    send({ kind: 'started', jobId: 'job-8', counts: counts({}) })
    const unknown = {
      item: ref(rows[0]),
      outcome: 'unknown' as const,
      statusAfter: null,
      row: null,
      error: uiError('outcome_unknown', 'The provider’s answer was lost (timeout) and Subdesk still cannot tell.'),
      attempts: 1,
    }
    const skipped = {
      item: ref(rows[1]),
      outcome: 'skipped' as const,
      statusAfter: null,
      row: null,
      error: uiError(
        'invalid_transition',
        'A Twilio account that is closed cannot be closed. Refresh the list to see its current status.',
      ),
      attempts: 0,
    }
    const notStarted = {
      item: ref(rows[2]),
      outcome: 'not_started' as const,
      statusAfter: null,
      row: null,
      error: uiError('cancelled', 'Cancelled. Nothing more was sent.'),
      attempts: 0,
    }
    // An unknown outcome is counted as not confirmed, never as failed.
    send({ kind: 'item', result: unknown, counts: counts({ notConfirmed: 1, remaining: 2 }), etaSecs: 5 })
    send({ kind: 'item', result: skipped, counts: counts({ notConfirmed: 1, skipped: 1, remaining: 1 }), etaSecs: 5 })
    await fireEvent.click(await screen.findByTestId('job-cancel'))
    send({
      kind: 'item',
      result: notStarted,
      counts: counts({ notConfirmed: 1, skipped: 1, notStarted: 1, remaining: 0 }),
      etaSecs: null,
    })
    const final = counts({ notConfirmed: 1, skipped: 1, notStarted: 1, remaining: 0 })
    send({ kind: 'finished', jobId: 'job-8', counts: final, cancelled: true, failures: [], notConfirmed: [unknown] })
    run.resolve(final)

    const summary = await screen.findByTestId('job-summary')
    const jobCounts = screen.getByTestId('job-counts')
    await fireEvent.click(within(summary).getByTestId('job-show-lists'))
    const lists = screen.getByTestId('job-lists')
    // Headings in order under the page's h1 (axe heading-order): the panel's h2, its lists' h3.
    const panel = screen.getByTestId('job-progress')
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Close account: cancelled')
    expect(within(panel).getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
      'Not confirmed',
      'Skipped',
    ])
    // "Remaining 0" would say nothing is left: the not-started one is, and the bar stays partial.
    expect(jobCounts.querySelector('[data-count="not-started"]')).toHaveTextContent('1')
    expect(jobCounts.querySelector('[data-count="remaining"]')).toBeNull()
    expect(jobCounts).not.toHaveTextContent('Remaining')
    expect(jobCounts.querySelector('[data-count="not-confirmed"]')).toHaveTextContent('1')
    expect(jobCounts).toHaveTextContent('1 not confirmed')
    expect(jobCounts.querySelector('[data-count="failed"]')).toHaveTextContent('0')
    const bar = screen.getByTestId('job-progress').querySelector('progress')!
    // The preview skipped the closed account: the summary counts it with the one core skipped.
    expect(bar.value).toBe(3)
    expect(bar.max).toBe(4)
    expect(jobCounts.querySelector('[data-count="skipped"]')).toHaveTextContent('2')
    // The summary is the counts' one sentence.
    expect(jobCounts).toHaveTextContent(/^0 accounts done, 0 failed, 1 not confirmed, 2 skipped, 1 not started\.$/)

    // Not a failure: listed apart, explained, and never offered for a retry.
    expect(within(lists).queryByTestId('job-failures')).toBeNull()
    expect(within(summary).queryByTestId('retry-failed')).toBeNull()
    const notConfirmed = within(lists).getByTestId('job-not-confirmed')
    expect(notConfirmed).toHaveTextContent(
      `${rows[0].name} ${rows[0].id}: Not confirmed: Subdesk sent the change but could not confirm whether Twilio made it, and did not send it again. ` +
        'Nothing more is sent to this account until it is settled: use Check now on its row.',
    )
    expect(notConfirmed).not.toHaveTextContent(/refresh|not changed/i)
    expect(lists).toHaveTextContent('Not confirmed')
    const skippedList = within(lists).getByTestId('job-skipped')
    expect(skippedList).toHaveTextContent('Skipped: A Twilio account that is closed cannot be closed.')
    expect(skippedList).toHaveTextContent(`${closedRow.name} ${closedRow.id}: Skipped: It is already closed.`)
    expect(skippedList).not.toHaveTextContent(/refresh/i)

    // Its row is in doubt, not in error: no action to run again, only Check now.
    await waitFor(() => expect(rowOf(rows[0].id)).toHaveAttribute('data-in-doubt', 'true'))
    const doubtful = rowOf(rows[0].id)
    expect(doubtful).toHaveAttribute('data-state', '')
    expect(within(doubtful).getByTestId('row-in-doubt')).toHaveTextContent('Not confirmed')
    expect(within(doubtful).queryByTestId(/^row-action-/)).toBeNull()
    expect(within(doubtful).getByTestId('row-check-now')).toHaveTextContent('Check now')
    expect(screen.queryByTestId('row-errors')).toBeNull()

    await fireEvent.click(within(summary).getByTestId('start-not-started'))
    expect(within(summary).getByTestId('start-not-started')).toHaveTextContent('Start the 1 not started')
    await screen.findByTestId('bulk-dialog')
    const again = calls.filter((c) => c.cmd === 'bulk_preview').at(-1)!
    expect(again.args).toMatchObject({ items: [ref(rows[2])], action: 'close' })
  })

  it('offers Retry failed for the failures only, never for an item core could not confirm', async () => {
    const { calls, run, send } = await setup()
    const dialog = await openCloseDialog()
    await userEvent.setup().type(within(dialog).getByTestId('bulk-confirm-input'), 'CLOSE 3')
    await fireEvent.click(within(dialog).getByTestId('bulk-start'))
    send({ kind: 'started', jobId: 'job-9', counts: counts({}) })
    const sentence =
      'Subdesk is not sure whether the close sent on 2026-11-24 14:02 UTC went through, so it sends nothing more to this account until that is settled. Use Check now to read the account again.'
    const unknown = {
      item: ref(rows[0]),
      outcome: 'unknown' as const,
      statusAfter: null,
      // Core re-read the row: it is in doubt, with core's own sentence.
      row: { ...rows[0], inDoubt: sentence, allowedActions: [] },
      error: uiError('outcome_unknown', 'The provider’s answer was lost.'),
      attempts: 1,
    }
    const failure = {
      item: ref(rows[1]),
      outcome: 'failed' as const,
      statusAfter: null,
      row: null,
      error: uiError('rate_limited', 'Twilio asked Subdesk to slow down.', true),
      attempts: 5,
    }
    const done = { ...rows[2], status: 'closed' as const, allowedActions: [] }
    send({ kind: 'item', result: unknown, counts: counts({ notConfirmed: 1, remaining: 2 }), etaSecs: 5 })
    send({ kind: 'item', result: failure, counts: counts({ notConfirmed: 1, failed: 1, remaining: 1 }), etaSecs: 5 })
    send({
      kind: 'item',
      result: { item: ref(rows[2]), outcome: 'succeeded', statusAfter: 'closed', row: done, error: null, attempts: 1 },
      counts: counts({ succeeded: 1, notConfirmed: 1, failed: 1, remaining: 0 }),
      etaSecs: null,
    })
    const final = counts({ succeeded: 1, notConfirmed: 1, failed: 1, remaining: 0 })
    send({ kind: 'finished', jobId: 'job-9', counts: final, cancelled: false, failures: [failure], notConfirmed: [unknown] })
    run.resolve(final)

    const summary = await screen.findByTestId('job-summary')
    expect(screen.getByTestId('job-counts')).toHaveTextContent(/^1 account done, 1 failed, 1 not confirmed, 1 skipped\.$/)
    await fireEvent.click(within(summary).getByTestId('job-show-lists'))
    const lists = screen.getByTestId('job-lists')
    expect(within(lists).getByTestId('job-failures')).toHaveTextContent(rows[1].name)
    expect(within(lists).getByTestId('job-failures')).not.toHaveTextContent(rows[0].name)
    expect(within(lists).getByTestId('job-not-confirmed')).toHaveTextContent(rows[0].name)
    const retry = within(summary).getByTestId('retry-failed')
    expect(retry).toHaveTextContent('Retry failed (1)')

    // The row carries core's sentence, as a tooltip and as the Check now button's description.
    await waitFor(() => expect(within(rowOf(rows[0].id)).getByTestId('row-in-doubt')).toHaveAttribute('title', sentence))
    const checkNow = within(rowOf(rows[0].id)).getByTestId('row-check-now')
    expect(document.getElementById(checkNow.getAttribute('aria-describedby')!)).toHaveTextContent(sentence)

    await fireEvent.click(retry)
    await screen.findByTestId('bulk-dialog')
    const retryPreview = calls.filter((c) => c.cmd === 'bulk_preview').at(-1)!
    expect(retryPreview.args).toMatchObject({ items: [ref(rows[1])], action: 'close' })
  })
})
