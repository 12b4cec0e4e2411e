// Vonage end to end in the real app: add a Vonage connection (the secret goes to the real
// keychain), see its subaccounts without the primary account, suspend and reactivate one
// through the dialog, and read the state back from the provider after a Refresh.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, addConnection, confirmDialog, keychainLookup, showOnly } from '../lib/harness.mjs'

let sim
let app
let b

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '0', '--vobiz-subaccounts', '0', '--vonage-subaccounts', '4', '--latency-ms', '20'])
  app = await startApp({ name: 'vonage', env: { SUBDESK_NO_DEMO: '1' } })
  b = app.browser
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

const row = (id) => b.$(`[data-testid="account-row"][data-id="${id}"]`)
const rowStatus = (id) => row(id).getAttribute('data-status')
const actionsOf = async (id) => {
  const out = []
  for (const btn of await row(id).$$('[data-testid^="row-action-"]')) out.push((await btn.getAttribute('data-testid')).replace('row-action-', ''))
  return out.sort()
}
const patches = async (id) =>
  (await sim.requests()).filter((r) => r.method === 'PATCH' && r.path.endsWith(`/subaccounts/${id}`))

let id

test('a Vonage connection lists its subaccounts, never the primary account', async () => {
  const connId = await addConnection(b, {
    provider: 'vonage',
    label: 'Sim Vonage',
    accountId: sim.vonage.api_key,
    token: sim.vonage.api_secret,
    baseUrl: sim.base_url,
  })
  assert.equal(keychainLookup(connId), sim.vonage.api_secret, 'the secret is in the keychain')
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 4$/.test(await byId(b, 'accounts-count').getText()), { message: '4 Vonage subaccounts' })
  const ids = []
  for (const r of await b.$$('[data-testid="account-row"]')) {
    assert.equal(await r.getAttribute('data-provider'), 'vonage')
    ids.push(await r.getAttribute('data-id'))
  }
  assert.equal(ids.length, 4)
  assert.equal(ids.includes(sim.vonage.api_key), false, 'the primary account is left out')
  // Found by its name, as a user would.
  await typeInto(await byId(b, 'search-input'), 'Vonage Tenant 1')
  await until(async () => /^showing 1 of 4$/.test(await byId(b, 'accounts-count').getText()), { message: 'the search for Vonage Tenant 1' })
  id = await b.$('[data-testid="account-row"]').getAttribute('data-id')
  assert.ok(ids.includes(id), 'Vonage Tenant 1 is listed')
})

test('suspend and reactivate a Vonage subaccount; nothing irreversible is offered', async () => {
  await showOnly(b, id)
  assert.equal(await rowStatus(id), 'active')
  assert.deepEqual(await actionsOf(id), ['suspend'], 'Vonage has no close or delete')

  await row(id).$('[data-testid="row-action-suspend"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  await confirmDialog(b)
  await until(async () => (await rowStatus(id)) === 'suspended', { message: 'row suspended' })
  const sent = await patches(id)
  assert.equal(sent.length, 1, 'one PATCH')

  // Read back from the provider, not from what Subdesk sent.
  await byId(b, 'refresh-button').click()
  await showOnly(b, id)
  await until(async () => (await rowStatus(id)) === 'suspended', { message: 'still suspended after a refresh' })
  assert.deepEqual(await actionsOf(id), ['reactivate'])

  await row(id).$('[data-testid="row-action-reactivate"]').click()
  await confirmDialog(b)
  await until(async () => (await rowStatus(id)) === 'active', { message: 'row reactivated' })
  assert.equal((await patches(id)).length, 2)
})

test('both actions are in the history under the Vonage connection', async () => {
  await byId(b, 'nav-history').click()
  const rows = await until(async () => {
    const rs = await b.$$(`[data-testid="history-row"][data-account="${id}"]`)
    return rs.length === 2 && rs
  }, { message: 'two history entries' })
  const actions = []
  for (const r of rows) {
    assert.equal(await r.getAttribute('data-outcome'), 'succeeded')
    actions.push(await r.getAttribute('data-action'))
  }
  assert.deepEqual(actions.sort(), ['reactivate', 'suspend'])
})
