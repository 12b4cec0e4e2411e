// The Spend and Balance columns: words for a figure, a numeric key to sort and filter by, the
// "spent over 100" queries of the search box, and totals per currency for a bulk preview. Pure
// functions: amounts stay decimal strings, totals are added exactly in one currency at a time.
import type { Balance } from './bindings/Balance'
import type { Figures } from './bindings/Figures'
import type { Money } from './bindings/Money'

export type FigureKey = 'spend' | 'balance'

/** "12.50 USD"; the amount as the provider wrote it (never rounded). */
export function moneyText(m: { amount: string; currency: string | null } | null | undefined): string {
  if (!m) return ''
  return m.currency ? `${m.amount} ${m.currency}` : m.amount
}

/** The amount a column sorts and filters by; null when there is none (a note instead). */
export function figureValue(f: Figures | undefined, key: FigureKey): number | null {
  const amount = key === 'spend' ? f?.spend30Days?.amount : f?.balance?.amount
  if (amount === undefined) return null
  const n = Number(amount)
  return Number.isFinite(n) ? n : null
}

/**
 * The cell's words: the amount, else a short word (the note, which says why, goes beside it),
 * else nothing (not read yet). `failed`: the read did not go through.
 */
export function figureText(f: Figures | undefined, key: FigureKey): { text: string; note: string | null; failed: boolean } {
  if (!f) return { text: '', note: null, failed: false }
  const money = key === 'spend' ? f.spend30Days : f.balance
  if (money) return { text: moneyText(money), note: key === 'balance' && f.balance ? balanceDetail(f.balance) : null, failed: false }
  const note = key === 'spend' ? f.spendNote : f.balanceNote
  const failed = note !== null && note.startsWith('Could not')
  return { text: failed ? 'Could not read' : 'Not reported', note, failed }
}

/** "Credit limit 100.00 · available 112.50", where reported. */
export function balanceDetail(b: Balance): string | null {
  const parts: string[] = []
  if (b.creditLimit) parts.push(`Credit limit ${b.creditLimit}`)
  if (b.available) parts.push(`available ${b.available}`)
  return parts.length > 0 ? parts.join(' · ') : null
}

/** "as of 14:02" (local time): when the figure was read. */
export function asOf(f: Figures | undefined): string {
  if (!f) return ''
  const d = new Date(f.readAt)
  if (Number.isNaN(d.getTime())) return ''
  return `as of ${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false })}`
}

export type FigureQuery = { key: FigureKey; op: 'over' | 'under'; value: number }

const WORDS = /^(spent|spend|spending|balance)\s*(over|above|more than|>|under|below|less than|<)\s*(-?\d+(?:\.\d+)?)$/i

/**
 * A search that asks about figures: "spent over 100", "spend > 100", "balance under 0". Null for
 * any other search (which then matches names and ids).
 */
export function parseFigureQuery(search: string): FigureQuery | null {
  const m = WORDS.exec(search.trim().replace(/\s+/g, ' '))
  if (!m) return null
  const key: FigureKey = m[1].toLowerCase() === 'balance' ? 'balance' : 'spend'
  const op = ['over', 'above', 'more than', '>'].includes(m[2].toLowerCase()) ? 'over' : 'under'
  return { key, op, value: Number(m[3]) }
}

/** Whether an account's figures satisfy the query; an account without the figure never does. */
export function matchesFigure(f: Figures | undefined, q: FigureQuery): boolean {
  const v = figureValue(f, q.key)
  if (v === null) return false
  return q.op === 'over' ? v > q.value : v < q.value
}

// ------------------------------------------------------------------- exact totals per currency

const SCALE = 9

function units(amount: string): bigint | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(amount.trim())
  if (!m || (m[2] === '' && (m[3] ?? '') === '') || (m[3] ?? '').length > SCALE) return null
  const whole = BigInt(m[2] || '0')
  const frac = BigInt((m[3] ?? '').padEnd(SCALE, '0') || '0')
  const v = whole * 10n ** BigInt(SCALE) + frac
  return m[1] === '-' ? -v : v
}

function decimal(v: bigint, digits: number): string {
  const neg = v < 0n
  const abs = neg ? -v : v
  const scale = 10n ** BigInt(SCALE)
  const frac = (abs % scale).toString().padStart(SCALE, '0')
  const keep = Math.max(digits, frac.replace(/0+$/, '').length)
  return `${neg ? '-' : ''}${abs / scale}.${frac.slice(0, keep)}`
}

export type Total = { currency: string | null; amount: string; accounts: number }

/**
 * The sum of each currency's amounts, never across currencies: one total per currency, in the
 * order first met. Amounts that are not plain decimals are left out (counted in `unreadable`).
 */
export function totalsByCurrency(amounts: readonly (Money | Balance | null | undefined)[]): { totals: Total[]; unreadable: number } {
  const sums = new Map<string | null, { v: bigint; digits: number; n: number }>()
  let unreadable = 0
  for (const m of amounts) {
    if (!m) continue
    const v = units(m.amount)
    if (v === null) {
      unreadable++
      continue
    }
    const digits = Math.max(2, m.amount.split('.')[1]?.length ?? 0)
    const s = sums.get(m.currency) ?? { v: 0n, digits: 2, n: 0 }
    sums.set(m.currency, { v: s.v + v, digits: Math.max(s.digits, digits), n: s.n + 1 })
  }
  return {
    totals: [...sums].map(([currency, s]) => ({ currency, amount: decimal(s.v, s.digits), accounts: s.n })),
    unreadable,
  }
}
