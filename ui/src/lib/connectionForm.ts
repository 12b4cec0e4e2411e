// The Add connection form, drawn from the provider's description in core's catalog: its
// fields, the checks worth doing before a round trip (the same patterns and sentences core
// checks again), and the `NewConnection` it becomes.
import type { Connection } from './bindings/Connection'
import type { FormField } from './bindings/FormField'
import type { NewConnection } from './bindings/NewConnection'
import type { Provider } from './bindings/Provider'
import { catalog } from './catalog.svelte'

export type ConnectionForm = {
  provider: Provider
  label: string
  /** By field key, as the catalog declares them (`accountId`, `secret`, `apiKeySid`, `authKind`, ...). */
  values: Record<string, string>
  baseUrl: string
}

export function fieldsOf(provider: Provider): FormField[] {
  return catalog.info(provider)?.fields ?? []
}

export const emptyConnectionForm = (provider: Provider = 'twilio'): ConnectionForm => ({
  provider,
  label: '',
  values: Object.fromEntries(
    fieldsOf(provider).map((f) => [f.key, f.kind === 'choice' ? (f.options[0]?.value ?? '') : '']),
  ),
  baseUrl: '',
})

/** Errors by field key (`label`, `baseUrl` and the provider's own fields). */
export type FormErrors = Record<string, string>

/** Whether a field is shown with the form's current values. */
export function shown(f: FormField, form: ConnectionForm): boolean {
  return !f.shownWhen || form.values[f.shownWhen.field] === f.shownWhen.equals
}

function checkBaseUrl(input: string): string | undefined {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return 'The API address is not a valid URL. It should look like https://api.example.com.'
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:') {
    return loopback
      ? undefined
      : 'The API address must use https. Plain http is only allowed to this computer (127.0.0.1 or localhost).'
  }
  return 'The API address must start with https://.'
}

export function validateConnectionForm(f: ConnectionForm): FormErrors {
  const e: FormErrors = {}
  const name = catalog.info(f.provider)?.name ?? 'Twilio'
  if (!f.label.trim()) e.label = `Give the connection a name, for example "Main ${name}".`
  for (const field of fieldsOf(f.provider)) {
    if (field.kind === 'choice' || !shown(field, f)) continue
    const raw = f.values[field.key] ?? ''
    const value = field.kind === 'secret' ? raw : raw.trim()
    if (!value) {
      if (field.required) e[field.key] = field.missing
      continue
    }
    if (field.pattern && !new RegExp(field.pattern).test(value)) e[field.key] = field.invalid
  }
  const baseUrl = f.baseUrl.trim()
  if (baseUrl) {
    const problem = checkBaseUrl(baseUrl)
    if (problem) e.baseUrl = problem
  }
  return e
}

/** The form as core takes it: `accountId` and `secret` as such, every other field the provider
 * declares (choices included) among its `options`, each only when shown and not blank. */
export function toNewConnection(f: ConnectionForm): NewConnection {
  const n: NewConnection = {
    provider: f.provider,
    label: f.label.trim(),
    accountId: '',
    secret: '',
    options: {},
  }
  for (const field of fieldsOf(f.provider)) {
    if (!shown(field, f)) continue
    const raw = f.values[field.key] ?? ''
    const value = field.kind === 'secret' ? raw : raw.trim()
    if (field.key === 'accountId') n.accountId = value
    else if (field.kind === 'secret') n.secret = value
    else if (value) n.options[field.key] = value
  }
  if (f.baseUrl.trim()) n.baseUrl = f.baseUrl.trim()
  return n
}

/** The secret field's words for a provider ("Auth Token", "API secret"), from its form. */
/** A saved connection's options as the catalog words them (label, and for a choice the
 * answer's words), in the form's order; options the provider no longer declares are left out. */
export function optionsShown(c: Pick<Connection, 'provider' | 'options'>): { key: string; label: string; value: string }[] {
  return fieldsOf(c.provider).flatMap((f) => {
    const value = c.options[f.key]
    if (value === undefined || value === '' || f.key === 'accountId' || f.kind === 'secret') return []
    const words = f.kind === 'choice' ? (f.options.find((o) => o.value === value)?.label ?? value) : value
    return [{ key: f.key, label: f.label, value: words }]
  })
}

export function secretLabel(provider: Provider): string {
  return fieldsOf(provider).find((f) => f.kind === 'secret')?.label ?? 'token'
}
