// Never twice, in the real app: a Close whose answer is lost (a gateway's 504, applied by the
// provider after the re-read window) is recorded as not confirmed, the account is refused any
// further action with a sentence saying why, exactly one close request reaches the provider,
// and Check now settles the entry once the close shows.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, showOnly } from '../lib/harness.mjs'

let sim
let app
let b

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '6', '--vobiz-subaccounts', '1'])
  app = await startApp({
    name: 'never-twice',
    // Short windows so the test does not wait 30 s and 10 min: re-read for 0.3 s after a lost
    // answer; a provider may apply a write up to 8 s late.
    env: { SUBDESK_NO_DEMO: '1', SUBDESK_SETTLE_WINDOW_MS: '300', SUBDESK_LATE_APPLY_WINDOW_MS: '8000' },
  })
  b = app.browser
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

const closesSent = async (sid) =>
  (await sim.requests()).filter((r) => r.method === 'POST' && r.path.includes(sid) && r.body.includes('Status=closed')).length

test('a Twilio connection to the simulator', async () => {
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
  await byId(b, 'conn-provider').selectByAttribute('value', 'twilio')
  await typeInto(await byId(b, 'conn-label'), 'Reseller Twilio')
  await typeInto(await byId(b, 'conn-account-id'), sim.twilio.account_sid)
  await typeInto(await byId(b, 'conn-secret'), sim.twilio.auth_token)
  await b.$('[data-testid="add-connection"] details summary').click()
  await typeInto(await byId(b, 'conn-base-url'), sim.base_url)
  await byId(b, 'conn-save').click()
  await byId(b, 'connection-item').waitForDisplayed({ timeout: 20000 })
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 6$/.test(await byId(b, 'accounts-count').getText()), { message: '6 rows' })
})

test('a close whose answer is lost is not confirmed, never sent again, and settled later', async () => {
  const state = await sim.state()
  const sid = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active').sid
  // The provider's gateway answers 504; the close goes through 4 s later.
  await sim.planFault(sid, 'gateway_timeout', 4000)
  const row = await showOnly(b, sid)
  await row.$('[data-testid="row-action-close"]').click()
  await byId(b, 'impact-numbers').waitForDisplayed({ timeout: 20000 })
  await typeInto(await byId(b, 'confirm-input'), sid.slice(-3))
  const confirm = byId(b, 'confirm-button')
  await until(() => confirm.isEnabled(), { message: 'confirm enabled' })
  await confirm.click()
  const error = byId(b, 'dialog-error')
  await error.waitForDisplayed({ timeout: 20000 })
  assert.match(await error.getText(), /answer was lost .*It was not sent again/s)
  assert.equal(await confirm.isEnabled(), false, 'no second try from the dialog')
  await byId(b, 'cancel-button').click()

  // The row offers no action, only Check now, and says what is in doubt.
  await row.$('[data-testid="row-in-doubt"]').waitForDisplayed({ timeout: 10000 })
  assert.equal(await row.$('[data-testid="row-action-close"]').isExisting(), false)
  assert.match(
    await row.$('[data-testid="row-in-doubt-why"]').getText(),
    /(not sure whether the close sent on .*|could not confirm whether it) went through.*Check now/s,
  )
  // Checked before the provider applied it: still not confirmed.
  await row.$('[data-testid="row-check-now"]').click()
  const checked = () => b.$(`[data-testid="account-row"][data-id="${sid}"] [data-testid="row-check"]`)
  await until(async () => /Still not confirmed/.test(await checked().getText()), { message: 'still not confirmed' })
  assert.equal(await closesSent(sid), 1, 'one close request reached the provider')

  // The provider applies it late; Check now then records it done.
  await until(async () => (await sim.state()).twilio.find((a) => a.sid === sid).status === 'closed', {
    message: 'the late close at the simulator',
  })
  await b.$(`[data-testid="account-row"][data-id="${sid}"] [data-testid="row-check-now"]`).click()
  await until(async () => /Checked: settled/.test(await checked().getText()), { message: 'settled' })
  await byId(b, 'nav-history').click()
  const entry = b.$(`[data-testid="history-row"][data-action="close"]`)
  await until(async () => (await entry.getAttribute('data-outcome')) === 'succeeded', {
    message: 'the close entry settled as succeeded',
  })
  assert.equal(await closesSent(sid), 1, 'still one close request')
})
