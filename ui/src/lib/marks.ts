// Named moments on the page's performance timeline (performance.mark), read by the UI benchmark
// (scripts/bench-ui) through WebDriver: e.g. when the accounts table first showed rows, which
// happens before a WebDriver session can watch for it. Costs nothing otherwise.

const marked = new Set<string>()

/** Marks `name` once, at the first task after the browser has painted what the DOM holds now. */
export function markPaintedOnce(name: string) {
  if (marked.has(name)) return
  marked.add(name)
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0))
}
