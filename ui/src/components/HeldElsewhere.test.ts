import { render, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { ListEvent } from '../lib/bindings/ListEvent'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, makeRow } from '../mock/backend'
import { sendToChannel } from '../mock/channel'
import { mockCommands } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

describe('A row another desktop of the team is acting on', () => {
  it('says it is in progress elsewhere, with core\'s sentence of who and since when', async () => {
    const held = { ...makeRow(DEMO_TWILIO, 0), heldElsewhere: 'In progress on DESKTOP-2: Dana started a Close 40 s ago.' }
    const free = makeRow(DEMO_TWILIO, 1)
    mockCommands({
      list_accounts: ({ onEvent }: Record<string, unknown>) => {
        sendToChannel<ListEvent>(onEvent, { kind: 'page', connectionId: DEMO_TWILIO.id, rows: [held, free] })
        sendToChannel<ListEvent>(onEvent, { kind: 'done', connectionId: DEMO_TWILIO.id, total: 2 })
        return 1
      },
    })
    const accounts = new AccountsStore(() => DEMO_TWILIO.label)
    const table = new TableState(accounts)
    const job = new JobStore(accounts)
    render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO] } })
    await accounts.refresh()
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2))
    const marks = screen.getAllByTestId('row-held-elsewhere')
    expect(marks).toHaveLength(1)
    expect(marks[0]).toHaveTextContent('In progress elsewhere')
    expect(marks[0]).toHaveAttribute('title', 'In progress on DESKTOP-2: Dana started a Close 40 s ago.')
    expect(marks[0].closest('tr')).toHaveAttribute('data-id', held.id)
  })
})
