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

  it('never asks for a refresh when the outcome could not be confirmed', () => {
    const e: UiError = { code: 'outcome_unknown', message: 'lost', retryable: false }
    const text = explainResult(result('unknown', e), 'Vonage')
    expect(text).toMatch(/^Not confirmed: Subdesk could not tell whether Vonage made the change/)
    expect(text).toContain('at the next start')
    expect(text).not.toMatch(/refresh/i)
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
