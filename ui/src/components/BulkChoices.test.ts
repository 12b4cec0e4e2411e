import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AccountRow } from '../lib/bindings/AccountRow'
import type { Action } from '../lib/bindings/Action'
import type { BulkPreview } from '../lib/bindings/BulkPreview'
import type { Connection } from '../lib/bindings/Connection'
import type { ItemRef } from '../lib/bindings/ItemRef'
import { actionInfo } from '../lib/catalog.svelte'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { deferred, mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

const PLIVO: Connection = { ...DEMO_VOBIZ, id: 'conn-plivo', provider: 'plivo', label: 'Demo Plivo' }
const TELNYX: Connection = { ...DEMO_VOBIZ, id: 'conn-telnyx', provider: 'telnyx', label: 'Demo Telnyx' }
const ref = (r: AccountRow): ItemRef => ({ connectionId: r.connectionId, accountId: r.id })

const RELEASED = 'Twilio releases every phone number of these subaccounts; released numbers may go to someone else.'
const MOVED =
  'Subdesk moves every phone number of these subaccounts to the parent account first, so closing them releases none. A subaccount with a number that cannot be moved is not closed and keeps that number.'
const NEVER_REOPENED = 'Closed subaccounts stop working at once and can never be reopened.'

/** Core's consequences of a close with Twilio accounts in it, without and with the move. */
function closeWords(action: Action, runnable: AccountRow[]) {
  if (action !== 'close' || !runnable.some((r) => r.provider === 'twilio')) {
    return { consequences: [], consequencesIfMoved: null }
  }
  return { consequences: [RELEASED, NEVER_REOPENED], consequencesIfMoved: [MOVED, NEVER_REOPENED] }
}

function preview(action: Action, runnable: AccountRow[], numbersReleased: number | null = null): BulkPreview {
  const irreversible = action === 'delete' || action === 'close'
  return {
    action,
    irreversible,
    runnable,
    skipped: [],
    perConnection: [],
    numbersReleased,
    unread: 0,
    ...closeWords(action, runnable),
    confirmPhrase: irreversible ? `${action.toUpperCase()} ${runnable.length}` : null,
    confirmToken: irreversible ? 'token-1' : null,
  }
}

async function setup(rows: AccountRow[], action: Action, numbersReleased: number | null = null) {
  const calls = mockCommands({
    list_accounts: ({ onEvent }) => {
      for (const c of [PLIVO, DEMO_VOBIZ, TELNYX, DEMO_TWILIO]) {
        sendToChannel(onEvent, { kind: 'page', connectionId: c.id, rows: rows.filter((r) => r.connectionId === c.id) })
      }
      return null
    },
    bulk_preview: () => preview(action, rows, numbersReleased),
    bulk_run: () => deferred().promise,
  })
  const accounts = new AccountsStore()
  const table = new TableState(accounts)
  const job = new JobStore(accounts)
  render(AccountsView, { props: { accounts, table, job, connections: [PLIVO, DEMO_VOBIZ, TELNYX, DEMO_TWILIO] } })
  await accounts.refresh()
  await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(rows.length))
  await fireEvent.click(screen.getByTestId('select-all-matching'))
  await fireEvent.click(screen.getByTestId(`bulk-action-${action}`))
  const dialog = await screen.findByTestId('bulk-dialog')
  await waitFor(() => expect(within(dialog).getByTestId('bulk-runnable')).toBeInTheDocument())
  return { calls, dialog }
}

describe('Bulk dialog questions', () => {
  it("asks Plivo's cascade question once, names Plivo, shows the answer's consequence and sends it", async () => {
    const rows = [makeRow(PLIVO, 0), makeRow(PLIVO, 1), makeRow(DEMO_VOBIZ, 2)]
    const { calls, dialog } = await setup(rows, 'delete')
    const cascade = actionInfo('plivo', 'delete')!.choices[0]

    const question = within(dialog).getByTestId('choice-cascade')
    expect(within(dialog).getAllByTestId('choice-cascade')).toHaveLength(1)
    expect(question).toHaveTextContent(`Plivo: ${cascade.question}`)
    expect(question).not.toHaveTextContent('Vobiz')
    // The default answer's consequence is in the preview until another is chosen.
    expect(dialog).toHaveTextContent(`Plivo: ${cascade.no}`)

    const user = userEvent.setup()
    await user.click(within(dialog).getByTestId('choice-cascade-yes'))
    expect(dialog).toHaveTextContent(`Plivo: ${cascade.yes}`)
    expect(dialog).not.toHaveTextContent(`Plivo: ${cascade.no}`)

    await user.type(within(dialog).getByTestId('bulk-confirm-input'), 'DELETE 3')
    await user.click(within(dialog).getByTestId('bulk-start'))
    const run = calls.find((c) => c.cmd === 'bulk_run')!
    expect(run.args.choices).toEqual({ cascade: true })
    expect(run.args.items).toEqual(rows.map(ref))
  })

  it("asks Telnyx's question on reactivate, sends the default when untouched, and asks nothing for others", async () => {
    const rows = [makeRow(TELNYX, 0, 'unknown'), makeRow(DEMO_VOBIZ, 1, 'suspended')]
    const { calls, dialog } = await setup(rows, 'reactivate')
    const q = actionInfo('telnyx', 'reactivate')!.choices[0]
    expect(within(dialog).getByTestId(`choice-${q.key}`)).toHaveTextContent(`Telnyx: ${q.question}`)
    await userEvent.setup().click(within(dialog).getByTestId('bulk-start'))
    expect(calls.find((c) => c.cmd === 'bulk_run')!.args.choices).toEqual({ [q.key]: q.default })
  })

  it('asks nothing and sends no choices when no provider involved has a question', async () => {
    const rows = [makeRow(DEMO_VOBIZ, 0), makeRow(DEMO_VOBIZ, 1)]
    const { calls, dialog } = await setup(rows, 'suspend')
    expect(within(dialog).queryByRole('group')).toBeNull()
    await userEvent.setup().click(within(dialog).getByTestId('bulk-start'))
    expect(calls.find((c) => c.cmd === 'bulk_run')!.args).not.toHaveProperty('choices')
  })

  it("asks Twilio's move of the numbers once for the job, as a checkbox with the job's count", async () => {
    const rows = [makeRow(DEMO_TWILIO, 0), makeRow(DEMO_TWILIO, 1), makeRow(DEMO_VOBIZ, 2, 'suspended')]
    const { calls, dialog } = await setup(rows, 'close', 7)
    const move = await within(dialog).findByTestId('choice-move_numbers')
    expect(within(dialog).getAllByTestId('choice-move_numbers')).toHaveLength(1)
    await waitFor(() => expect(move).toHaveTextContent('Twilio: Move its 7 phone numbers to the parent account first'))
    const impact = () => within(dialog).getByTestId('impact-consequences')
    const numbers = () => within(dialog).getByTestId('impact-numbers')
    expect(numbers()).toHaveTextContent(/^7 phone numbers will be released\.$/)
    expect(impact()).toHaveTextContent(RELEASED)
    const user = userEvent.setup()
    await user.click(within(move).getByRole('checkbox'))
    // Ticked, the impact is true for the move: the numbers go to the parent, none are released.
    expect(numbers()).toHaveTextContent(/^7 phone numbers will be moved to the parent account first; none will be released\.$/)
    expect([...impact().querySelectorAll('li')].map((li) => li.textContent)).toEqual([MOVED, NEVER_REOPENED])
    expect(dialog).not.toHaveTextContent('releases every phone number')
    await user.type(within(dialog).getByTestId('bulk-confirm-input'), 'CLOSE 3')
    await user.click(within(dialog).getByTestId('bulk-start'))
    const run = calls.find((c) => c.cmd === 'bulk_run')!
    expect(run.args.choices).toEqual({ move_numbers: true })
  })
})
