import { describe, expect, it } from 'vitest'
import { buildHistoryFilter, emptyHistoryForm } from './historyFilter'

describe('history filter', () => {
  it('leaves out empty fields', () => {
    expect(buildHistoryFilter(emptyHistoryForm())).toEqual({})
    expect(buildHistoryFilter({ ...emptyHistoryForm(), text: '   ' })).toEqual({})
  })

  it('maps every field, with "to" exclusive at the start of the next local day', () => {
    const f = buildHistoryFilter({
      from: '2024-03-10',
      to: '2024-03-12',
      connectionId: 'c1',
      provider: 'vobiz',
      action: 'delete',
      outcome: 'failed',
      text: '  Harbor ',
    })
    expect(f).toEqual({
      from: new Date(2024, 2, 10).toISOString(),
      to: new Date(2024, 2, 13).toISOString(),
      connectionId: 'c1',
      provider: 'vobiz',
      action: 'delete',
      outcome: 'failed',
      text: 'Harbor',
    })
  })
})

describe('statusChange', () => {
  it('says "unchanged" or "not known" instead of "unknown → unknown"', async () => {
    const { statusChange } = await import('./format')
    expect(statusChange('active', 'suspended')).toBe('active → suspended')
    expect(statusChange('active', 'active')).toBe('unchanged (active)')
    expect(statusChange('unknown', 'unknown')).toBe('not known')
    expect(statusChange(null, null)).toBe('not known')
    expect(statusChange('active', null)).toBe('active → not known')
  })
})
