import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../lib/bindings/HistoryEntry'
import { HistoryStore } from '../lib/stores/history.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { mockCommands } from '../test/ipc'
import HistoryView from './HistoryView.svelte'
import { formatDateTime, formatListTime } from '../lib/format'

function entry(id: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: id,
    startedAt: new Date(Date.UTC(2024, 4, 1, 10, 0, id)).toISOString(),
    finishedAt: new Date(Date.UTC(2024, 4, 1, 10, 0, id + 1)).toISOString(),
    actor: 'maria',
    operatorName: null,
    reason: null,
    connectionId: DEMO_TWILIO.id,
    connectionLabel: DEMO_TWILIO.label,
    provider: 'twilio',
    accountId: `AC${String(id).padStart(32, '0')}`,
    accountName: `Tenant ${id}`,
    action: 'suspend',
    statusBefore: 'active',
    statusAfter: 'suspended',
    outcome: 'succeeded',
    requestId: `RQ${id}`,
    errorCode: null,
    errorMessage: null,
    durationMs: 340,
    jobId: null,
    snapshot: null,
    reconciled: false,
    ...over,
  }
}

function setup(pages: HistoryEntry[][]) {
  let page = 0
  const calls = mockCommands({
    history_query: ({ beforeId }) => {
      const entries = beforeId === null ? pages[0] : pages[++page] ?? []
      const hasMore = beforeId === null ? pages.length > 1 : page < pages.length - 1
      return { entries, total: pages.flat().length, hasMore, nextBeforeId: hasMore ? entries.at(-1)!.id : null }
    },
    history_export: () => ({ path: '/tmp/out.json', count: 12 }),
  })
  const history = new HistoryStore()
  render(HistoryView, { props: { history, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  const queries = () => calls.filter((c) => c.cmd === 'history_query').map((c) => c.args)
  return { calls, queries, history }
}

describe('History view', () => {
  it('shows a provider or action written by a newer Subdesk as unknown, not as another one', async () => {
    setup([[entry(7, { provider: null, action: null })]])
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(1))
    const row = screen.getAllByTestId('history-row')[0]
    expect(within(row).getByText('unknown provider')).toBeInTheDocument()
    expect(within(row).getByText('unknown action')).toBeInTheDocument()
    expect(within(row).queryByText('Twilio')).toBeNull()
    expect(within(row).queryByText('Suspend')).toBeNull()
  })

  it('loads newest first, then the next page with beforeId = the last entry id', async () => {
    const { queries } = setup([[entry(30), entry(29)], [entry(28)]])
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(2))
    expect(queries()).toEqual([{ filter: {}, beforeId: null, limit: 50 }])
    const first = screen.getAllByTestId('history-row')[0]
    expect(first).toHaveAttribute('data-action', 'suspend')
    expect(first).toHaveAttribute('data-outcome', 'succeeded')
    expect(first).toHaveAttribute('data-account', entry(30).accountId)
    // One line: a local time (without the year in this year), the full local time as its title.
    const time = within(first).getByRole('button')
    expect(time).toHaveTextContent(formatListTime(entry(30).startedAt))
    expect(time).not.toHaveTextContent(entry(30).startedAt)
    expect(time).toHaveAttribute('title', formatDateTime(entry(30).startedAt))

    await fireEvent.click(screen.getByTestId('history-load-more'))
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(3))
    expect(queries()[1]).toEqual({ filter: {}, beforeId: 29, limit: 50 })
    expect(screen.queryByTestId('history-load-more')).toBeNull()
  })

  it('re-queries with the chosen filters, free text after a pause', async () => {
    const { queries } = setup([[entry(1)]])
    await waitFor(() => expect(queries()).toHaveLength(1))
    const user = userEvent.setup()
    await user.selectOptions(screen.getByTestId('history-filter-outcome'), 'failed')
    await waitFor(() => expect(queries().at(-1)!.filter).toEqual({ outcome: 'failed' }))

    const before = queries().length
    await user.type(screen.getByTestId('history-search'), 'harbor')
    await waitFor(() => expect(queries().at(-1)!.filter).toEqual({ outcome: 'failed', text: 'harbor' }))
    // Debounced: one query for the whole word, not one per letter.
    expect(queries().length).toBe(before + 1)
  })

  it('shows every field of an entry in the detail panel', async () => {
    const deleted = entry(5, {
      action: 'delete',
      outcome: 'failed',
      errorCode: 'network',
      errorMessage: 'Could not reach Vobiz.',
      jobId: 'job-42',
      snapshot: '{"id":"SA_1","name":"Old"}',
      reconciled: true,
    })
    setup([[deleted]])
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(1))
    await fireEvent.click(screen.getAllByTestId('history-row')[0])
    const detail = screen.getByTestId('history-detail')
    expect(detail).toHaveTextContent('RQ5')
    expect(detail).toHaveTextContent('job-42')
    expect(detail).toHaveTextContent('340 ms')
    expect(detail).toHaveTextContent('Could not reach Vobiz.')
    expect(within(detail).getByTestId('history-reconciled')).toHaveTextContent('reconciled at start-up')
    expect(within(detail).getByTestId('history-snapshot').textContent).toBe('{\n  "id": "SA_1",\n  "name": "Old"\n}')
  })

  it('exports with the current filter to the chosen path, and does nothing if the dialog is cancelled', async () => {
    const { calls, history } = setup([[entry(1)]])
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(1))
    await userEvent.setup().selectOptions(screen.getByTestId('history-filter-provider'), 'vobiz')

    await fireEvent.click(screen.getByTestId('export-json'))
    await waitFor(() => expect(screen.getByTestId('export-result')).toHaveTextContent('Exported 12 entries to /tmp/out.json'))
    // The window never names a path: the app opens the dialog itself.
    expect(calls.find((c) => c.cmd === 'history_export')!.args).toEqual({
      filter: { provider: 'vobiz' },
      format: 'json',
    })

    const later = mockCommands({ history_export: () => null })
    await history.exportTo('csv')
    expect(later.map((c) => c.cmd)).toEqual(['history_export'])
    expect(history.exportResult).toBeNull()
    expect(history.exportError).toBeNull()
  })

  it('groups one bulk job under a collapsed job row with counts, single actions stay plain rows', async () => {
    const single = entry(9, { action: 'delete' })
    const job = [
      entry(8, { action: 'close', jobId: 'job-1' }),
      entry(7, { action: 'close', jobId: 'job-1', outcome: 'failed', errorMessage: 'No.' }),
      entry(6, { action: 'close', jobId: 'job-1' }),
    ]
    setup([[single, ...job]])
    const jobRow = await screen.findByTestId('history-job')
    expect(jobRow).toHaveAttribute('data-job', 'job-1')
    expect(jobRow).toHaveTextContent('3 accounts')
    expect(within(jobRow).getByTestId('history-job-counts')).toHaveTextContent('succeeded 2')
    expect(within(jobRow).getByTestId('history-job-counts')).toHaveTextContent('failed 1')
    const toggle = within(jobRow).getByTestId('history-job-toggle')
    expect(toggle).toHaveAttribute('aria-expanded', 'false')

    // The single action is a plain, visible row; the job's rows are there but collapsed.
    const plain = screen.getAllByTestId('history-row').filter((r) => r.dataset.action === 'delete')
    expect(plain).toHaveLength(1)
    expect(plain[0]).toBeVisible()
    const items = screen.getAllByTestId('history-row').filter((r) => r.dataset.job === 'job-1')
    expect(items).toHaveLength(3)
    for (const r of items) expect(r).not.toBeVisible()

    await fireEvent.click(toggle)
    expect(toggle).toHaveAttribute('aria-expanded', 'true')
    for (const r of screen.getAllByTestId('history-row').filter((x) => x.dataset.job === 'job-1')) {
      expect(r).toBeVisible()
      expect(r).toHaveAttribute('data-action', 'close')
    }
  })

  it('says "not known" for a missing status, and shortens long errors behind a control', async () => {
    const long = 'The provider had a problem on its side. '.repeat(6).trim()
    setup([[entry(3, { statusBefore: null, statusAfter: null, outcome: 'failed', errorMessage: long })]])
    const row = (await screen.findAllByTestId('history-row'))[0]
    expect(row).toHaveTextContent('not known')
    expect(row).not.toHaveTextContent('unknown → unknown')
    expect(row).not.toHaveTextContent('?')
    const text = within(row).getByTestId('short-text')
    expect(text.textContent!.length).toBeLessThan(long.length)
    expect(text.textContent).toMatch(/…$/)
    const more = within(row).getByTestId('short-text-toggle')
    expect(more).toHaveAttribute('aria-expanded', 'false')
    await fireEvent.click(more)
    expect(text.textContent).toBe(long)
    // Expanding the text does not open the entry.
    expect(screen.queryByTestId('history-detail')).toBeNull()
  })

  it('shows the snapshot as labelled fields, the raw JSON under Technical details, headings in order', async () => {
    const snapshot = JSON.stringify({
      sid: 'AC42',
      friendly_name: 'Harbor Dental',
      numbers: [{ sid: 'PN1', phone_number: '+15550001111' }],
      choices: { cascade: true },
    })
    const e = entry(4, {
      action: 'delete',
      snapshot,
      startedAt: '2024-05-01T10:00:00.000Z',
      finishedAt: '2024-05-01T10:00:02.500Z',
      durationMs: 800,
      statusAfter: null,
    })
    setup([[e]])
    await fireEvent.click((await screen.findAllByTestId('history-row'))[0])
    const detail = screen.getByTestId('history-detail')
    const fields = within(detail).getByTestId('history-snapshot-fields')
    expect(fields).toHaveTextContent('Harbor Dental')
    expect(fields).toHaveTextContent('AC42')
    // The number and its ID are two values, not run together.
    expect(within(fields).getByTestId('history-snapshot-numbers')).toHaveTextContent(/^\+15550001111, ID PN1$/)
    expect(fields.querySelector('[data-choice="cascade"]')).toHaveTextContent('yes')
    const raw = within(detail).getByTestId('history-snapshot')
    expect(JSON.parse(raw.textContent!)).toEqual(JSON.parse(snapshot))
    expect(raw.closest('details')).toHaveTextContent('Technical details')
    // Collapsed until asked for; the JSON scrolls, so the keyboard can reach it.
    expect(raw.closest('details')).not.toHaveAttribute('open')
    expect(raw).toHaveAttribute('tabindex', '0')
    // Local times without the ISO string, and the connection by its name, not its ID.
    expect(within(detail).getByTestId('history-detail-started')).not.toHaveTextContent('2024-05-01T10:00:00.000Z')
    expect(within(detail).getByTestId('history-detail-connection')).toHaveTextContent(/^Demo Twilio$/)
    expect(detail).not.toHaveTextContent(DEMO_TWILIO.id)
    // One duration, the figure the export writes; no second "Provider time" that could exceed it.
    expect(within(detail).getByTestId('history-duration')).toHaveTextContent(/^800 ms$/)
    expect(detail).not.toHaveTextContent('Provider time')
    expect(within(detail).getByTestId('history-detail-status')).toHaveTextContent(/^active → not known$/)
    const levels = within(detail).getAllByRole('heading').map((h) => Number(h.tagName.slice(1)))
    expect(levels).toEqual([2, 3])
    // Escape closes the detail, as Hide does.
    await fireEvent.keyDown(within(detail).getByTestId('history-detail-hide'), { key: 'Escape' })
    expect(screen.queryByTestId('history-detail')).toBeNull()
  })
})

describe('History: an entry Subdesk could not confirm', () => {
  /** One history whose entries core changes as Check now and settle_entry would. */
  function setupUnknown(first: HistoryEntry, checkAnswer = 1) {
    let entries = [first]
    const calls = mockCommands({
      history_query: () => ({ entries, total: entries.length, hasMore: false }),
      check_account: () => {
        if (checkAnswer === 0) entries = entries.map((e) => ({ ...e, outcome: 'succeeded' as const, errorCode: null, errorMessage: null }))
        return checkAnswer
      },
      settle_entry: ({ entryId, wentThrough }) => {
        const settled: HistoryEntry = {
          ...entries.find((e) => e.id === entryId)!,
          outcome: wentThrough ? 'succeeded' : 'failed',
          errorCode: 'settled_by_hand',
          errorMessage: `Settled by hand on 2026-11-24 15:10 UTC: maria checked the account in the provider's console and recorded that the change ${wentThrough ? 'went through' : 'did not go through'}.`,
          reconciled: true,
        }
        entries = entries.map((e) => (e.id === entryId ? settled : e))
        return settled
      },
    })
    const history = new HistoryStore()
    render(HistoryView, { props: { history, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    const queries = () => calls.filter((c) => c.cmd === 'history_query')
    return { calls, queries }
  }

  async function openDetail() {
    await fireEvent.click((await screen.findAllByTestId('history-row'))[0])
    return screen.getByTestId('history-detail')
  }

  it('offers Check now, which reads the account and the history again and says what it found', async () => {
    const e = entry(11, {
      action: 'close',
      outcome: 'unknown',
      statusAfter: null,
      errorCode: 'not_yet_applied',
      errorMessage: 'Checked on 2026-11-24 14:05 UTC: the change has not shown yet, but the provider may still apply it until about 2026-11-24 14:20 UTC.',
    })
    const { calls, queries } = setupUnknown(e, 1)
    const detail = await openDetail()
    const box = within(detail).getByTestId('history-unconfirmed')
    // A provider that reports its state: Subdesk settles it itself, so nothing is asked by hand.
    expect(within(box).queryByTestId('history-went-through')).toBeNull()
    expect(box).not.toHaveTextContent("Check the account in the provider's console")

    await fireEvent.click(within(box).getByRole('button', { name: 'Check now' }))
    await waitFor(() =>
      expect(within(detail).getByTestId('history-check-result')).toHaveTextContent(
        'Still not confirmed: the provider may still apply it; Subdesk checks again by itself.',
      ),
    )
    expect(calls.find((c) => c.cmd === 'check_account')!.args).toEqual({ connectionId: e.connectionId, accountId: e.accountId })
    await waitFor(() => expect(queries()).toHaveLength(2))
  })

  it('says "Checked: settled." and shows the entry as it is now once Check now settled it', async () => {
    setupUnknown(entry(12, { outcome: 'unknown', statusAfter: null, errorCode: 'network', errorMessage: 'Subdesk could not reach Twilio.' }), 0)
    const detail = await openDetail()
    await fireEvent.click(within(detail).getByTestId('history-check-now'))
    await waitFor(() => expect(within(detail).getByTestId('history-check-result')).toHaveTextContent('Checked: settled.'))
    await waitFor(() => expect(within(detail).getByTestId('outcome-badge')).toHaveTextContent('succeeded'))
    expect(within(detail).queryByTestId('history-check-now')).toBeNull()
    expect(screen.getAllByTestId('history-row')[0]).toHaveAttribute('data-outcome', 'succeeded')
  })

  it('asks what the console shows for a provider that reports no state, and records it', async () => {
    const e = entry(13, {
      provider: 'telnyx',
      action: 'suspend',
      outcome: 'unknown',
      statusAfter: null,
      errorMessage: "Telnyx does not report whether an account is disabled, so Subdesk cannot check this by itself. Look at the account in Telnyx's portal, then record what you found.",
    })
    const { calls } = setupUnknown(e)
    const detail = await openDetail()
    const box = within(detail).getByTestId('history-unconfirmed')
    expect(box).toHaveTextContent("Check the account in the provider's console, then record what you found.")
    expect(within(box).getByTestId('history-check-now')).toHaveTextContent('Check now')
    expect(within(box).getByRole('group', { name: "Check the account in the provider's console, then record what you found." })).toBeInTheDocument()
    expect(within(box).getByTestId('history-went-through')).toHaveTextContent('It went through')

    await fireEvent.click(within(box).getByRole('button', { name: 'It did not go through' }))
    expect(calls.find((c) => c.cmd === 'settle_entry')!.args).toEqual({ entryId: 13, wentThrough: false })
    await waitFor(() => expect(within(detail).getByTestId('history-detail-error')).toHaveTextContent(/^Settled by hand on /))
    expect(within(detail).getByTestId('history-check-result')).toHaveTextContent('Recorded: the change did not go through.')
    expect(within(detail).getByTestId('outcome-badge')).toHaveTextContent('failed')
    expect(within(detail).queryByTestId('history-went-through')).toBeNull()
    await waitFor(() => expect(screen.getAllByTestId('history-row')[0]).toHaveAttribute('data-outcome', 'failed'))
  })

  it('asks the same when the connection has been removed, even for a provider that reports its state', async () => {
    const { calls } = setupUnknown(
      entry(14, {
        outcome: 'unknown',
        statusAfter: null,
        errorCode: 'connection_missing',
        errorMessage: 'Subdesk could not check this action: its connection has been removed.',
      }),
    )
    const detail = await openDetail()
    await fireEvent.click(within(detail).getByTestId('history-went-through'))
    expect(calls.find((c) => c.cmd === 'settle_entry')!.args).toEqual({ entryId: 14, wentThrough: true })
    await waitFor(() => expect(within(detail).getByTestId('outcome-badge')).toHaveTextContent('succeeded'))
  })

  it('offers nothing for an entry whose outcome is known', async () => {
    setupUnknown(entry(15))
    const detail = await openDetail()
    expect(within(detail).queryByTestId('history-unconfirmed')).toBeNull()
    expect(within(detail).queryByRole('button', { name: 'Check now' })).toBeNull()
  })

  it('writes list times on one line: without the year in this year, with it otherwise', () => {
    const now = new Date(2026, 11, 3, 12)
    const thisYear = formatListTime(new Date(2026, 11, 3, 15, 1, 47).toISOString(), now)
    expect(thisYear).not.toMatch(/2026/)
    expect(thisYear).toMatch(/Dec/)
    expect(thisYear).toMatch(/47/)
    expect(formatListTime(new Date(2025, 0, 9, 8, 0, 5).toISOString(), now)).toMatch(/2025/)
    expect(formatListTime('not a time', now)).toBe('not a time')
  })

  it('closes the detail with Escape and gives the keyboard back to its row', async () => {
    setup([[entry(30), entry(29)]])
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(2))
    const row = screen.getAllByTestId('history-row')[1]
    await fireEvent.click(within(row).getByRole('button'))
    const detail = await screen.findByTestId('history-detail')
    expect(detail).toHaveFocus()
    await fireEvent.keyDown(detail, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByTestId('history-detail')).toBeNull())
    await waitFor(() => expect(within(row).getByRole('button')).toHaveFocus())
  })

  it("asks for the next page from core's cursor, so a job is never split across Load more", async () => {
    // Core's page: two entries from 30 down, the first of job J, and the rest of J below them.
    const page1 = [entry(30, { jobId: 'J' }), entry(29), entry(12, { jobId: 'J' })]
    const calls = mockCommands({
      history_query: ({ beforeId }) =>
        beforeId === null
          ? { entries: page1, total: 4, hasMore: true, nextBeforeId: 29 }
          : { entries: [entry(28)], total: 4, hasMore: false, nextBeforeId: null },
    })
    render(HistoryView, { props: { history: new HistoryStore(), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    const job = await screen.findByTestId('history-job')
    expect(job).toHaveTextContent('2 accounts')
    await fireEvent.click(screen.getByTestId('history-load-more'))
    await waitFor(() => expect(screen.queryByTestId('history-load-more')).toBeNull())
    const asked = calls.filter((c) => c.cmd === 'history_query').map((c) => c.args.beforeId)
    expect(asked).toEqual([null, 29])
    expect(screen.getAllByTestId('history-job')).toHaveLength(1)
  })
})

describe('Filter words (issue 26 item 5)', () => {
  it("start with a capital in every one of History's filters", async () => {
    setup([[]])
    for (const id of ['history-filter-connection', 'history-filter-provider', 'history-filter-action', 'history-filter-outcome']) {
      const words = [...screen.getByTestId(id).querySelectorAll('option')].map((o) => o.textContent!.replace(/[\u2066-\u2069]/g, '').trim())
      expect(words.length, id).toBeGreaterThan(1)
      for (const w of words) expect(w, `${id}: "${w}"`).toMatch(/^[A-Z]/)
    }
  })
})
