import { render, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import catalogJson from '../lib/bindings/catalog.json'
import fixtures from '../lib/bindings/fixtures.json'
import { AccountsStore } from '../lib/stores/accounts.svelte'
import { JobStore } from '../lib/stores/job.svelte'
import { TableState } from '../lib/stores/table.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { fakeBackend } from '../test/ipc'
import AccountsView from './AccountsView.svelte'

// Item 5 of issue 26: consistent words. No space before a colon or a full stop, no doubled
// space, in core's sentences (the provider catalog and the recorded refusals) and on screen.
const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []

const BAD = [/\w :/, /\w \./, / {2}/]

describe('Words', () => {
  it("never put a space before a colon or a full stop in core's sentences", () => {
    const all = [...strings(catalogJson), ...strings(fixtures)]
    expect(all.length).toBeGreaterThan(100)
    for (const s of all) for (const bad of BAD) expect(s, s).not.toMatch(bad)
  })

  it('never put a space before a colon on the accounts screen', async () => {
    fakeBackend({ perConnection: 3 })
    const accounts = new AccountsStore()
    const table = new TableState(accounts)
    const job = new JobStore(accounts)
    render(AccountsView, { props: { accounts, table, job, connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    await accounts.refresh()
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(6))
    const text = document.body.textContent!.replace(/\s+/g, ' ')
    expect(text).not.toMatch(/\w :/)
  })
})
