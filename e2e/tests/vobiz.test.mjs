// Vobiz end to end in the real app: add a Vobiz connection beside a Twilio one, see both
// providers in one table, disable, enable and delete a sub-account through the dialog.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, addConnection, confirmDialog, keychainLookup, showOnly } from '../lib/harness.mjs'

let sim
let app
let b

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '6', '--vobiz-subaccounts', '12', '--latency-ms', '20'])
  app = await startApp({ name: 'vobiz', env: { SUBDESK_NO_DEMO: '1' } })
  b = app.browser
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

const vobizState = async (id) => (await sim.state()).vobiz.find((s) => s.auth_id === id)
const row = (id) => b.$(`[data-testid="account-row"][data-id="${id}"]`)
const rowStatus = (id) => row(id).getAttribute('data-status')

test('a Vobiz connection joins a Twilio one in a single table', async () => {
  await addConnection(b, { provider: 'twilio', label: 'Sim Twilio', accountId: sim.twilio.account_sid, token: sim.twilio.auth_token, baseUrl: sim.base_url })
  const vobizId = await addConnection(b, { provider: 'vobiz', label: 'Sim Vobiz', accountId: sim.vobiz.auth_id, token: sim.vobiz.auth_token, baseUrl: sim.base_url })
  assert.equal(keychainLookup(vobizId), sim.vobiz.auth_token)
  await byId(b, 'nav-accounts').click()
  // Closed ones are listed but hidden by default: the total is what counts here.
  await until(async () => / of 18$/.test(await byId(b, 'accounts-count').getText()), { message: '6 Twilio + 12 Vobiz rows' })
  const providers = new Set()
  for (const r of await b.$$('[data-testid="account-row"]')) providers.add(await r.getAttribute('data-provider'))
  assert.deepEqual([...providers].sort(), ['twilio', 'vobiz'])
})

test('disable, enable and delete a Vobiz sub-account', async () => {
  const target = (await sim.state()).vobiz.find((s) => s.enabled)
  const id = target.auth_id
  await showOnly(b, id)
  assert.equal(await rowStatus(id), 'active')

  await row(id).$('[data-testid="row-action-suspend"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  assert.match(await byId(b, 'action-dialog').getText(), /keeps its numbers/)
  await confirmDialog(b)
  await until(async () => (await rowStatus(id)) === 'suspended', { message: 'row disabled' })
  assert.equal((await vobizState(id)).enabled, false)

  await row(id).$('[data-testid="row-action-reactivate"]').click()
  await confirmDialog(b)
  await until(async () => (await rowStatus(id)) === 'active', { message: 'row enabled' })
  assert.equal((await vobizState(id)).enabled, true)

  await row(id).$('[data-testid="row-action-delete"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  const text = await byId(b, 'action-dialog').getText()
  assert.match(text, /revokes its credentials/)
  assert.match(text, /cannot be undone/i)
  assert.equal(await byId(b, 'confirm-button').isEnabled(), false)
  await typeInto(await byId(b, 'confirm-input'), id.slice(-3).toLowerCase())
  await confirmDialog(b)
  await until(async () => (await rowStatus(id)) === 'deleted', { message: 'row shows Deleted' })
  assert.equal(await vobizState(id), undefined, 'gone from the provider')
  assert.equal((await row(id).$$('[data-testid^="row-action-"]')).length, 0, 'no action on a deleted account')

  // After a refresh, the deleted sub-account leaves the live list.
  await byId(b, 'refresh-button').click()
  await until(async () => (await byId(b, 'accounts-count').getText()) === 'showing 0 of 17', { message: 'the deleted row to leave' })
})

test('the deletion stays in the history with a snapshot of the details', async () => {
  await byId(b, 'nav-history').click()
  const del = await until(async () => {
    const rows = await b.$$('[data-testid="history-row"][data-action="delete"]')
    return rows.length === 1 && rows[0]
  }, { message: 'the delete in history' })
  assert.equal(await del.getAttribute('data-outcome'), 'succeeded')
  await del.$('button').click()
  // The JSON is under Technical details, collapsed until opened.
  await byId(b, 'history-technical').$('summary').click()
  const snap = byId(b, 'history-snapshot')
  await snap.waitForDisplayed()
  const json = JSON.parse(await snap.getText())
  assert.equal(json.parent_auth_id, sim.vobiz.auth_id)
  assert.equal('auth_token' in json, false)
})
