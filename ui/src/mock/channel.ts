// Drives a Tauri `Channel` the way the Rust side does, for tests and the browser-only mock mode.
//
// With `mockIPC`, `invoke` hands the handler the Channel object itself (only the real IPC
// serialises it to `__CHANNEL__:<id>`). The Channel registered its receiver with
// `__TAURI_INTERNALS__.transformCallback` under `channel.id`, and expects raw messages
// `{ index, message }` in order, then `{ index, end: true }`; `runCallback` delivers them.

type Internals = { runCallback: (id: number, data: unknown) => void }

const nextIndex = new Map<number, number>()

function internals(): Internals {
  return (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__
}

export function channelId(channel: unknown): number {
  const id = (channel as { id?: unknown } | null)?.id
  if (typeof id !== 'number') throw new Error('expected a Channel argument')
  return id
}

/** Sends one message, as `Channel::send` in Rust would. */
export function sendToChannel<T>(channel: unknown, message: T): void {
  const id = channelId(channel)
  const index = nextIndex.get(id) ?? 0
  nextIndex.set(id, index + 1)
  internals().runCallback(id, { index, message })
}

/** Tells the channel no more messages follow (Rust drops its sender); it unregisters itself. */
export function endChannel(channel: unknown): void {
  const id = channelId(channel)
  const index = nextIndex.get(id) ?? 0
  nextIndex.delete(id)
  internals().runCallback(id, { index, end: true })
}
