// The app's own state: the status from the back end, which view is shown, the demo workspace.
import * as api from '../api'
import { setCatalog } from '../catalog.svelte'
import type { AppStatus } from '../bindings/AppStatus'
import type { Connection } from '../bindings/Connection'

export type View = 'accounts' | 'history' | 'connections' | 'about'

export class AppStore {
  status = $state<AppStatus | null>(null)
  loadError = $state<string | null>(null)
  view = $state<View>('accounts')
  problemDismissed = $state(false)
  busy = $state(false)
  /** Error of the last open/close demo call. */
  demoError = $state<string | null>(null)

  readonly connections: Connection[] = $derived(this.status?.connections ?? [])
  /** No connection and no demo: the welcome panel takes over the Accounts view. */
  readonly empty: boolean = $derived(
    this.status !== null && !this.status.demo && this.status.connections.length === 0,
  )

  labelOf = (connectionId: string): string =>
    this.connections.find((c) => c.id === connectionId)?.label ?? connectionId

  async load(): Promise<AppStatus | null> {
    try {
      this.status = await api.appStatus()
      this.loadError = null
      // The keychain is probed after the window shows (a probe can wait on a password prompt).
      api.keychainCheck().then((problem) => {
        if (problem && this.status) this.status = { ...this.status, keychainProblem: problem }
      }, () => {})
      // The app's own catalog replaces the generated copy (the same, for this build).
      api.providerCatalog().then(setCatalog, () => {})
    } catch (e) {
      this.loadError = api.errorMessage(e)
    }
    return this.status
  }

  async openDemo(): Promise<boolean> {
    return this.#demoCall(api.openDemo)
  }

  async closeDemo(): Promise<boolean> {
    return this.#demoCall(api.closeDemo)
  }

  async #demoCall(call: () => Promise<AppStatus>): Promise<boolean> {
    this.busy = true
    this.demoError = null
    try {
      this.status = await call()
      return true
    } catch (e) {
      this.demoError = api.errorMessage(e)
      return false
    } finally {
      this.busy = false
    }
  }
}
