import { describe, expect, it } from 'vitest'
import { emptyConnectionForm, toNewConnection, validateConnectionForm } from './connectionForm'

const SID = `AC${'a1'.repeat(16)}`
const KEY = `SK${'0f'.repeat(16)}`

describe('connection form', () => {
  it('checks the Twilio Account SID and API key SID patterns', () => {
    const base = { ...emptyConnectionForm('twilio'), label: 'Main', secret: 's' }
    expect(validateConnectionForm({ ...base, accountId: SID })).toEqual({})
    expect(validateConnectionForm({ ...base, accountId: 'AC123' }).accountId).toMatch(/starts with AC followed by 32/)
    expect(validateConnectionForm({ ...base, accountId: `AC${'g'.repeat(32)}` }).accountId).toBeDefined()
    const withKey = { ...base, accountId: SID, twilioAuth: 'apiKey' as const }
    expect(validateConnectionForm({ ...withKey, keySid: 'SKnope' }).keySid).toMatch(/starts with SK/)
    expect(validateConnectionForm({ ...withKey, keySid: KEY })).toEqual({})
  })

  it('allows http only to this computer, and a region only with an edge', () => {
    const base = { ...emptyConnectionForm('vobiz'), label: 'V', accountId: 'MA_ABC', secret: 's' }
    expect(validateConnectionForm({ ...base, baseUrl: 'http://127.0.0.1:4010' })).toEqual({})
    expect(validateConnectionForm({ ...base, baseUrl: 'http://localhost:1' })).toEqual({})
    expect(validateConnectionForm({ ...base, baseUrl: 'http://api.example.com' }).baseUrl).toMatch(/https/)
    expect(validateConnectionForm({ ...base, baseUrl: 'not a url' }).baseUrl).toBeDefined()
    const tw = { ...emptyConnectionForm('twilio'), label: 'T', accountId: SID, secret: 's' }
    expect(validateConnectionForm({ ...tw, region: 'ie1' }).edge).toMatch(/edge/)
    expect(validateConnectionForm({ ...tw, edge: 'dublin', region: 'ie1' })).toEqual({})
  })

  it('builds a NewConnection with only the fields that apply', () => {
    const f = { ...emptyConnectionForm('twilio'), label: ' Main ', accountId: SID, secret: 'tok', twilioAuth: 'apiKey' as const, keySid: KEY, edge: 'dublin' }
    expect(toNewConnection(f)).toEqual({ provider: 'twilio', label: 'Main', accountId: SID, secret: 'tok', apiKeySid: KEY, edge: 'dublin' })
    const v = { ...emptyConnectionForm('vobiz'), label: 'V', accountId: 'MA_1', secret: 't', edge: 'ignored' }
    expect(toNewConnection(v)).toEqual({ provider: 'vobiz', label: 'V', accountId: 'MA_1', secret: 't' })
  })
})
