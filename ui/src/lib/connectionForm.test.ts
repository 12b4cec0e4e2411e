import { describe, expect, it } from 'vitest'
import { emptyConnectionForm, optionsShown, toNewConnection, validateConnectionForm, type ConnectionForm } from './connectionForm'
import type { Provider } from './bindings/Provider'

const SID = `AC${'a1'.repeat(16)}`
const KEY = `SK${'0f'.repeat(16)}`

const form = (provider: Provider, label: string, values: Record<string, string>, baseUrl = ''): ConnectionForm => {
  const f = emptyConnectionForm(provider)
  return { ...f, label, values: { ...f.values, ...values }, baseUrl }
}

describe('connection form, drawn from the catalog', () => {
  it('checks the Twilio Account SID and API key SID with the catalog patterns', () => {
    expect(validateConnectionForm(form('twilio', 'Main', { accountId: SID, secret: 's' }))).toEqual({})
    expect(validateConnectionForm(form('twilio', 'Main', { accountId: 'AC123', secret: 's' })).accountId).toMatch(
      /starts with AC followed by 32/,
    )
    // The key SID is asked for (and checked) only when signing in with an API key.
    expect(validateConnectionForm(form('twilio', 'M', { accountId: SID, secret: 's', apiKeySid: 'SKnope' }))).toEqual({})
    const withKey = { accountId: SID, secret: 's', authKind: 'apiKey' }
    expect(validateConnectionForm(form('twilio', 'M', { ...withKey, apiKeySid: 'SKnope' })).apiKeySid).toMatch(/starts with SK/)
    expect(validateConnectionForm(form('twilio', 'M', { ...withKey })).apiKeySid).toMatch(/Enter the API key SID/)
    expect(validateConnectionForm(form('twilio', 'M', { ...withKey, apiKeySid: KEY }))).toEqual({})
  })

  it('asks each provider for its own fields', () => {
    expect(validateConnectionForm(form('vonage', 'V', { accountId: 'bbe6222f', secret: 's' }))).toEqual({})
    expect(validateConnectionForm(form('vonage', 'V', { accountId: 'no!', secret: 's' })).accountId).toMatch(/Vonage API key/)
    expect(validateConnectionForm(form('plivo', 'P', { accountId: 'MA2025RK4E639VJFZAGV', secret: 's' }))).toEqual({})
    expect(validateConnectionForm(form('plivo', 'P', { accountId: 'MA_1', secret: 's' })).accountId).toMatch(/Plivo Auth ID/)
    // A subaccount's Auth ID is refused, with the words to use the main account's.
    expect(validateConnectionForm(form('plivo', 'P', { accountId: 'SA2025RK4E639VJFZAMM', secret: 's' })).accountId).toMatch(/subaccount's.*main account's/)
    // Telnyx has no account ID: the key alone.
    expect(validateConnectionForm(form('telnyx', 'T', { secret: 'KEYabc' }))).toEqual({})
    expect(validateConnectionForm(form('telnyx', 'T', {})).secret).toMatch(/API key/)
  })

  it('allows http only to this computer', () => {
    const v = { accountId: 'MA_ABC', secret: 's' }
    expect(validateConnectionForm(form('vobiz', 'V', v, 'http://127.0.0.1:4010'))).toEqual({})
    expect(validateConnectionForm(form('vobiz', 'V', v, 'http://localhost:1'))).toEqual({})
    expect(validateConnectionForm(form('vobiz', 'V', v, 'http://api.example.com')).baseUrl).toMatch(/https/)
    expect(validateConnectionForm(form('vobiz', 'V', v, 'not a url')).baseUrl).toBeDefined()
  })

  it('builds a NewConnection with only the fields that apply', () => {
    const f = form('twilio', ' Main ', { accountId: SID, secret: 'tok', authKind: 'apiKey', apiKeySid: KEY, edge: 'dublin' })
    expect(toNewConnection(f)).toEqual({
      provider: 'twilio',
      label: 'Main',
      accountId: SID,
      secret: 'tok',
      options: { authKind: 'apiKey', apiKeySid: KEY, edge: 'dublin' },
    })
    const hidden = form('twilio', 'M', { accountId: SID, secret: 'tok', apiKeySid: KEY })
    expect(toNewConnection(hidden).options.apiKeySid).toBeUndefined()
    const t = form('telnyx', 'T', { secret: 'KEYx' })
    expect(toNewConnection(t)).toEqual({ provider: 'telnyx', label: 'T', accountId: '', secret: 'KEYx', options: { includeCancelled: 'no' } })
    expect(toNewConnection(form('telnyx', 'T', { secret: 'KEYx', includeCancelled: 'yes' })).options).toEqual({ includeCancelled: 'yes' })
  })

  it('takes every field and its default from the catalog', () => {
    // Choices start at their first answer, text fields empty: nothing is the form's own.
    expect(emptyConnectionForm('twilio').values).toEqual({ accountId: '', authKind: 'authToken', apiKeySid: '', secret: '', edge: '', region: '' })
    expect(emptyConnectionForm('telnyx').values).toEqual({ secret: '', includeCancelled: 'no' })
  })

  it('words a saved connection\'s options as the catalog does', () => {
    expect(optionsShown({ provider: 'twilio', options: { apiKeySid: KEY, unknownOption: 'x' } })).toEqual([
      { key: 'apiKeySid', label: 'API key SID', value: KEY },
    ])
    expect(optionsShown({ provider: 'telnyx', options: { includeCancelled: 'yes' } })[0].value).toMatch(/List them too/)
    expect(optionsShown({ provider: 'vobiz', options: {} })).toEqual([])
  })
})
