import { fireEvent, screen, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { renderAccounts } from '../test/accounts'

function setup() {
  return renderAccounts()
}

describe('The bulk list', () => {
  // Item 11 of issue 26: two accounts of the same name differ by more than their IDs.
  it("names each account's connection beside it", async () => {
    const { backend } = await setup()
    const twilio = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const vobiz = backend.rows.find((r) => r.provider === 'vobiz' && r.status === 'active')!
    backend.rows = backend.rows.map((r) => (r === vobiz ? { ...r, name: twilio.name } : r))
    await fireEvent.click(screen.getByTestId('select-all-matching'))
    await fireEvent.click(screen.getByTestId('bulk-action-suspend'))
    const dialog = await screen.findByTestId('bulk-dialog')
    const list = await within(dialog).findByTestId('bulk-runnable')
    const items = within(list).getAllByRole('listitem')
    const line = (id: string) => items.find((li) => li.textContent?.includes(id))!
    expect(line(twilio.id)).toHaveTextContent(`${twilio.name} ${twilio.id} (Demo Twilio)`)
    expect(line(vobiz.id)).toHaveTextContent(`${twilio.name} ${vobiz.id} (Demo Vobiz)`)
  })
})
