import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { UiError } from '../lib/bindings/UiError'
import { renderAccounts } from '../test/accounts'

// Item 1 of issue 26: one sentence per verified outcome, the provider's own words under a
// collapsed Details in every place the outcome is shown, never in the sentence.
const SENTENCE = "The provider refused the request. Check the account in the provider's console before you try again."
const WORDS = 'HTTP 400, code 21100: Invalid Status transition'
const refused: UiError = { code: 'provider', message: SENTENCE, retryable: false, details: WORDS }

function setup() {
  return renderAccounts()
}

/** The sentence alone, then a closed Details holding exactly the provider's words. */
function expectCollapsedWords(place: HTMLElement, testid: string) {
  const details = within(place).getByTestId(testid)
  expect(details.tagName).toBe('DETAILS')
  expect(details).not.toHaveAttribute('open')
  expect(within(details).getByText('Details').tagName).toBe('SUMMARY')
  expect(details).toHaveTextContent(`The provider's own words: ${WORDS}`)
}

describe("The provider's own words", () => {
  it('stay under Details in the dialog, the alert and the row after a single action', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    backend.failing.set(target.id, refused)
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))

    const error = await within(dialog).findByTestId('dialog-error')
    expect(error.querySelector('bdi')).toHaveTextContent(new RegExp(`^${escape(SENTENCE)}$`))
    expectCollapsedWords(error, 'dialog-error-details')

    // The row says the sentence only (it is one line); the alert above the table has Details.
    expect(within(row(target.id)).getByTestId('row-error')).toHaveTextContent(new RegExp(`^${escape(SENTENCE)}$`))
    expect(row(target.id)).not.toHaveTextContent('21100')
    const item = within(screen.getByTestId('row-errors')).getByTestId('row-errors-item')
    expect(item).toHaveTextContent(SENTENCE)
    expectCollapsedWords(item, 'row-errors-details')
  })

  it('stay under Details in the job panel and the alert after a bulk job', async () => {
    const { backend, job, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    backend.failing.set(target.id, refused)
    await fireEvent.click(screen.getByTestId('select-all-matching'))
    await fireEvent.click(screen.getByTestId('bulk-action-suspend'))
    const dialog = await screen.findByTestId('bulk-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('bulk-runnable')).toBeInTheDocument())
    await fireEvent.click(within(dialog).getByTestId('bulk-start'))
    await waitFor(() => expect(job.phase).toBe('finished'))

    await fireEvent.click(screen.getByTestId('job-show-lists'))
    const failures = await screen.findByTestId('job-failures')
    const item = within(failures).getAllByRole('listitem').find((li) => li.dataset.account === target.id)!
    // The job's sentence for a failed item, without the provider's words.
    expect(item.querySelector(':scope > bdi')).toHaveTextContent(/^Not changed: /)
    expect(item.querySelector(':scope > bdi')).not.toHaveTextContent('21100')
    expectCollapsedWords(item, 'job-result-details')
    const alert = within(screen.getByTestId('row-errors')).getByTestId('row-errors-item')
    expectCollapsedWords(alert, 'row-errors-details')
    expect(within(row(target.id)).getByTestId('row-error')).not.toHaveTextContent('21100')
  })

  it('stay under Details in the account detail', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio')!
    backend.overrides.set('account_detail', () => {
      throw refused
    })
    await userEvent.setup().click(within(row(target.id)).getByTestId('row-detail'))
    const dialog = await screen.findByTestId('account-detail')
    const error = await within(dialog).findByTestId('detail-error')
    expect(error.querySelector('bdi')).toHaveTextContent(new RegExp(`^${escape(SENTENCE)}$`))
    expectCollapsedWords(error, 'detail-error-details')
  })

  it('are not shown when the provider gave none', async () => {
    const { backend, row } = await setup()
    const target = backend.rows.find((r) => r.provider === 'twilio' && r.status === 'active')!
    backend.failing.set(target.id, { ...refused, details: undefined })
    await fireEvent.click(within(row(target.id)).getByTestId('row-action-suspend'))
    const dialog = await screen.findByTestId('action-dialog')
    await waitFor(() => expect(within(dialog).getByTestId('confirm-button')).toBeEnabled())
    await fireEvent.click(within(dialog).getByTestId('confirm-button'))
    const error = await within(dialog).findByTestId('dialog-error')
    expect(within(error).queryByTestId('dialog-error-details')).toBeNull()
    expect(error).toHaveTextContent(new RegExp(`^${escape(SENTENCE)}$`))
  })
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
