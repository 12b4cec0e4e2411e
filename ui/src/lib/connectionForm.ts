// The Add connection form: its fields, the checks worth doing before a round trip, and the
// `NewConnection` it becomes. The back end checks everything again.
import type { NewConnection } from './bindings/NewConnection'
import type { Provider } from './bindings/Provider'

export type TwilioAuth = 'authToken' | 'apiKey'

export type ConnectionForm = {
  provider: Provider
  label: string
  accountId: string
  twilioAuth: TwilioAuth
  keySid: string
  secret: string
  edge: string
  region: string
  baseUrl: string
}

export const emptyConnectionForm = (provider: Provider = 'twilio'): ConnectionForm => ({
  provider,
  label: '',
  accountId: '',
  twilioAuth: 'authToken',
  keySid: '',
  secret: '',
  edge: '',
  region: '',
  baseUrl: '',
})

export type FormErrors = Partial<Record<'label' | 'accountId' | 'keySid' | 'secret' | 'edge' | 'baseUrl', string>>

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/
const KEY_SID = /^SK[0-9a-fA-F]{32}$/
const VOBIZ_ID = /^[A-Za-z0-9_-]{1,64}$/
const EDGE_OR_REGION = /^[a-z0-9-]{1,20}$/

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
  const accountId = f.accountId.trim()
  if (!f.label.trim()) e.label = 'Give the connection a name, for example "Main Twilio".'
  if (f.provider === 'twilio') {
    if (!accountId) e.accountId = 'Enter the Account SID from the Twilio Console.'
    else if (!ACCOUNT_SID.test(accountId))
      e.accountId = 'A Twilio Account SID starts with AC followed by 32 letters 0-9 and a-f (34 characters in all).'
    if (f.twilioAuth === 'apiKey') {
      const key = f.keySid.trim()
      if (!key) e.keySid = 'Enter the API key SID (it starts with SK).'
      else if (!KEY_SID.test(key))
        e.keySid = 'An API key SID starts with SK followed by 32 letters 0-9 and a-f (34 characters in all).'
    }
    const edge = f.edge.trim()
    const region = f.region.trim()
    if (region && !edge)
      e.edge = 'Choose an edge location too (for example dublin for ie1): Twilio no longer accepts a region on its own.'
    else if ((edge && !EDGE_OR_REGION.test(edge)) || (region && !EDGE_OR_REGION.test(region)))
      e.edge = 'The edge and region may only contain lower-case letters, digits and dashes, like dublin and ie1.'
  } else {
    if (!accountId) e.accountId = 'Enter the Auth ID from the Vobiz console (it usually starts with MA_).'
    else if (!VOBIZ_ID.test(accountId))
      e.accountId = 'A Vobiz Auth ID has only letters, digits, _ and -, like MA_XXXXXXXX.'
  }
  if (!f.secret) {
    e.secret =
      f.provider === 'twilio' && f.twilioAuth === 'apiKey'
        ? 'Enter the API key secret.'
        : 'Enter the Auth Token.'
  }
  const baseUrl = f.baseUrl.trim()
  if (baseUrl) {
    const problem = checkBaseUrl(baseUrl)
    if (problem) e.baseUrl = problem
  }
  return e
}

export function toNewConnection(f: ConnectionForm): NewConnection {
  const n: NewConnection = {
    provider: f.provider,
    label: f.label.trim(),
    accountId: f.accountId.trim(),
    secret: f.secret,
  }
  if (f.provider === 'twilio') {
    if (f.twilioAuth === 'apiKey') n.apiKeySid = f.keySid.trim()
    if (f.edge.trim()) n.edge = f.edge.trim()
    if (f.region.trim()) n.region = f.region.trim()
  }
  if (f.baseUrl.trim()) n.baseUrl = f.baseUrl.trim()
  return n
}
