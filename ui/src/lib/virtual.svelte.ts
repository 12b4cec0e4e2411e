// A thin runes wrapper over @tanstack/virtual-core for fixed-height rows.
import { untrack } from 'svelte'
import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualItem,
} from '@tanstack/virtual-core'

export type RowVirtualizerOptions = {
  count: () => number
  getScrollElement: () => HTMLElement | null
  /** Every row's height; a function when it can change (compact rows in a short window). */
  rowHeight: number | (() => number)
  /** Space above the first row inside the scroller (a sticky header). */
  paddingStart?: number
  overscan?: number
}

export type RowWindow = {
  readonly items: VirtualItem[]
  /** Height of the spacer above the first rendered row. */
  readonly padTop: number
  /** Height of the spacer below the last rendered row. */
  readonly padBottom: number
  /** How far the scroller is scrolled, as last reported by its scroll events (reads no layout). */
  readonly scrollOffset: number
  scrollToIndex(index: number): void
}

/** Must be called during component initialisation (it registers effects). */
export function createRowVirtualizer(o: RowVirtualizerOptions): RowWindow {
  let version = $state(0)
  const paddingStart = o.paddingStart ?? 0
  const rowHeight = typeof o.rowHeight === 'function' ? o.rowHeight : () => o.rowHeight as number
  let height = untrack(rowHeight)
  const v = new Virtualizer<HTMLElement, HTMLElement>({
    count: o.count(),
    getScrollElement: o.getScrollElement,
    estimateSize: () => height,
    overscan: o.overscan ?? 8,
    paddingStart,
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    onChange: () => {
      version++
    },
  })

  $effect(() => untrack(() => v._didMount()))
  $effect(() => {
    // Tracked: the row count and the scroll element. The rest must not re-run this effect.
    const count = o.count()
    const h = rowHeight()
    o.getScrollElement()
    untrack(() => {
      v.setOptions({ ...v.options, count })
      if (h !== height) {
        // Every row's size was estimated at the old height: measured again at the new one.
        height = h
        v.measure()
      }
      v._willUpdate()
      version++
    })
  })

  const window = $derived.by(() => {
    void version
    const items = v.getVirtualItems()
    const total = v.getTotalSize()
    const first = items[0]
    const last = items.at(-1)
    return {
      items,
      padTop: first ? Math.max(0, first.start - paddingStart) : 0,
      padBottom: last ? Math.max(0, total - last.end) : 0,
    }
  })

  return {
    get items() {
      return window.items
    },
    get padTop() {
      return window.padTop
    },
    get padBottom() {
      return window.padBottom
    },
    get scrollOffset() {
      return v.scrollOffset ?? 0
    },
    scrollToIndex: (index) => v.scrollToIndex(index),
  }
}
