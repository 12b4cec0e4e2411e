// The questions an action asks (from core's catalog), gathered over the providers a bulk action
// spans, and the answers as sent to core. No rule of its own: the catalog says what is asked.
import type { AccountRow } from './bindings/AccountRow'
import type { Action } from './bindings/Action'
import type { ActionChoice } from './bindings/ActionChoice'
import { actionInfo, providerName } from './catalog.svelte'

export type AskedChoice = ActionChoice & { concerns: string[] }

/** Each distinct question once, naming the providers (of these rows) it concerns. */
export function questionsFor(rows: readonly AccountRow[], action: Action): AskedChoice[] {
  const byKey = new Map<string, AskedChoice>()
  for (const p of new Set(rows.map((r) => r.provider))) {
    for (const q of actionInfo(p, action)?.choices ?? []) {
      const asked = byKey.get(q.key) ?? { ...q, concerns: [] }
      asked.concerns.push(providerName(p))
      byKey.set(q.key, asked)
    }
  }
  return [...byKey.values()]
}

/** Every question's answer, the default where the user did not pick one. */
export function answersOf(questions: readonly ActionChoice[], answers: Record<string, boolean>): Record<string, boolean> {
  return Object.fromEntries(questions.map((q) => [q.key, answers[q.key] ?? q.default]))
}

/** What the answers add to the impact, in the catalog's words. */
export function answeredConsequences(
  questions: readonly (ActionChoice & { concerns?: string[] })[],
  answers: Record<string, boolean>,
): string[] {
  return questions.map((q) => {
    const said = (answers[q.key] ?? q.default) ? q.yes : q.no
    return q.concerns && q.concerns.length > 0 ? `${q.concerns.join(', ')}: ${said}` : said
  })
}

/** Whether the Close's move of the numbers to the parent account is asked and ticked. */
export function movesNumbers(questions: readonly ActionChoice[], answers: Record<string, boolean>): boolean {
  const q = questions.find((q) => q.key === MOVE_NUMBERS)
  return q !== undefined && (answers[q.key] ?? q.default)
}

/** The impact as it is true for the answers. With the numbers' move ticked, core's sentences
 * for it (`ifMoved`: the numbers go to the parent, the close releases none and is not sent if
 * one stays) replace the ones that say the numbers are released. Core's two lists already say
 * what the move's answer does, so its catalog sentence is not added again; every other
 * answer's sentence follows. Without `ifMoved` (no provider offers the move), the answers'
 * sentences follow the impact as they are. */
export function impactSentences(
  consequences: readonly string[],
  ifMoved: readonly string[] | null | undefined,
  questions: readonly (ActionChoice & { concerns?: string[] })[],
  answers: Record<string, boolean>,
): string[] {
  if (!ifMoved) return [...consequences, ...answeredConsequences(questions, answers)]
  const base = movesNumbers(questions, answers) ? ifMoved : consequences
  const others = questions.filter((q) => q.key !== MOVE_NUMBERS)
  return [...base, ...answeredConsequences(others, answers)]
}

/** The Close question that moves the account's phone numbers to the parent first (core's
 * `MOVE_NUMBERS`): shown as a checkbox, with how many numbers it moves. */
export const MOVE_NUMBERS = 'move_numbers'

/** "Move its 3 phone numbers to the parent account first": the catalog's words with the count
 * the preview read (`null`: not counted, the words stay as they are). */
export function questionWithCount(question: string, numbers: number | null | undefined): string {
  if (numbers === null || numbers === undefined) return question
  if (numbers === 1) return question.replace('its phone numbers', 'its phone number')
  return question.replace('its phone numbers', `its ${numbers.toLocaleString()} phone numbers`)
}
