// The providers as core describes them: names, connection-form fields, status words and the
// actions each status allows. Starts from the catalog generated from the same Rust code
// (bindings/catalog.json, written by `cargo test`), and is replaced at start-up by the
// app's `provider_catalog` answer. Nothing here is a rule of its own.
import generated from './bindings/catalog.json'
import type { Action } from './bindings/Action'
import type { ActionInfo } from './bindings/ActionInfo'
import type { Provider } from './bindings/Provider'
import type { ProviderInfo } from './bindings/ProviderInfo'
import type { Status } from './bindings/Status'

class Catalog {
  providers = $state<ProviderInfo[]>(generated as ProviderInfo[])

  info(p: Provider | string): ProviderInfo | undefined {
    return this.providers.find((i) => i.id === p)
  }
}

export const catalog = new Catalog()

/** Replaces the generated catalog with the running app's. */
export function setCatalog(providers: ProviderInfo[]) {
  if (providers.length > 0) catalog.providers = providers
}

/** "Twilio"; a provider this build does not know (from a newer history file) reads as unknown. */
export function providerName(p: Provider | string): string {
  return catalog.info(p)?.name ?? `unknown provider (${p})`
}

/** The actions core allows in `status` (the rows carry their own; the test mock uses this). */
export function allowedActions(p: Provider | string, status: Status): Action[] {
  return catalog.info(p)?.statuses.find((s) => s.status === status)?.actions ?? []
}

export function actionInfo(p: Provider | string, a: Action): ActionInfo | undefined {
  return catalog.info(p)?.actions.find((x) => x.action === a)
}

/** The provider's own word for a status, where it differs from Subdesk's ("disabled"). */
export function statusWord(p: Provider | string, status: Status): string | null {
  return catalog.info(p)?.statuses.find((s) => s.status === status)?.providerWord ?? null
}
