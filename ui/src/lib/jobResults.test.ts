import { describe, expect, it } from 'vitest'
import type { ItemResult } from './bindings/ItemResult'
import type { UiError } from './bindings/UiError'
import { explainResult, withoutRefreshAdvice } from './jobResults'

const result = (outcome: ItemResult['outcome'], error: UiError | null): ItemResult => ({
  item: { connectionId: 'c', accountId: 'AC1' },
  outcome,
  statusAfter: null,
  row: null,
  error,
  attempts: 1,
})

describe('explainResult', () => {
  it('says a retryable failure changed nothing and offers a retry', () => {
    const e: UiError = {
      code: 'provider',
      message: 'The provider had a problem on its side (500). Refresh to see whether the change went through.',
      retryable: true,
    }
    expect(explainResult(result('failed', e), 'Twilio')).toBe('Not changed: Twilio had a temporary problem. Retry?')
    expect(explainResult(result('failed', { ...e, code: 'network' }), 'Plivo')).toBe(
      'Not changed: Subdesk could not reach Plivo. Retry?',
    )
  })

  it('never asks for a refresh when the outcome could not be confirmed, and points to Check now', () => {
    const e: UiError = { code: 'outcome_unknown', message: 'lost', retryable: false }
    for (const outcome of ['unknown', 'pending'] as const) {
      const text = explainResult(result(outcome, e), 'Vonage')
      expect(text).toBe(
        'Not confirmed: Subdesk sent the change but could not confirm whether Vonage made it, and did not send it again. ' +
          'Nothing more is sent to this account until it is settled: use Check now on its row.',
      )
      expect(text).not.toMatch(/refresh|not changed|retry/i)
    }
    // Core's code alone says so too, whatever the outcome field.
    expect(explainResult(result('failed', e), 'Vonage')).toMatch(/^Not confirmed: /)
  })

  it("gives a skipped item in doubt core's sentence, and never says it was not changed", () => {
    const sentence =
      'Subdesk is not sure whether the close sent on 2026-11-24 14:02 UTC went through, so it sends nothing more to this account until that is settled. Use Check now to read the account again.'
    const e: UiError = { code: 'in_doubt', message: sentence, retryable: false }
    expect(explainResult(result('skipped', e), 'Twilio')).toBe(`Skipped: ${sentence}`)
    expect(explainResult(result('failed', e), 'Twilio')).toBe(`Not sent: ${sentence}`)
    expect(explainResult(result('failed', e))).not.toMatch(/not changed/i)
  })

  it('says "Not changed" for a refusal, and never for an item that succeeded', () => {
    const refused: UiError = {
      code: 'parent_suspended',
      message: 'The parent account is suspended, so Twilio refused. Refresh the list to see it.',
      retryable: false,
    }
    expect(explainResult(result('failed', refused), 'Twilio')).toBe(
      'Not changed: The parent account is suspended, so Twilio refused.',
    )
    expect(explainResult(result('succeeded', null))).toBe('Done.')
  })

  it('gives a skipped item the rule core sent, without the refresh advice', () => {
    const e: UiError = {
      code: 'validation',
      message: 'Another action on this account is still running. Wait for it to finish, then refresh.',
      retryable: false,
    }
    expect(explainResult(result('skipped', e))).toBe(
      'Skipped: Another action on this account is still running. Wait for it to finish.',
    )
  })
})

describe('withoutRefreshAdvice', () => {
  it('drops refresh sentences and clauses, keeps the rest', () => {
    expect(withoutRefreshAdvice('X was not found. It may have been removed by someone else: refresh the list.')).toBe(
      'X was not found. It may have been removed by someone else.',
    )
    expect(withoutRefreshAdvice('Already closed. Refresh the list to see it.')).toBe('Already closed.')
    expect(withoutRefreshAdvice('Nothing to drop.')).toBe('Nothing to drop.')
  })
})
