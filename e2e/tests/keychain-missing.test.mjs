// With no Secret Service the app says so plainly and refuses to save a token anywhere else:
// no plaintext fallback, no in-memory mock. The demo still works.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, addConnection, filesUnder } from '../lib/harness.mjs'

let sim
let app
let b

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '3', '--vobiz-subaccounts', '1'])
  // D-Bus pointed at nothing: no keychain reachable.
  app = await startApp({ name: 'keychain-missing', env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/subdesk-e2e' } })
  b = app.browser
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

test('a banner says the keychain is missing and what to do', async () => {
  const banner = byId(b, 'problem-banner')
  await banner.waitForDisplayed({ timeout: 30000 })
  assert.match(await banner.getText(), /keychain is not available.*Unlock your keyring/s)
  await byId(b, 'demo-banner').waitForDisplayed()
})

test('saving a connection fails with that sentence and stores the token nowhere', async () => {
  await byId(b, 'nav-connections').click()
  await assert.rejects(
    addConnection(b, { provider: 'twilio', label: 'No keychain', accountId: sim.twilio.account_sid, token: sim.twilio.auth_token, baseUrl: sim.base_url }),
  )
  const err = byId(b, 'conn-error')
  await err.waitForDisplayed()
  assert.match(await err.getText(), /keychain is not available/)
  const items = await b.$$('[data-testid="connection-item"]')
  assert.equal(items.length, 5, 'only the five demo connections (one per provider)')
  for (const f of filesUnder(app.dataDir)) {
    assert.equal(f.bytes.includes(sim.twilio.auth_token), false, `token found in ${f.path}`)
  }
})
