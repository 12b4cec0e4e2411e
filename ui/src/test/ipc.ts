// Test helpers over `mockIPC`: record calls, answer per command, reject like the back end does.
import { mockIPC } from '@tauri-apps/api/mocks'
import type { ListEvent } from '../lib/bindings/ListEvent'
import type { UiError } from '../lib/bindings/UiError'
import { FakeBackend, type FakeOptions } from '../mock/backend'
import { sendToChannel } from '../mock/channel'

export type Handler = (args: Record<string, unknown>) => unknown

/** Installs a handler map; an unknown command fails the test loudly. Returns the call log. */
export function mockCommands(handlers: Record<string, Handler>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = []
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>
    calls.push({ cmd, args: a })
    const h = handlers[cmd]
    if (!h) throw new Error(`unexpected command ${cmd}`)
    return h(a)
  })
  return calls
}

/** What a Rust command's `Err(UiError)` looks like to `invoke`. */
export const uiError = (code: UiError['code'], message: string, retryable = false, field?: string): UiError => ({
  code,
  message,
  retryable,
  ...(field ? { field } : {}),
})

export function fakeBackend(o: FakeOptions = {}): FakeBackend {
  const backend = new FakeBackend(o)
  mockIPC(backend.handle)
  return backend
}

/** A promise plus its resolvers, to hold a command open while the test looks at the UI. */
export function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/**
 * list_accounts held open: the test streams events with `send` and ends the listing with `end`
 * (the command's reply, null as older mocks give).
 */
export function heldListing() {
  const held = deferred<null>()
  let channel: unknown
  mockCommands({
    list_accounts: ({ onEvent }) => {
      channel = onEvent
      return held.promise
    },
  })
  return {
    get started() {
      return channel !== undefined
    },
    send: (event: ListEvent) => sendToChannel<ListEvent>(channel, event),
    end: () => held.resolve(null),
  }
}
