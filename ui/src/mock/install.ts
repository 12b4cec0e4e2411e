// `npm run dev:mock`: the UI in a plain browser against the in-memory back end, with enough
// accounts and latency to see streaming, virtualisation and job progress.
import { mockIPC } from '@tauri-apps/api/mocks'
import { FakeBackend } from './backend'

export function installMockBackend(): FakeBackend {
  const params = new URLSearchParams(location.search)
  const backend = new FakeBackend({
    demo: params.get('empty') === null,
    perConnection: Number(params.get('accounts') ?? 5000),
    pageSize: 200,
    latencyMs: Number(params.get('latency') ?? 30),
  })
  mockIPC(backend.handle)
  ;(window as unknown as { __fake: FakeBackend }).__fake = backend
  return backend
}
