import { describe, expect, it } from 'vitest'
import type { Figures } from './bindings/Figures'
import { figureText, figureValue, matchesFigure, parseFigureQuery, totalsByCurrency } from './figures'

const spent = (amount: string, currency = 'USD'): Figures => ({
  spend30Days: { amount, currency },
  spendThisMonth: null,
  spendNote: null,
  balance: null,
  balanceNote: "Shares the parent account's balance.",
  readAt: '2026-12-03T14:02:00Z',
})

describe('figures', () => {
  it('reads "spent over 100" and its other wordings, and nothing else', () => {
    expect(parseFigureQuery('spent over 100')).toEqual({ key: 'spend', op: 'over', value: 100 })
    expect(parseFigureQuery('  Spend  >  99.5 ')).toEqual({ key: 'spend', op: 'over', value: 99.5 })
    expect(parseFigureQuery('balance under 0')).toEqual({ key: 'balance', op: 'under', value: 0 })
    expect(parseFigureQuery('balance below -10')).toEqual({ key: 'balance', op: 'under', value: -10 })
    expect(parseFigureQuery('spent')).toBeNull()
    expect(parseFigureQuery('Acme Dental')).toBeNull()
  })

  it('matches only accounts whose figure was read and passes', () => {
    const q = parseFigureQuery('spent over 100')!
    expect(matchesFigure(spent('100.01'), q)).toBe(true)
    expect(matchesFigure(spent('100.00'), q)).toBe(false)
    expect(matchesFigure(undefined, q)).toBe(false)
    expect(matchesFigure({ ...spent('1'), spend30Days: null, spendNote: 'Plivo does not report spend' }, q)).toBe(false)
    expect(figureValue(spent('-3.5'), 'spend')).toBe(-3.5)
  })

  it('says why a figure is missing, and tells a failed read apart', () => {
    expect(figureText(spent('12.50'), 'spend')).toEqual({ text: '12.50 USD', note: null, failed: false })
    expect(figureText(spent('1'), 'balance')).toEqual({ text: 'Not reported', note: "Shares the parent account's balance.", failed: false })
    const failed = { ...spent('1'), spend30Days: null, spendNote: 'Could not read the spend: Twilio had a temporary problem.' }
    expect(figureText(failed, 'spend').failed).toBe(true)
    expect(figureText(failed, 'spend').text).toBe('Could not read')
  })

  it('totals each currency exactly and never adds two currencies', () => {
    const { totals, unreadable } = totalsByCurrency([
      { amount: '0.1', currency: 'USD' },
      { amount: '0.2', currency: 'USD' },
      { amount: '10.005', currency: 'EUR' },
      null,
      { amount: '-1.25', currency: 'EUR' },
      { amount: '1e3', currency: 'USD' },
    ])
    expect(totals).toEqual([
      { currency: 'USD', amount: '0.30', accounts: 2 },
      { currency: 'EUR', amount: '8.755', accounts: 2 },
    ])
    expect(unreadable).toBe(1)
  })
})
