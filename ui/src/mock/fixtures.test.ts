import { describe, expect, it } from 'vitest'
import { allowedActions, catalog } from '../lib/catalog.svelte'
import fixtures from '../lib/bindings/fixtures.json'
import type { Connection } from '../lib/bindings/Connection'
import type { Status } from '../lib/bindings/Status'
import { FakeBackend, makeRow } from './backend'

// What `export_bindings_fixtures` (src-tauri/src/ipc_check.rs) recorded from the real core and
// simulator: the mock replays it, so it must hold every provider the catalog lists.
type Recorded = Record<string, { row: { status: Status; allowedActions: string[]; providerStatus: string }; previews: Record<string, { impact: { consequences: string[] } }>; detail?: unknown }>
const providers = fixtures.providers as unknown as Record<string, Recorded>

const connection = (provider: string): Connection => ({
  id: `conn-${provider}`,
  provider: provider as Connection['provider'],
  label: `Test ${provider}`,
  accountId: 'PARENT',
  baseUrl: 'http://127.0.0.1:1',
  parentName: null,
  demo: false,
  options: {},
})

describe('the mock replays what core recorded', () => {
  it('holds rows, previews and a detail of every provider in the catalog', () => {
    const ids = catalog.providers.map((p) => p.id).sort()
    expect(ids).toHaveLength(5)
    expect(Object.keys(providers).sort()).toEqual(ids)
    for (const id of ids) {
      const states = Object.values(providers[id])
      expect(states.some((s) => s.detail), `${id}: a detail`).toBe(true)
      for (const s of states) {
        // Core's row offers what the catalog says that status offers, and every such action
        // has its recorded preview.
        expect(s.row.allowedActions, `${id} ${s.row.status}`).toEqual(allowedActions(id, s.row.status))
        for (const a of s.row.allowedActions) expect(s.previews[a], `${id} ${s.row.status} ${a}`).toBeTruthy()
      }
    }
  })

  it("answers each provider's preview with core's sentences, filled in for the mock's row", async () => {
    for (const [id, states] of Object.entries(providers)) {
      for (const s of Object.values(states)) {
        const c = connection(id)
        const backend = new FakeBackend({ demo: false, connections: [c], perConnection: 0 })
        const row = makeRow(c, 0, s.row.status)
        backend.rows = [row]
        expect(row.providerStatus).toBe(s.row.providerStatus)
        for (const action of row.allowedActions) {
          const p = (await backend.handle('preview_action', { connectionId: c.id, accountId: row.id, action })) as {
            impact: { consequences: string[] }
            row: { id: string }
          }
          expect(p.row.id).toBe(row.id)
          const want = s.previews[action].impact.consequences.map((x) => x.replaceAll('{name}', row.name).replaceAll('{id}', row.id))
          expect(p.impact.consequences, `${id} ${action}`).toEqual(want)
          expect(p.impact.consequences.join(' ')).not.toMatch(/\{(name|id|phrase)\}/)
        }
      }
    }
  })
})
