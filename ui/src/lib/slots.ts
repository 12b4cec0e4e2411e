// Row recycling for the virtualised accounts table. Each rendered row is a slot (a DOM row and
// its component); the table is keyed by slot, not by account. A row still in view keeps its slot,
// so it is not touched; a row coming into view takes over a slot a row going out of view left.
// Re-using a slot changes its text and attributes, which is several times cheaper than building a
// row (its checkbox and buttons) afresh: a sort or a search replaces every row in view at once.
// Slots left free are handed out in the order they had on screen, so a sort moves no DOM rows.

export class SlotPool {
  /** Each key in view now, with its slot. */
  #slotOf = new Map<string, number>()
  /** The slots in on-screen order, as last assigned. */
  #order: number[] = []
  #fresh = 0

  /** One slot per key, in the same order; no two keys share one. */
  assign(keys: readonly string[]): number[] {
    const slotOf = new Map<string, number>()
    const taken = new Set<number>()
    for (const k of keys) {
      const s = this.#slotOf.get(k)
      if (s !== undefined && !slotOf.has(k)) {
        slotOf.set(k, s)
        taken.add(s)
      }
    }
    const free = this.#order.filter((s) => !taken.has(s))
    let f = 0
    const out: number[] = new Array(keys.length)
    for (let n = 0; n < keys.length; n++) {
      const k = keys[n]
      let s = slotOf.get(k)
      // A key listed twice (it should not be) gets a slot of its own the second time.
      if (s === undefined || out.indexOf(s) !== -1) {
        s = f < free.length ? free[f++] : this.#fresh++
        if (!slotOf.has(k)) slotOf.set(k, s)
      }
      out[n] = s
    }
    this.#slotOf = slotOf
    this.#order = out
    return out
  }
}
