// Twilio end to end in the real app: add a connection to the simulator (token into the real
// Secret Service), list, suspend, reactivate, close through the typed confirmation; the table,
// the simulator and the History view agree; the token is nowhere on disk or in the logs.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { execFileSync } from 'node:child_process'
import { startApp, startSim, byId, until, typeInto, filesUnder, keychainLookup, showOnly, KEYCHAIN_SERVICE } from '../lib/harness.mjs'

const EXPORT_PATH = join(tmpdir(), `subdesk-export-${process.pid}-${Date.now()}.csv`)
let sim
let app
let b
let connectionId

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '30', '--vobiz-subaccounts', '3', '--latency-ms', '20'])
  // The export's native save dialog is opened by the app, out of WebDriver's reach: this
  // variable stands in for the path a user would choose in it.
  app = await startApp({ name: 'twilio', env: { SUBDESK_NO_DEMO: '1', SUBDESK_EXPORT_PATH: EXPORT_PATH } })
  b = app.browser
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

const twilioState = async (sid) => (await sim.state()).twilio.find((a) => a.sid === sid)
const row = (sid) => b.$(`[data-testid="account-row"][data-id="${sid}"]`)
const rowStatus = (sid) => row(sid).getAttribute('data-status')

/** Clicks the dialog's confirm button once the preview has loaded and enabled it. */
async function confirmDialog() {
  const confirm = byId(b, 'confirm-button')
  await until(() => confirm.isEnabled(), { message: 'the confirm button to be enabled' })
  await confirm.click()
  await until(async () => !(await byId(b, 'action-dialog').isDisplayed()), { message: 'the dialog to close' })
}


test('with no connection the app offers the demo or a connection', async () => {
  const welcome = byId(b, 'welcome-panel')
  await welcome.waitForDisplayed({ timeout: 30000 })
  assert.ok(await byId(b, 'welcome-open-demo').isDisplayed())
  await byId(b, 'welcome-add-connection').click()
})

test('a Twilio connection is verified, then saved with its token in the keychain only', async () => {
  await byId(b, 'conn-provider').selectByAttribute('value', 'twilio')
  await typeInto(await byId(b, 'conn-label'), 'Reseller Twilio')
  await typeInto(await byId(b, 'conn-account-id'), sim.twilio.account_sid)
  await typeInto(await byId(b, 'conn-secret'), sim.twilio.auth_token)
  await b.$('[data-testid="add-connection"] details summary').click()
  await typeInto(await byId(b, 'conn-base-url'), sim.base_url)

  await byId(b, 'conn-test').click()
  const verified = byId(b, 'conn-verified')
  await verified.waitForDisplayed({ timeout: 20000 })
  assert.match(await verified.getText(), /Demo Reseller \(Twilio\)/)

  await byId(b, 'conn-save').click()
  const item = byId(b, 'connection-item')
  await item.waitForDisplayed({ timeout: 20000 })
  connectionId = await item.getAttribute('data-id')
  assert.match(connectionId, /^[0-9a-f-]{36}$/)
  assert.equal(await byId(b, 'conn-secret').getValue(), '', 'the token field is cleared')
  assert.equal(keychainLookup(connectionId), sim.twilio.auth_token, 'the token is in the Secret Service')
})

test('the table lists every subaccount, without the parent', async () => {
  await byId(b, 'nav-accounts').click()
  // Closed ones are listed but hidden by default: the total is what counts here.
  await until(async () => / of 30$/.test(await byId(b, 'accounts-count').getText()), { message: '30 rows' })
  await typeInto(await byId(b, 'search-input'), sim.twilio.account_sid)
  await until(async () => (await byId(b, 'accounts-count').getText()) === 'showing 0 of 30', { message: 'parent filtered out' })
})

test('suspend, reactivate and close change the provider and the table alike', async () => {
  const state = await sim.state()
  const target = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active' && a.numbers > 0)
  assert.ok(target, 'the simulator seeded an active subaccount with numbers')
  const sid = target.sid
  await showOnly(b, sid)

  await row(sid).$('[data-testid="row-action-suspend"]').click()
  await byId(b, 'action-dialog').waitForDisplayed()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  assert.match(await byId(b, 'action-dialog').getText(), /still billed/, 'suspend says numbers are kept and billed')
  assert.equal(await byId(b, 'confirm-input').isExisting(), false, 'suspending needs no typing')
  await confirmDialog()
  await until(async () => (await rowStatus(sid)) === 'suspended', { message: 'row suspended' })
  assert.equal((await twilioState(sid)).status, 'suspended')
  assert.equal((await twilioState(sid)).numbers, target.numbers, 'suspending keeps numbers')

  await row(sid).$('[data-testid="row-action-reactivate"]').click()
  await confirmDialog()
  await until(async () => (await rowStatus(sid)) === 'active', { message: 'row active again' })
  assert.equal((await twilioState(sid)).status, 'active')

  await row(sid).$('[data-testid="row-action-close"]').click()
  const impact = byId(b, 'impact-numbers')
  await impact.waitForDisplayed({ timeout: 20000 })
  assert.match(await impact.getText(), new RegExp(`\\b${target.numbers}\\b`))
  const dialogText = await byId(b, 'action-dialog').getText()
  assert.ok(dialogText.includes(sid), 'the dialog shows the full SID')
  assert.match(dialogText, /cannot be undone/i)
  const confirm = byId(b, 'confirm-button')
  assert.equal(await confirm.isEnabled(), false, 'locked until the SID suffix is typed')
  await typeInto(await byId(b, 'confirm-input'), 'zzz')
  assert.equal(await confirm.isEnabled(), false)
  await typeInto(await byId(b, 'confirm-input'), sid.slice(-3))
  await until(() => confirm.isEnabled(), { message: 'confirm enabled' })
  await confirm.click()
  await until(async () => (await rowStatus(sid)) === 'closed', { message: 'row closed' })
  const after = await twilioState(sid)
  assert.equal(after.status, 'closed')
  assert.equal(after.numbers, 0, 'closing released the numbers')
  assert.equal(await row(sid).$('[data-testid="row-action-reactivate"]').isExisting(), false, 'closed is final')
})

test('the History view lists the three actions with their outcomes, and exports them', async () => {
  await byId(b, 'nav-history').click()
  const rows = await until(async () => {
    const r = await b.$$('[data-testid="history-row"]')
    return r.length >= 3 && r
  }, { message: 'three history rows' })
  const seen = []
  for (const r of rows) seen.push(`${await r.getAttribute('data-action')}:${await r.getAttribute('data-outcome')}`)
  assert.deepEqual(seen, ['close:succeeded', 'reactivate:succeeded', 'suspend:succeeded'], 'newest first')
  await rows[0].$('button').click()
  const detail = byId(b, 'history-detail')
  await detail.waitForDisplayed()
  assert.match(await detail.getText(), /RQ[0-9a-f]{32}/, 'the Twilio request id is kept')

  // The Export button itself; the app's save dialog answers with EXPORT_PATH.
  await byId(b, 'export-csv').click()
  const result = byId(b, 'export-result')
  await result.waitForDisplayed()
  assert.equal(await result.getText(), `Exported 3 entries to ${EXPORT_PATH}`)
  const lines = readFileSync(EXPORT_PATH, 'utf8').trim().split('\n')
  assert.equal(lines.length, 4)
  // Plain headings, in the accounts export's words.
  assert.match(lines[0], /^Entry,Started \(UTC\),Finished \(UTC\),Computer user,Connection ID,Connection,Provider,Account ID,Account name,Action,/)
  assert.match(lines[1], /,close,active,closed,succeeded,RQ/)
})

test('the token is absent from the settings file, the data folder, the logs and the log file', async () => {
  const files = filesUnder(app.dataDir)
  const names = files.map((f) => f.path)
  assert.ok(names.some((p) => p.endsWith('settings.json')), `settings saved: ${names}`)
  assert.ok(names.some((p) => p.includes('history.db')), 'history saved')
  const settings = files.find((f) => f.path.endsWith('settings.json')).bytes.toString()
  assert.ok(settings.includes(sim.twilio.account_sid), 'the settings hold the connection')
  for (const f of files) {
    assert.equal(f.bytes.includes(sim.twilio.auth_token), false, `token found in ${f.path}`)
  }
  const log = readFileSync(app.logFile)
  assert.ok(log.length > 0)
  assert.equal(log.includes(sim.twilio.auth_token), false, 'token found in the logs')
  // The app's own log file (the platform's log folder: inside the data folder on Linux) is
  // among the files searched above; make sure it is there and is the real log.
  const logFile = files.find((f) => /\/logs\/Subdesk[^/]*\.log$/.test(f.path))
  assert.ok(logFile, `the log file is in ${join(app.dataDir, 'logs')}: ${names}`)
  assert.match(logFile.bytes.toString(), /Subdesk started/)
  assert.equal(logFile.bytes.includes(sim.twilio.auth_token), false, 'token found in the log file')
})

test('editing the connection renames it and replaces its token in the keychain', async () => {
  // The token was rotated outside Subdesk: the keychain now holds one Twilio refuses.
  const stale = 'f'.repeat(32)
  execFileSync('secret-tool', ['store', '--label', 'stale', 'service', KEYCHAIN_SERVICE, 'username', connectionId], { input: stale })
  assert.equal(keychainLookup(connectionId), stale)
  await byId(b, 'nav-connections').click()
  await byId(b, 'connection-edit').click()
  await typeInto(await byId(b, 'connection-edit-label'), 'Sim Twilio (new token)')
  // A wrong new token is refused by Twilio and changes nothing.
  await typeInto(await byId(b, 'connection-edit-secret'), '0'.repeat(32))
  await byId(b, 'connection-edit-save').click()
  await until(() => byId(b, 'connection-edit-error').isDisplayed(), { message: 'the refusal' })
  assert.equal(keychainLookup(connectionId), stale)
  await typeInto(await byId(b, 'connection-edit-secret'), sim.twilio.auth_token)
  await byId(b, 'connection-edit-save').click()
  await until(async () => !(await byId(b, 'connection-edit-form').isExisting()), { message: 'the edit saved' })
  assert.equal(keychainLookup(connectionId), sim.twilio.auth_token, 'the new token replaced the old one')
  await until(async () => /Sim Twilio \(new token\)/.test(await byId(b, 'connection-item').getText()), { message: 'the new name' })
})

test('removing the connection deletes its keychain entry', async () => {
  await byId(b, 'nav-connections').click()
  await byId(b, 'connection-remove').click()
  await byId(b, 'connection-remove-confirm').click()
  await until(async () => !(await byId(b, 'connection-item').isExisting()), { message: 'connection removed' })
  assert.equal(keychainLookup(connectionId), null)
})
