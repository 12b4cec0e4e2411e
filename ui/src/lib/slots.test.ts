import { describe, expect, it } from 'vitest'
import { SlotPool } from './slots'

const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `k${from + i}`)

describe('SlotPool', () => {
  it('gives every key its own slot', () => {
    const slots = new SlotPool().assign(keys(0, 20))
    expect(new Set(slots).size).toBe(20)
  })

  it('keeps the slot of a row that stays in view, and re-uses the slots of rows that left', () => {
    const pool = new SlotPool()
    const first = pool.assign(keys(0, 10))
    // Scrolled by three rows: k3..k9 keep their slots, k10..k12 take those of k0..k2, in order.
    const next = pool.assign(keys(3, 13))
    expect(next.slice(0, 7)).toEqual(first.slice(3, 10))
    expect(next.slice(7)).toEqual(first.slice(0, 3))
    expect(new Set(next).size).toBe(10)
  })

  it('hands a whole new window the slots in their on-screen order (a sort moves no row)', () => {
    const pool = new SlotPool()
    const first = pool.assign(keys(0, 10))
    expect(pool.assign(keys(100, 110))).toEqual(first)
  })

  it('keeps a row that moved within the window in its slot', () => {
    const pool = new SlotPool()
    const first = pool.assign(['a', 'b', 'c'])
    const next = pool.assign(['c', 'x', 'a'])
    expect(next[0]).toBe(first[2])
    expect(next[2]).toBe(first[0])
    expect(next[1]).toBe(first[1])
  })

  it('makes new slots only when the window grows', () => {
    const pool = new SlotPool()
    pool.assign(keys(0, 5))
    const grown = pool.assign(keys(10, 18))
    expect(new Set(grown).size).toBe(8)
    expect(Math.max(...grown)).toBe(7)
    const shrunk = pool.assign(keys(20, 22))
    expect(shrunk.every((s) => s <= 7)).toBe(true)
  })

  it('never gives one slot twice, even for a key listed twice', () => {
    const slots = new SlotPool().assign(['a', 'a', 'b'])
    expect(new Set(slots).size).toBe(3)
  })
})
