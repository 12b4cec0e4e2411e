// Words for how one item of a bulk job ended: what Subdesk verified and the one thing to do next.
// Core sends a code and a sentence per item; this picks the words by code, never by the text.
import type { ErrorCode } from './bindings/ErrorCode'
import type { ItemResult } from './bindings/ItemResult'

/** Codes where the provider (or Subdesk, before sending) refused: the account was not changed. */
const REFUSED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'auth',
  'forbidden',
  'not_found',
  'invalid_transition',
  'parent_account',
  'already_closed',
  'parent_suspended',
  'suspended_by_provider',
  'provider',
  'refused',
  'not_applied',
  'api_key_refused',
  'api_key_cannot_reach_subaccount',
  'subaccount_credentials',
  'validation',
  'busy',
  'confirmation_mismatch',
  'preview_required',
  'missing_secret',
  'keychain',
  'cancelled',
])

/** The temporary problem behind a retryable failure, in a few words. */
function temporaryProblem(code: ErrorCode, provider: string): string {
  switch (code) {
    case 'network':
      return `Subdesk could not reach ${provider}`
    case 'rate_limited':
      return `${provider} was receiving too many requests`
    case 'timeout':
      return `${provider} did not answer in time`
    default:
      return `${provider} had a temporary problem`
  }
}

/**
 * Core's sentence without its "refresh the list" advice: in a job summary the rule is what
 * matters, and the job already read the account again before it skipped it.
 */
export function withoutRefreshAdvice(message: string): string {
  const sentences = message.split(/(?<=[.!?])\s+/)
  const kept = sentences
    .filter((s) => !/^refresh\b/i.test(s.trim()))
    .map((s) => s.replace(/\s*[:;,]\s*(then\s+)?refresh\b[^.]*\./i, '.'))
  return kept.join(' ').trim()
}

/** Outcomes that say Subdesk sent the change but could not confirm it: never sent again. */
export const isNotConfirmed = (r: ItemResult): boolean =>
  r.outcome === 'unknown' || r.outcome === 'pending' || r.error?.code === 'outcome_unknown'

/**
 * One line for a failed, not confirmed or skipped item of a job. `provider` is the provider's
 * name. "Not changed" is said only where Subdesk knows it: core refused or sent nothing, or the
 * item failed (core reports a failure only when nothing changed).
 */
export function explainResult(r: ItemResult, provider = 'The provider'): string {
  if (isNotConfirmed(r)) {
    return (
      `Not confirmed: Subdesk sent the change but could not confirm whether ${provider} made it, and did not send it again. ` +
      'Nothing more is sent to this account until it is settled: use Check now on its row.'
    )
  }
  // An earlier action on the account has no known outcome: core's sentence says which.
  if (r.error?.code === 'in_doubt') {
    return r.outcome === 'skipped' ? `Skipped: ${r.error.message}` : `Not sent: ${r.error.message}`
  }
  if (r.outcome === 'skipped') {
    const rule = r.error ? withoutRefreshAdvice(r.error.message) : ''
    return rule ? `Skipped: ${rule}` : 'Skipped: nothing was sent for this account.'
  }
  if (r.outcome === 'not_started') return 'Not started: the job was cancelled before it reached this account.'
  if (r.outcome === 'succeeded') return 'Done.'
  if (!r.error) return 'Not changed.'
  if (r.error.retryable) return `Not changed: ${temporaryProblem(r.error.code, provider)}. Retry?`
  if (REFUSED.has(r.error.code)) return `Not changed: ${withoutRefreshAdvice(r.error.message)}`
  return r.error.message
}
