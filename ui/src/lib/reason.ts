// The reason or ticket reference given with an action ("non-payment #4711"). Core checks it
// whatever the window sends (crates/core/src/attribution.rs); the dialogs check the same rule
// first so the user sees the problem at the field, before anything is sent.

import fixtures from './bindings/fixtures.json'

/** The longest reason core keeps, in characters (`MAX_REASON` in core, written into the
 * generated `bindings/fixtures.json` by ./scripts/bindings). */
export const MAX_REASON: number = fixtures.limits.maxReason
/** The longest operator display name core keeps (`MAX_DISPLAY_NAME` in core). */
export const MAX_DISPLAY_NAME: number = fixtures.limits.maxDisplayName

/** As core keeps it: line breaks, tabs and control characters become one space; trimmed. */
export function oneLine(text: string): string {
  return text.split(/[\s\u0000-\u001f\u007f-\u009f]+/u).filter((p) => p !== '').join(' ')
}

/** What to send: `null` when the field is empty. */
export function reasonToSend(text: string): string | null {
  const kept = oneLine(text)
  return kept === '' ? null : kept
}

/** Why the reason cannot be kept, in core's words, or `null` when it can. */
export function reasonProblem(text: string): string | null {
  return [...oneLine(text)].length > MAX_REASON
    ? `The reason is too long: shorten it to ${MAX_REASON} characters or fewer (a ticket number is enough), then try again. Nothing was changed.`
    : null
}
