import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { uiError } from '../test/ipc'
import { renderAccounts } from '../test/accounts'

function setup() {
  return renderAccounts()
}

describe('Action dialog', () => {
  it('keeps Confirm disabled until the last characters of the id are typed, then applies with them', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-close'))

    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('impact-numbers')).toHaveTextContent('2 phone numbers will be released'))
    expect(dialog).toHaveTextContent(target.id)
    // Core's own sentences, replayed from the fixtures it recorded.
    expect(dialog).toHaveTextContent('Twilio releases all 2 of its phone numbers. Released numbers may go to someone else.')
    expect(dialog).toHaveTextContent('This cannot be undone: a closed subaccount cannot be reopened.')
    const suffix = target.id.slice(-3)
    expect(dialog).toHaveTextContent(`Type the last 3 characters of the ID (…${suffix}) to confirm`)

    const confirm = within(dialog).getByTestId('confirm-button')
    const input = within(dialog).getByTestId('confirm-input')
    expect(confirm).toBeDisabled()
    await user.type(input, 'zzz')
    expect(confirm).toBeDisabled()
    await user.clear(input)
    await user.type(input, ` ${suffix.toUpperCase()} `)
    expect(confirm).toBeEnabled()

    await user.click(confirm)
    await waitFor(() => expect(screen.queryByTestId('action-dialog')).toBeNull())
    expect(backend.callsOf('apply_action')).toEqual([
      {
        connectionId: target.connectionId,
        accountId: target.id,
        action: 'close',
        // The token its preview issued travels with the typed phrase.
        confirmation: { typed: suffix.toUpperCase(), token: expect.stringMatching(/^token-/) },
        // Twilio's Close asks whether to move the numbers first; left unticked, they are not.
        choices: { move_numbers: false },
      },
    ])
    expect(row(target.id)).toHaveAttribute('data-status', 'closed')
    expect(within(row(target.id)).getByTestId('status-badge')).toHaveTextContent('closed')
    expect(within(row(target.id)).queryByTestId('row-action-close')).toBeNull()
  })

  it('asks only for a click on a reversible action and sends no confirmation', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.status === 'active')!
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    expect(within(dialog).queryByTestId('confirm-input')).toBeNull()
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(row(target.id)).toHaveAttribute('data-status', 'suspended'))
    expect(backend.callsOf('apply_action')[0].confirmation).toBeNull()
    // A status line says what was done, with its undo: not only a badge that changed.
    const line = await screen.findByTestId('action-confirmation')
    expect(line).toHaveTextContent(`Suspended ${target.name} · Undo: Reactivate Hide`)
    await fireEvent.click(within(line).getByTestId('action-undo'))
    const undo = await screen.findByTestId('action-dialog')
    expect(within(undo).getByRole('heading', { level: 2 })).toHaveTextContent(`Reactivate: ${target.name}?`)
  })

  it('says a permanent action was done, with no undo', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-close'))
    const dialog = await screen.findByTestId('action-dialog')
    await user.type(within(dialog).getByTestId('confirm-input'), target.id.slice(-3))
    await user.click(within(dialog).getByTestId('confirm-button'))
    const line = await screen.findByTestId('action-confirmation')
    expect(line).toHaveTextContent(`Closed ${target.name} Hide`)
    expect(within(line).queryByTestId('action-undo')).toBeNull()
  })

  it('keeps the dialog open with the message on failure, and marks the row as failed', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.status === 'active')!
    backend.failing.set(target.id, uiError('provider', 'Twilio could not suspend this account right now.', true))
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))

    await waitFor(() =>
      expect(within(dialog).getByTestId('dialog-error')).toHaveTextContent('Twilio could not suspend this account right now.'),
    )
    expect(screen.getByTestId('action-dialog')).toBeInTheDocument()
    expect(row(target.id)).toHaveAttribute('data-state', 'error')
    expect(within(row(target.id)).getByTestId('row-error')).toHaveTextContent('Twilio could not suspend')
    expect(within(row(target.id)).getByTestId('row-error-badge')).toHaveClass('tone-error')
    // The badge says its word in full (it used to be clipped to "err").
    expect(within(row(target.id)).getByTestId('row-error-badge')).toHaveTextContent(/^\s*failed$/)

    await fireEvent.click(within(dialog).getByTestId('cancel-button'))
    expect(screen.queryByTestId('action-dialog')).toBeNull()
  })

  it('shows the row as pending while the action runs', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.status === 'active')!
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const realHandle = backend.handle
    backend.overrides.set('apply_action', async (args) => {
      await gate
      backend.overrides.delete('apply_action')
      return realHandle('apply_action', args)
    })
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(within(row(target.id)).getByTestId('status-badge')).toHaveTextContent('pending'))
    expect(within(row(target.id)).getByTestId('row-action-suspend')).toBeDisabled()
    release()
    await waitFor(() => expect(within(row(target.id)).getByTestId('status-badge')).toHaveTextContent('suspended'))
  })

  it('offers to move the numbers to the parent first, with how many, and says which stayed', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const stayed =
      'The subaccount was not closed: its phone number +14155550101 stayed in it (Twilio refused: The number needs an address on file (error 21613)). The one number that moved is now in the parent account. Fix what stopped the move, then close it again with the move: only the numbers left are moved.'
    backend.failing.set(target.id, uiError('numbers_stayed', stayed))
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-close'))
    const dialog = await screen.findByTestId('action-dialog')
    const move = await within(dialog).findByTestId('choice-move_numbers')
    await waitFor(() => expect(move).toHaveTextContent('Move its 2 phone numbers to the parent account first'))
    const box = within(move).getByRole('checkbox')
    expect(box).not.toBeChecked()
    const impact = () => [...within(dialog).getByTestId('impact-consequences').querySelectorAll('li')].map((li) => li.textContent)
    const numbers = () => within(dialog).getByTestId('impact-numbers')
    expect(impact()[0]).toBe('Twilio releases all 2 of its phone numbers. Released numbers may go to someone else.')
    expect(numbers()).toHaveTextContent(/^2 phone numbers will be released\.$/)
    await user.click(box)
    expect(box).toBeChecked()
    // The impact is true for the tick: the numbers move to the parent and none are released,
    // and a number that stays means no close is sent. Nothing says they are released.
    expect(impact()).toEqual([
      'Subdesk moves its 2 phone numbers to the parent account first, so the close releases none. If a number cannot be moved, the close is not sent: the subaccount stays open and keeps the numbers that stayed.',
      'The subaccount stops working at once and its Console logs become inaccessible.',
      'This cannot be undone: a closed subaccount cannot be reopened.',
      "Twilio deletes closed subaccounts' data 30 days after closure when automatic deletion is on.",
      "Subdesk keeps the subaccount's name and phone numbers in the history before closing it.",
    ])
    expect(numbers()).toHaveTextContent(/^2 phone numbers will be moved to the parent account first; none will be released\.$/)
    expect(dialog).not.toHaveTextContent('releases all 2')
    // Unticked again, the release is said again.
    await user.click(box)
    expect(impact()[0]).toBe('Twilio releases all 2 of its phone numbers. Released numbers may go to someone else.')
    expect(impact()).not.toContain('Its phone numbers are not moved: closing releases them.')
    await user.click(box)
    await user.type(within(dialog).getByTestId('confirm-input'), target.id.slice(-3))
    await user.click(within(dialog).getByTestId('confirm-button'))

    await waitFor(() => expect(within(dialog).getByTestId('dialog-error')).toHaveTextContent('+14155550101 stayed in it'))
    expect(within(dialog).getByTestId('dialog-error')).toHaveTextContent('error 21613')
    expect(backend.callsOf('apply_action')[0].choices).toEqual({ move_numbers: true })
    expect(row(target.id)).not.toHaveAttribute('data-status', 'closed')
  })

  it('does not offer the move on a Suspend, and says why', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    expect(within(dialog).queryByTestId('choice-move_numbers')).toBeNull()
    expect(dialog).toHaveTextContent("Twilio's documents do not say that a suspended subaccount's numbers can be moved")
  })
})
