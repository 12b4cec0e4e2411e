import { render, screen } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import AccountList from './AccountList.svelte'

const rect = (top: number, bottom: number) => new DOMRect(0, top, 400, bottom - top)

/**
 * jsdom does no layout nor component CSS: give the list the geometry 40 accounts in 12rem
 * have in the app (a 200 px box whose content runs to 1,200 px), for axe to measure.
 */
function overflowing(el: HTMLElement) {
  el.style.overflowY = 'auto'
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => 1200 })
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => 200 })
  el.getBoundingClientRect = () => rect(0, 200)
  for (const child of el.querySelectorAll<HTMLElement>('*')) child.getBoundingClientRect = () => rect(0, 1200)
  Range.prototype.getClientRects = function () {
    return [rect(0, 1200)] as unknown as DOMRectList
  }
}

async function scrollableRegionViolations(root: HTMLElement) {
  const result = await axe.run(root, { runOnly: { type: 'rule', values: ['scrollable-region-focusable'] } })
  return { violations: result.violations, checked: result.passes.length + result.violations.length }
}

describe('Account list', () => {
  it('is a labelled, focusable region, so axe finds the scrollable list keyboard-reachable', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, name: `Tenant ${i}`, id: `AC${i}` }))
    const { container } = render(AccountList, { props: { label: 'Accounts that will be closed', testid: 'bulk-runnable', items } })
    const region = screen.getByRole('region', { name: 'Accounts that will be closed' })
    overflowing(region)
    expect(region).toHaveAttribute('tabindex', '0')
    const { violations, checked } = await scrollableRegionViolations(container)
    expect(checked).toBeGreaterThan(0)
    expect(violations).toEqual([])

    // The same list without tabindex is what axe's rule exists to catch.
    region.removeAttribute('tabindex')
    expect((await scrollableRegionViolations(container)).violations.map((v) => v.id)).toEqual(['scrollable-region-focusable'])
  })
})
