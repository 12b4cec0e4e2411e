// A reason on every action: the dialogs send it, a refused one is marked at the field, and the
// History view shows it with the operator "OS user (Display name)".
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../lib/stores/history.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from '../mock/backend'
import { uiError } from '../test/ipc'
import { renderAccounts } from '../test/accounts'
import HistoryView from './HistoryView.svelte'

function setup() {
  return renderAccounts((backend) => {
    backend.settings = { concurrency: 8, operatorDisplayName: 'Dana K.' }
  })
}

describe('Reason on an action', () => {
  it('the single-action dialog sends the reason, and History shows it with the operator', async () => {
    const { backend, row, view } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    const reason = within(dialog).getByLabelText('Reason or ticket (optional)')
    expect(reason).toHaveAttribute('placeholder', 'non-payment #4711')
    expect(reason).toHaveAccessibleDescription(/Kept in the history/)
    await user.type(reason, '  non-payment #4711 ')
    await user.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(screen.queryByTestId('action-dialog')).toBeNull())
    expect(backend.callsOf('apply_action')[0]).toMatchObject({ accountId: target.id, reason: 'non-payment #4711' })
    expect(backend.history[0].reason).toBe('non-payment #4711')
    view.unmount()

    render(HistoryView, { props: { history: new HistoryStore(), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    const entry = await screen.findByTestId('history-row')
    expect(within(entry).getByTestId('history-reason')).toHaveTextContent('non-payment #4711')
    expect(within(entry).getByTestId('history-operator')).toHaveTextContent('demo (Dana K.)')
    await fireEvent.click(within(entry).getByRole('button'))
    expect(await screen.findByTestId('history-detail-reason')).toHaveTextContent('non-payment #4711')
    expect(screen.getByTestId('history-detail-operator')).toHaveTextContent('demo (Dana K.)')
  })

  it('sends no reason when the field is left empty', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(backend.callsOf('apply_action')).toHaveLength(1))
    expect(backend.callsOf('apply_action')[0]).not.toHaveProperty('reason')
  })

  it('marks the field when the reason is too long, locally or when core refuses it', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    const user = userEvent.setup()
    await user.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    const reason = within(dialog).getByTestId('reason-input')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.input(reason, { target: { value: 'x'.repeat(201) } })
    expect(reason).toHaveAttribute('aria-invalid', 'true')
    expect(within(dialog).getByTestId('reason-error')).toHaveTextContent('200 characters or fewer')
    expect(reason).toHaveAccessibleDescription(/200 characters or fewer/)
    expect(within(dialog).getByTestId('confirm-button')).toBeDisabled()

    // Core has the last word: its refusal lands at the field too.
    backend.overrides.set('apply_action', () => {
      throw uiError('validation', 'The reason is too long: shorten it to 200 characters or fewer.', false, 'reason')
    })
    await fireEvent.input(reason, { target: { value: 'fine #1' } })
    expect(reason).not.toHaveAttribute('aria-invalid')
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))
    await waitFor(() => expect(reason).toHaveAttribute('aria-invalid', 'true'))
    expect(within(dialog).getByTestId('reason-error')).toHaveTextContent('The reason is too long')
    expect(within(dialog).queryByTestId('dialog-error')).toBeNull()
    await fireEvent.input(reason, { target: { value: 'fine #2' } })
    expect(reason).not.toHaveAttribute('aria-invalid')
  })

  it('the bulk dialog sends the reason with the job, and the job row shows it', async () => {
    const { backend, job, view } = await setup()
    await fireEvent.click(screen.getByTestId('select-all-matching'))
    await fireEvent.click(screen.getByTestId('bulk-action-suspend'))
    const dialog = await screen.findByTestId('bulk-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('bulk-runnable')).toBeInTheDocument())
    // A text field drops line breaks itself; a pasted tab is made one space before sending.
    await fireEvent.input(within(dialog).getByLabelText('Reason or ticket (optional)'), {
      target: { value: ' audit, "Q3"\t ticket 9 ' },
    })
    await fireEvent.click(within(dialog).getByTestId('bulk-start'))
    await waitFor(() => expect(job.phase).toBe('finished'))
    expect(backend.callsOf('bulk_run')[0]).toMatchObject({ reason: 'audit, "Q3" ticket 9' })
    const entries = backend.history.filter((e) => e.jobId)
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e.reason === 'audit, "Q3" ticket 9')).toBe(true)
    view.unmount()

    render(HistoryView, { props: { history: new HistoryStore(), connections: [DEMO_TWILIO, DEMO_VOBIZ] } })
    const jobRow = await screen.findByTestId('history-job')
    expect(within(jobRow).getByTestId('history-job-reason')).toHaveTextContent('Reason: audit, "Q3" ticket 9')
  })
})
