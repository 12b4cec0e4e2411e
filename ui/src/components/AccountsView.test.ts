import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { deferred, heldListing, mockCommands, uiError } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

function setup() {
  const accounts = new AccountsStore((id) => (id === DEMO_TWILIO.id ? DEMO_TWILIO.label : DEMO_VOBIZ.label))
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
  return { accounts, table, job }
}

/** list_accounts that answers with these rows in one page per connection. */
function listing(rows: AccountRow[]) {
  return {
    list_accounts: ({ onEvent }: Record<string, unknown>) => {
      for (const c of [DEMO_TWILIO, DEMO_VOBIZ]) {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: c.id, rows: rows.filter((r) => r.connectionId === c.id) })
        sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: c.id, total: 0 })
      }
      return null
    },
  }
}

const rowEls = () => screen.queryAllByTestId('account-row')
const shownIds = () => rowEls().map((r) => r.getAttribute('data-id'))

describe('Accounts table', () => {
  it('renders pages as they stream in, with a running count, and failures per connection', async () => {
    const listing = heldListing()
    const { accounts } = setup()
    const done = accounts.refresh()

    listing.send({ kind: 'page', connectionId: DEMO_TWILIO.id, rows: [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1)] })
    await waitFor(() => expect(rowEls()).toHaveLength(2))
    expect(screen.getByTestId('loading-indicator')).toHaveTextContent('Loading… 2 accounts so far')

    listing.send({ kind: 'page', connectionId: DEMO_TWILIO.id, rows: [makeRow(DEMO_TWILIO, 2)] })
    listing.send({
      kind: 'failed',
      connectionId: DEMO_VOBIZ.id,
      error: uiError('auth', 'Vobiz refused the Auth ID or Auth Token.'),
    })
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    expect(screen.getByTestId('connection-failure')).toHaveTextContent(
      'Demo Vobiz refused the credentials. Vobiz refused the Auth ID or Auth Token.',
    )

    listing.end()
    await done
    await waitFor(() => expect(screen.queryByTestId('loading-indicator')).toBeNull())
    expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 3 of 3')
  })

  it('shows each status as a badge with its own word and colour class', async () => {
    const rows = (['active', 'suspended', 'closed', 'deleted', 'unknown'] as const).map((s, i) => makeRow(DEMO_TWILIO, i, s))
    mockCommands(listing(rows))
    const { accounts, table } = setup()
    // Closed and deleted accounts are hidden by default; this test looks at them.
    table.showEnded = true
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(5))
    for (const r of rowEls()) {
      const status = r.getAttribute('data-status')!
      const badge = within(r).getByTestId('status-badge')
      expect(badge).toHaveTextContent(status)
      expect(badge).toHaveClass(`tone-${status}`)
    }
  })

  it('offers exactly the actions each row allows', async () => {
    const rows = [
      makeRow(DEMO_TWILIO, 0, 'active'),
      makeRow(DEMO_TWILIO, 1, 'closed'),
      { ...makeRow(DEMO_VOBIZ, 2, 'suspended'), allowedActions: ['delete' as const] },
    ]
    mockCommands(listing(rows))
    const { accounts, table } = setup()
    // Closed and deleted accounts are hidden by default; this test looks at them.
    table.showEnded = true
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    const actionsOf = (id: string) =>
      within(rowEls().find((r) => r.dataset.id === id)!)
        .queryAllByRole('button')
        .map((b) => b.dataset.testid)
        // The ID's copy button and the name's Details button are on every row; the actions
        // are the row's own.
        .filter((t) => t !== 'copy-id' && t !== 'row-detail')
    expect(actionsOf(rows[0].id)).toEqual(['row-action-suspend', 'row-action-close'])
    expect(actionsOf(rows[1].id)).toEqual([])
    expect(actionsOf(rows[2].id)).toEqual(['row-action-delete'])
  })

  it('searches, filters by status and connection, and counts what is shown', async () => {
    const rows = [
      { ...makeRow(DEMO_TWILIO, 0), name: 'Harbor Hotel' },
      { ...makeRow(DEMO_TWILIO, 1, 'suspended'), name: 'Harbor Gym' },
      { ...makeRow(DEMO_VOBIZ, 2), name: 'Cedar Clinic' },
    ]
    mockCommands(listing(rows))
    const { accounts } = setup()
    await accounts.refresh()
    const user = userEvent.setup()

    await user.type(screen.getByTestId('search-input'), 'HARBOR')
    await waitFor(() => expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 2 of 3'))

    await user.selectOptions(screen.getByTestId('filter-status'), 'suspended')
    await waitFor(() => expect(shownIds()).toEqual([rows[1].id]))

    await user.clear(screen.getByTestId('search-input'))
    await user.selectOptions(screen.getByTestId('filter-status'), '')
    await user.selectOptions(screen.getByTestId('filter-connection'), DEMO_VOBIZ.id)
    await waitFor(() => expect(shownIds()).toEqual([rows[2].id]))
    expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 1 of 3')
  })

  it('sorts by a column header click and says so with aria-sort', async () => {
    const rows = [
      { ...makeRow(DEMO_TWILIO, 0), name: 'b' },
      { ...makeRow(DEMO_TWILIO, 1), name: 'c' },
      { ...makeRow(DEMO_TWILIO, 2), name: 'a' },
    ]
    mockCommands(listing(rows))
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    const names = () => rowEls().map((r) => within(r).getAllByRole('cell')[1].textContent?.trim())
    expect(names()).toEqual(['a', 'b', 'c'])
    const header = screen.getByTestId('sort-name').closest('th')!
    expect(header).toHaveAttribute('aria-sort', 'ascending')

    await fireEvent.click(screen.getByTestId('sort-name'))
    expect(names()).toEqual(['c', 'b', 'a'])
    expect(header).toHaveAttribute('aria-sort', 'descending')

    await fireEvent.click(screen.getByTestId('sort-created'))
    expect(header).toHaveAttribute('aria-sort', 'none')
    expect(screen.getByTestId('sort-created').closest('th')).toHaveAttribute('aria-sort', 'ascending')
    expect(names()).toEqual(['b', 'c', 'a'])
  })

  it('re-uses row elements for the rows a search brings into view, and lets go of focus on them', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ ...makeRow(DEMO_TWILIO, i), name: `r${String(i).padStart(3, '0')}` }))
    mockCommands(listing(rows))
    const { accounts, table } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls().length).toBeGreaterThan(5))
    expect(rowEls().length).toBeLessThan(60)
    const [first] = rowEls()
    expect(first).toHaveAttribute('data-name', 'r000')
    // Focus on r000's Close button, then a search for a row that was out of view.
    const close = within(first).getByTestId('row-action-close')
    close.focus()
    expect(document.activeElement).toBe(close)
    table.filter.search = 'r199'
    await waitFor(() => expect(rowEls()).toHaveLength(1))
    // The same element now shows r199, with r199's labels, and the focus has been let go: Enter
    // cannot close r199 from a button that was r000's.
    expect(rowEls()[0]).toBe(first)
    expect(first).toHaveAttribute('data-name', 'r199')
    expect(within(first).getByTestId('row-action-close')).toHaveAccessibleName(/r199/)
    expect(within(first).getByTestId('row-select')).toHaveAccessibleName('Select r199')
    expect(first.contains(document.activeElement)).toBe(false)
  })

  it('keeps focus on a row that stays in view while the rows around it change', async () => {
    const rows = [
      { ...makeRow(DEMO_TWILIO, 0), name: 'alpha' },
      { ...makeRow(DEMO_TWILIO, 1), name: 'beta' },
    ]
    mockCommands(listing(rows))
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(2))
    const beta = rowEls()[1]
    const close = within(beta).getByTestId('row-action-close')
    close.focus()
    await fireEvent.click(screen.getByTestId('sort-name'))
    expect(rowEls()[0]).toBe(beta)
    expect(beta).toHaveAttribute('data-name', 'beta')
    expect(document.activeElement).toBe(close)
  })

  it('renders only the visible window of 10,000 rows', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => makeRow(i % 2 ? DEMO_TWILIO : DEMO_VOBIZ, i))
    mockCommands(listing(rows))
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 10,000 of 10,000'))
    await waitFor(() => expect(rowEls().length).toBeGreaterThan(5))
    expect(rowEls().length).toBeLessThan(60)
  })

  it('selects a range with shift-click and all matching rows at once', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ ...makeRow(DEMO_TWILIO, i), name: `n${i}` }))
    mockCommands(listing(rows))
    const { accounts, table } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(8))
    expect(screen.queryByTestId('bulk-bar')).toBeNull()

    const box = (i: number) => within(rowEls()[i]).getByTestId('row-select')
    await fireEvent.click(box(1))
    await fireEvent.click(box(4), { shiftKey: true })
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('4 selected')
    expect(table.selected.size).toBe(4)
    expect(box(0)).not.toBeChecked()
    expect(box(3)).toBeChecked()

    await fireEvent.click(screen.getByTestId('select-all-matching'))
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('8 selected')
  })

  it('keeps the rows and the selection on screen while Refresh runs, and says it is refreshing', async () => {
    const rows = [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1), makeRow(DEMO_VOBIZ, 2)]
    let held: ReturnType<typeof deferred<null>> | null = null
    let channel: unknown
    mockCommands({
      list_accounts: ({ onEvent }) => {
        if (!held) return listing(rows).list_accounts({ onEvent })
        channel = onEvent
        return held.promise
      },
    })
    const { accounts, table } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    await fireEvent.click(within(rowEls()[0]).getByTestId('row-select'))
    const selected = rowEls()[0].dataset.id
    // Scrolled down before Refresh: the same scroller keeps its place throughout.
    const scroller = document.querySelector<HTMLDivElement>('.scroller')!
    scroller.scrollTop = 300

    held = deferred<null>()
    await fireEvent.click(screen.getByTestId('refresh-button'))
    // Mid-refresh: every row still there, the count unchanged, the selection kept.
    await waitFor(() => expect(screen.getByTestId('loading-indicator')).toHaveTextContent(/^Refreshing… 0 accounts read so far; the rows below are replaced as they arrive$/))
    expect(rowEls()).toHaveLength(3)
    expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 3 of 3')
    expect(table.selected.size).toBe(1)
    sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: rows.slice(0, 2) })
    sendToChannel<ListEvent>(channel, { kind: 'page', connectionId: DEMO_VOBIZ.id, rows: rows.slice(2) })
    held.resolve(null)
    await waitFor(() => expect(screen.queryByTestId('loading-indicator')).toBeNull())
    expect(rowEls()).toHaveLength(3)
    expect(within(rowEls().find((r) => r.dataset.id === selected)!).getByTestId('row-select')).toBeChecked()
    expect(document.querySelector('.scroller')).toBe(scroller)
    expect(scroller.scrollTop).toBe(300)
  })

  it('re-reads everything on Refresh, replacing the rows', async () => {
    let version = 0
    const calls = mockCommands({
      list_accounts: ({ onEvent }) => {
        version++
        const rows = version === 1 ? [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1)] : [makeRow(DEMO_TWILIO, 0, 'suspended')]
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows })
        return null
      },
    })
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(2))
    await fireEvent.click(screen.getByTestId('refresh-button'))
    await waitFor(() => expect(rowEls()).toHaveLength(1))
    expect(rowEls()[0]).toHaveAttribute('data-status', 'suspended')
    expect(calls.filter((c) => c.cmd === 'list_accounts')).toHaveLength(2)
  })

  it('says when selected rows are hidden by the filter, and shows them or unselects them', async () => {
    const rows = [
      { ...makeRow(DEMO_TWILIO, 0), name: 'Harbor Hotel' },
      { ...makeRow(DEMO_TWILIO, 1), name: 'Harbor Gym' },
      { ...makeRow(DEMO_VOBIZ, 2), name: 'Cedar Clinic' },
    ]
    mockCommands(listing(rows))
    const { accounts, table } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    const user = userEvent.setup()
    const box = (id: string) => within(rowEls().find((r) => r.dataset.id === id)!).getByTestId('row-select')
    await fireEvent.click(box(rows[0].id))
    await fireEvent.click(box(rows[1].id))
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('2 selected')
    expect(screen.queryByTestId('bulk-hidden')).toBeNull()

    await user.type(screen.getByTestId('search-input'), 'cedar')
    await waitFor(() => expect(shownIds()).toEqual([rows[2].id]))
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('2 selected · 2 hidden by the current filter')

    // "Show them" empties the search (the box too) and brings them back into view.
    await user.click(screen.getByTestId('bulk-show-hidden'))
    await waitFor(() => expect(rowEls()).toHaveLength(3))
    expect(screen.getByTestId('search-input')).toHaveValue('')
    expect(screen.queryByTestId('bulk-hidden')).toBeNull()

    await user.type(screen.getByTestId('search-input'), 'hotel')
    await waitFor(() => expect(shownIds()).toEqual([rows[0].id]))
    expect(screen.getByTestId('bulk-hidden')).toHaveTextContent('1 hidden')
    await user.click(screen.getByTestId('bulk-deselect-hidden'))
    expect(table.selected.size).toBe(1)
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('1 selected')
    expect(screen.queryByTestId('bulk-hidden')).toBeNull()
  })

  it('keeps a failed connection\'s last rows, marked stale, names it and why, and retries', async () => {
    const twilio = [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1)]
    const vobiz = [makeRow(DEMO_VOBIZ, 2), makeRow(DEMO_VOBIZ, 3), makeRow(DEMO_VOBIZ, 4)]
    let failVobiz: false | 'timeout' | 'auth' | 'provider' = false
    const calls = mockCommands({
      list_accounts: ({ onEvent }) => {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: twilio })
        sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: DEMO_TWILIO.id, total: 2 })
        if (failVobiz) {
          // One page arrived before the failure: it is kept as fresh, the rest as stale.
          sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_VOBIZ.id, rows: [vobiz[0]] })
          const error = uiError(failVobiz, 'Vobiz: the request timed out.', true)
          if (failVobiz === 'provider') error.details = 'HTTP 400: Invalid sub-account request'
          sendToChannel<ListEvent>(onEvent, { kind: 'failed', connectionId: DEMO_VOBIZ.id, error })
        } else {
          sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_VOBIZ.id, rows: vobiz })
          sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: DEMO_VOBIZ.id, total: 3 })
        }
        return null
      },
    })
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(5))
    expect(screen.queryByTestId('row-stale')).toBeNull()

    failVobiz = 'timeout'
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(5))
    const stale = rowEls().filter((r) => r.dataset.stale === 'true').map((r) => r.dataset.id)
    expect(stale.sort()).toEqual([vobiz[1].id, vobiz[2].id].sort())
    const marker = within(rowEls().find((r) => r.dataset.id === vobiz[1].id)!).getByTestId('row-stale')
    expect(marker).toHaveTextContent(/^not updated since \d{1,2}[:.]\d{2}/)
    const alert = screen.getByTestId('connection-failure')
    // Twilio answered: the sentence blames Vobiz, not the user's internet connection.
    expect(alert).toHaveTextContent(
      "Demo Vobiz did not answer. Your other connections answer, so the trouble is on the provider's side, not your internet connection. Try again in a few minutes.",
    )
    expect(alert).not.toHaveTextContent(/check your internet/i)
    expect(alert).toHaveTextContent(/Its 2 accounts below are from the last listing at \d{1,2}[:.]\d{2}.* and may be out of date/)
    expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 5 of 5')

    // A second failure keeps the same rows, still dated from the last listing that worked.
    failVobiz = 'auth'
    await accounts.refresh()
    await waitFor(() => expect(screen.getByTestId('connection-failure')).toHaveTextContent('Demo Vobiz refused the credentials.'))
    // Outside the connection form, the sentence says where to correct them.
    expect(screen.getByTestId('connection-failure')).toHaveTextContent('Then correct them with Edit… in Connections.')
    expect(rowEls()).toHaveLength(5)
    failVobiz = 'provider'
    await accounts.refresh()
    await waitFor(() => expect(screen.getByTestId('connection-failure')).toHaveTextContent('Demo Vobiz answered with an error.'))
    // The provider's own words: under a collapsed Details, not in the sentence.
    const words = within(screen.getByTestId('connection-failure')).getByTestId('connection-failure-details')
    expect(words).not.toHaveAttribute('open')
    expect(words).toHaveTextContent("Details The provider's own words: HTTP 400: Invalid sub-account request")
    expect(screen.getByTestId('connection-failure').querySelector('p')).not.toHaveTextContent('Invalid sub-account')

    failVobiz = false
    await fireEvent.click(screen.getByRole('button', { name: 'Retry listing Demo Vobiz' }))
    await waitFor(() => expect(screen.queryByTestId('connection-failure')).toBeNull())
    expect(rowEls().filter((r) => r.dataset.stale === 'true')).toHaveLength(0)
    expect(rowEls()).toHaveLength(5)
    expect(calls.filter((c) => c.cmd === 'list_accounts')).toHaveLength(5)
  })

  it('keeps every row, stale, when the whole listing fails, and offers Retry', async () => {
    let fail = false
    mockCommands({
      list_accounts: ({ onEvent }) => {
        if (fail) throw uiError('storage', 'Subdesk could not list the accounts.')
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: [makeRow(DEMO_TWILIO, 0)] })
        sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: DEMO_TWILIO.id, total: 1 })
        return null
      },
    })
    const { accounts } = setup()
    await accounts.refresh()
    await waitFor(() => expect(rowEls()).toHaveLength(1))
    fail = true
    await accounts.refresh()
    await waitFor(() => expect(screen.getByTestId('list-error')).toHaveTextContent('Subdesk could not list the accounts.'))
    expect(rowEls()).toHaveLength(1)
    expect(rowEls()[0]).toHaveAttribute('data-stale', 'true')
    fail = false
    await fireEvent.click(screen.getByTestId('list-retry'))
    await waitFor(() => expect(screen.queryByTestId('list-error')).toBeNull())
    expect(rowEls()[0]).not.toHaveAttribute('data-stale')
  })

  it('keeps the less-used buttons under More, so the toolbar is one line', async () => {
    const rows = [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1)]
    mockCommands(listing(rows))
    const { accounts } = setup()
    await accounts.refresh()
    const more = screen.getByTestId('toolbar-more')
    const items = document.getElementById(more.getAttribute('aria-controls')!)!
    expect(more).toHaveAttribute('aria-expanded', 'false')
    expect(items).not.toBeVisible()
    await fireEvent.click(more)
    expect(more).toHaveAttribute('aria-expanded', 'true')
    expect(within(items).getByTestId('select-from-list')).toHaveTextContent('Select from a list…')
    expect(within(items).getByTestId('export-accounts')).toHaveTextContent('Export 2 accounts…')
    // Escape closes it and leaves the keyboard on More.
    await fireEvent.keyDown(within(items).getByTestId('select-from-list'), { key: 'Escape' })
    expect(more).toHaveAttribute('aria-expanded', 'false')
    expect(document.activeElement).toBe(more)
    // A choice closes the menu and opens its dialog.
    await fireEvent.click(more)
    await fireEvent.click(within(items).getByTestId('select-from-list'))
    expect(more).toHaveAttribute('aria-expanded', 'false')
    expect(await screen.findByTestId('select-list-dialog')).toBeInTheDocument()
  })
})

describe('Filter words (issue 26 item 5)', () => {
  it("start with a capital in the accounts table's status and connection filters", async () => {
    mockCommands(listing([makeRow(DEMO_TWILIO, 0)]))
    setup()
    for (const id of ['filter-status', 'filter-connection']) {
      const words = [...screen.getByTestId(id).querySelectorAll('option')].map((o) => o.textContent!.replace(/[\u2066-\u2069]/g, '').trim())
      expect(words.length, id).toBeGreaterThan(1)
      for (const w of words) expect(w, `${id}: "${w}"`).toMatch(/^[A-Z]/)
    }
  })
})
