// The Accounts table at 10,000 rows: ingesting a listing of 10 pages of 1,000, a keystroke in the
// search box, a sort toggle. Run with `npm run bench` (vitest bench); `npm test` does not run it.
//
// "old" is the path before RowIndex: each page flush copies the rows and the table filters and
// re-sorts all of them (queryRows). "new" is the real AccountsStore + TableState. "raw" is only
// parsing the pages' JSON, as the IPC channel does: Refresh's cost should stay close to it.
import { bench, describe, vi } from 'vitest'
import type { AccountRow } from '../src/lib/bindings/AccountRow'
import type { ListEvent } from '../src/lib/bindings/ListEvent'
import type { Status } from '../src/lib/bindings/Status'
import { emptyFilter, queryRows, withoutEnded, type RowFilter, type Sort } from '../src/lib/accountsQuery'

const N = 10_000
const PAGE = 1_000
const RUNS = 9

const WORDS = ['Acme', 'Bluebird', 'Cedar', 'Delta', 'Evergreen', 'Fox', 'Granite', 'Harbor', 'Kite', 'Lumen', 'Maple', 'Nova', 'Orchid', 'Pine']
const STATUSES: Status[] = ['active', 'active', 'active', 'suspended', 'closed']
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len)

function syntheticRows(): AccountRow[] {
  return Array.from({ length: N }, (_, i) => {
    const status = STATUSES[i % STATUSES.length]
    const h = Math.imul(i + 1, 2654435761) >>> 0
    return {
      connectionId: 'conn-twilio',
      connectionLabel: 'Twilio (prod)',
      provider: 'twilio',
      id: `AC${hex(h, 8)}${hex(i, 24)}`,
      name: `${WORDS[h % WORDS.length]} ${WORDS[(h >>> 8) % WORDS.length]} ${(h >>> 16) % 5000}`,
      status,
      providerStatus: status,
      created: i % 50 === 0 ? null : new Date(Date.UTC(2015, 0, 1) + (h % 3650) * 86_400_000).toISOString(),
      allowedActions: status === 'active' ? ['suspend', 'close'] : status === 'suspended' ? ['reactivate', 'close'] : [],
      demo: false,
      recorded: null,
    }
  })
}

const ROWS = syntheticRows()
/** The pages as the channel delivers them: JSON text, parsed on arrival. */
const PAGES_JSON = Array.from({ length: N / PAGE }, (_, p) =>
  JSON.stringify({ kind: 'page', connectionId: 'conn-twilio', rows: ROWS.slice(p * PAGE, (p + 1) * PAGE) }),
)

// The store lists through api.listAccounts: hand it the pages, flushing after each one and letting
// the table recompute, as a page flush does in the app.
let afterPage: () => void = () => {}
vi.mock('../src/lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/lib/api')>()),
  listAccounts: async (onEvent: (e: ListEvent) => void) => {
    for (const json of PAGES_JSON) {
      onEvent(JSON.parse(json) as ListEvent)
      afterPage()
    }
    onEvent({ kind: 'done', connectionId: 'conn-twilio', total: N })
  },
}))
const { AccountsStore } = await import('../src/lib/stores/accounts.svelte')
const { TableState } = await import('../src/lib/stores/table.svelte')

// --- the three ingest paths -------------------------------------------------------------------

function ingestRaw(): number {
  let n = 0
  for (const json of PAGES_JSON) n += (JSON.parse(json) as { rows: AccountRow[] }).rows.length
  return n
}

const SORT: Sort = { key: 'name', dir: 'asc' }
const key = (r: AccountRow) => `${r.connectionId}\u0000${r.id}`

/** Before: each flush copies the rows, and the table filters and sorts all of them again. */
function ingestOld(): AccountRow[] {
  let rows: AccountRow[] = []
  const index = new Map<string, number>()
  let visible: AccountRow[] = []
  for (const json of PAGES_JSON) {
    const page = (JSON.parse(json) as { rows: AccountRow[] }).rows
    const next = rows.slice()
    for (const r of page) {
      const at = index.get(key(r))
      if (at === undefined) {
        index.set(key(r), next.length)
        next.push(r)
      } else next[at] = r
    }
    rows = next
    visible = queryRows(withoutEnded(rows, () => false), emptyFilter(), SORT)
  }
  return visible
}

async function ingestNew(into?: { store: InstanceType<typeof AccountsStore>; table: InstanceType<typeof TableState> }) {
  const store = into?.store ?? new AccountsStore()
  const table = into?.table ?? new TableState(store)
  afterPage = () => {
    store.flush()
    void table.visible.length
  }
  await store.refresh()
  void table.visible.length
  return { store, table }
}

// --- timing -----------------------------------------------------------------------------------

async function median(run: () => unknown, before: () => unknown = () => {}): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    await before()
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[RUNS >> 1]
}

const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`

async function report() {
  // Heap held per row by a listed store and table, rows included (only with --expose-gc).
  let perRow = ''
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) {
    gc()
    const before = process.memoryUsage().heapUsed
    const kept = await ingestNew()
    await new Promise((r) => setTimeout(r, 600))
    void kept.table.visible.length
    afterPage = () => {}
    gc()
    const held = process.memoryUsage().heapUsed - before
    perRow = `heap per row (store + table, rows included, other columns warmed): ${(held / N).toFixed(0)} bytes; JSON per row ${(PAGES_JSON.join('').length / N).toFixed(0)} bytes`
    void kept.store.rows.length
  }
  // Warm both paths up so the first timed run is not paying for compilation.
  for (let i = 0; i < 3; i++) {
    ingestRaw()
    ingestOld()
    await ingestNew()
  }
  const raw = await median(ingestRaw)
  const oldIngest = await median(ingestOld)
  const newIngest = await median(() => ingestNew())
  // Refresh with the table already showing the listing: the ranks of names, ids... are known.
  const listed = await ingestNew()
  const newRefresh = await median(() => ingestNew(listed))

  // A keystroke: the search changes on the sorted 10,000 rows.
  const { table } = await ingestNew()
  const searches = ['ac', 'acm', 'acme', 'acme b', 'a', 'ced', 'ce', 'pine 4', 'n']
  let s = 0
  const newKey = await median(() => {
    table.filter.search = searches[s++ % searches.length]
    return table.visible.length
  })
  table.filter.search = ''
  void table.visible.length
  const oldRows = ROWS.filter(() => true)
  let o = 0
  const oldKey = await median(() => {
    const f: RowFilter = { ...emptyFilter(), search: searches[o++ % searches.length] }
    return queryRows(withoutEnded(oldRows, () => false), f, SORT).length
  })

  // A sort toggle: the same column again (direction), and another column.
  const newDir = await median(() => {
    table.sortBy('name')
    return table.visible.length
  })
  const cols = ['created', 'status', 'id', 'name'] as const
  let c = 0
  const newCol = await median(() => {
    table.sortBy(cols[c++ % cols.length])
    return table.visible.length
  })
  let d = 0
  const oldDir = await median(() =>
    queryRows(withoutEnded(oldRows, () => false), emptyFilter(), { key: 'name', dir: d++ % 2 ? 'asc' : 'desc' }).length,
  )
  let e = 0
  const oldCol = await median(
    () => queryRows(withoutEnded(oldRows, () => false), emptyFilter(), { key: cols[e++ % cols.length], dir: 'asc' }).length,
  )

  // The first sort by a column of a fresh listing: its values (and for status, the ids that break
  // its ties) are ranked then, once; later toggles reuse the ranks (the figures above).
  // The table ranks them in the background once a listing is in ("warmed": after that pause).
  const firstCol: Record<string, number> = {}
  const warmCol: Record<string, number> = {}
  for (const col of ['created', 'status', 'id'] as const) {
    for (const warmed of [false, true]) {
      let fresh: Awaited<ReturnType<typeof ingestNew>>
      const ms = await median(
        () => {
          fresh.table.sortBy(col)
          return fresh.table.visible.length
        },
        async () => {
          fresh = await ingestNew()
          if (warmed) await new Promise((r) => setTimeout(r, 600))
        },
      )
      ;(warmed ? warmCol : firstCol)[col] = ms
    }
  }
  const oldFirst = (col: 'created' | 'status' | 'id') =>
    median(() => queryRows(withoutEnded(oldRows, () => false), emptyFilter(), { key: col, dir: 'asc' }).length)
  const oldFirstCol = { created: await oldFirst('created'), status: await oldFirst('status'), id: await oldFirst('id') }


  console.log(
    [
      `Accounts table, ${N.toLocaleString('en')} rows, median of ${RUNS} runs`,
      `ingest 10 pages of 1,000   raw JSON only ${fmt(raw)}`,
      `                           old           ${fmt(oldIngest)}  (${(oldIngest / raw).toFixed(2)}x raw)`,
      `                           new           ${fmt(newIngest)}  (${(newIngest / raw).toFixed(2)}x raw)  first listing`,
      `                           new           ${fmt(newRefresh)}  (${(newRefresh / raw).toFixed(2)}x raw)  Refresh of a listed table`,
      `keystroke (search)         old ${fmt(oldKey)}   new ${fmt(newKey)}`,
      `sort toggle (direction)    old ${fmt(oldDir)}   new ${fmt(newDir)}`,
      `sort toggle (other column) old ${fmt(oldCol)}   new ${fmt(newCol)}`,
      ...(['created', 'status', 'id'] as const).map(
        (col) =>
          `first sort by ${col.padEnd(8)}      old ${fmt(oldFirstCol[col])}   new ${fmt(firstCol[col])}   new, warmed ${fmt(warmCol[col])}`,
      ),
      perRow,
    ].join('\n'),
  )
}

await report()

// The same operations for vitest's own statistics.
describe('accounts table, 10,000 rows', async () => {
  const { table } = await ingestNew()
  bench('ingest: old', () => void ingestOld(), { iterations: 5, time: 0 })
  bench('ingest: new', async () => void (await ingestNew()), { iterations: 5, time: 0 })
  let k = 0
  bench('keystroke: new', () => {
    table.filter.search = k++ % 2 ? 'acm' : 'ac'
    void table.visible.length
  }, { iterations: 20, time: 0 })
  bench('sort toggle: new', () => {
    table.sortBy(k++ % 2 ? 'name' : 'created')
    void table.visible.length
  }, { iterations: 20, time: 0 })
})
