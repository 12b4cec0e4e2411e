// The safety features end to end, against the simulator binary: a selection hidden by the
// search is said so and the bulk dialog lists every account it acts on; a provider down during
// Refresh keeps its rows, marks them stale and offers Retry; and a close done with the keyboard
// alone gives focus back to the row.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, addConnection } from '../lib/harness.mjs'

// Two simulators, so that one provider can be down while the other answers.
let twilioSim
let vobizSim
let app
let b
let vobizId

const row = (id) => b.$(`[data-testid="account-row"][data-id="${id}"]`)
const setFaults = (sim, patch) =>
  fetch(`${sim.base_url}/_sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) }).then((r) => {
    assert.equal(r.status, 200)
    return r.json()
  })
const count = () => byId(b, 'accounts-count').getText()

before(async () => {
  twilioSim = await startSim(['--twilio-subaccounts', '8', '--vobiz-subaccounts', '0', '--latency-ms', '5'])
  vobizSim = await startSim(['--twilio-subaccounts', '0', '--vobiz-subaccounts', '5', '--latency-ms', '5', '--seed', '9'])
  app = await startApp({ name: 'safety', env: { SUBDESK_NO_DEMO: '1' } })
  b = app.browser
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
  await addConnection(b, { provider: 'twilio', label: 'Sim Twilio', accountId: twilioSim.twilio.account_sid, token: twilioSim.twilio.auth_token, baseUrl: twilioSim.base_url })
  vobizId = await addConnection(b, { provider: 'vobiz', label: 'Sim Vobiz', accountId: vobizSim.vobiz.auth_id, token: vobizSim.vobiz.auth_token, baseUrl: vobizSim.base_url })
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 13$/.test(await count()), { message: '8 Twilio + 5 Vobiz rows' })
})
after(async () => {
  await app?.stop()
  twilioSim?.stop()
  vobizSim?.stop()
})

test('a selection hidden by the search is said so, and the bulk dialog lists every account it acts on', async () => {
  const active = (await twilioSim.state()).twilio.filter((a) => a.owner_account_sid !== a.sid && a.status === 'active')
  assert.ok(active.length >= 2, 'two active subaccounts')
  const picked = active.slice(0, 2)
  for (const a of picked) await row(a.sid).$('[data-testid="row-select"]').click()
  assert.match(await byId(b, 'bulk-count').getText(), /^2 selected$/)

  // A search that matches neither of them.
  await typeInto(await byId(b, 'search-input'), vobizSim.vobiz.auth_id.slice(0, 6))
  const hidden = byId(b, 'bulk-hidden')
  await hidden.waitForDisplayed()
  assert.match(await hidden.getText(), /2 hidden by the current filter/)
  for (const a of picked) assert.equal(await row(a.sid).isExisting(), false, `${a.sid} is off screen`)
  assert.equal(await byId(b, 'bulk-show-hidden').getText(), 'Show them')
  assert.equal(await byId(b, 'bulk-deselect-hidden').getText(), 'Unselect the hidden ones')

  await byId(b, 'bulk-action-close').click()
  const dialog = byId(b, 'bulk-dialog')
  await byId(b, 'bulk-confirm-input').waitForDisplayed({ timeout: 30000 })
  assert.equal(await dialog.$('h2').getText(), 'Close 2 accounts')
  const list = await byId(b, 'bulk-runnable').getText()
  for (const a of picked) {
    assert.ok(list.includes(a.friendly_name), `the dialog names ${a.friendly_name}: ${list}`)
    assert.ok(list.includes(a.sid), `the dialog shows ${a.sid}`)
  }
  assert.match(await dialog.getText(), /Type CLOSE 2 to confirm/)
  const start = byId(b, 'bulk-start')
  assert.equal(await start.getText(), 'Close 2 accounts permanently')
  assert.equal(await start.isEnabled(), false)
  await byId(b, 'cancel-button').click()
  await until(async () => !(await b.$('dialog[open]').isExisting()), { message: 'the dialog closed' })
  assert.equal((await twilioSim.state()).twilio.filter((a) => picked.some((p) => p.sid === a.sid && a.status === 'active')).length, 2, 'nothing was closed')

  await byId(b, 'bulk-show-hidden').click()
  for (const a of picked) await row(a.sid).waitForDisplayed()
  assert.equal(await byId(b, 'bulk-hidden').isExisting(), false)
  assert.equal(await byId(b, 'search-input').getValue(), '')
  await byId(b, 'bulk-bar').$('button=Clear selection').click()
  await until(async () => !(await byId(b, 'bulk-bar').isExisting()), { message: 'the selection cleared' })
})

test('a provider down during Refresh keeps its rows, marks them stale, and Retry clears the mark', async () => {
  const vobizRows = async () => b.$$('[data-testid="account-row"][data-provider="vobiz"]')
  await until(async () => (await vobizRows()).length === 5, { message: 'the 5 Vobiz rows' })
  // Every Vobiz request now answers 503 with Vobiz's error body; Twilio's simulator is untouched.
  await setFaults(vobizSim, { fault_rate: 1, fault_kinds: ['unavailable'] })
  await byId(b, 'refresh-button').click()
  const failure = b.$(`[data-testid="connection-failure"][data-connection="${vobizId}"]`)
  await failure.waitForDisplayed({ timeout: 60000 })
  const text = await failure.getText()
  assert.match(text, /Sim Vobiz/, 'the alert names the connection')
  assert.match(text, /5 accounts below are from the last listing/, `the alert says the rows are kept: ${text}`)
  assert.equal(await failure.getAttribute('role'), 'alert')
  await until(async () => !(await byId(b, 'loading-indicator').isExisting()), { message: 'the refresh to end' })
  assert.equal((await b.$$('[data-testid="connection-failure"]')).length, 1, 'only Vobiz failed')

  const rows = await vobizRows()
  assert.equal(rows.length, 5, 'the Vobiz rows are kept')
  for (const r of rows) {
    assert.equal(await r.getAttribute('data-stale'), 'true')
    assert.match(await r.$('[data-testid="row-stale"]').getText(), /not updated since/)
  }
  for (const r of await b.$$('[data-testid="account-row"][data-provider="twilio"]')) {
    assert.equal(await r.getAttribute('data-stale'), null, 'the Twilio rows are fresh')
  }
  assert.match(await count(), / of 13$/)

  const retry = failure.$('[data-testid="connection-retry"]')
  assert.equal(await retry.getAttribute('aria-label'), 'Retry listing Sim Vobiz')

  // It comes back; Retry lists it again and the mark goes.
  await setFaults(vobizSim, { fault_rate: 0 })
  await until(() => retry.isEnabled(), { message: 'Retry enabled' })
  await retry.click()
  await until(async () => !(await b.$('[data-testid="connection-failure"]').isExisting()), { message: 'the alert to go', timeout: 60000 })
  await until(async () => (await b.$$('[data-testid="account-row"][data-stale="true"]')).length === 0, { message: 'no stale row left' })
  assert.equal((await vobizRows()).length, 5)
})

test('a close done with the keyboard alone returns focus to the row acted on', async () => {
  const target = (await twilioSim.state()).twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active')
  const sid = target.sid
  const active = () =>
    b.execute(() => {
      const el = document.activeElement
      const tr = el?.closest('[data-testid="account-row"]')
      return { testid: el?.dataset?.testid ?? el?.tagName ?? null, row: tr?.dataset.id ?? null, dialog: !!el?.closest('dialog') }
    })
  // Focus in the search box, where the test starts.
  await byId(b, 'search-input').click()
  assert.equal((await active()).testid, 'search-input')

  // Typed into the focused box (WebDriver's element send-keys: key events, like a user).
  await byId(b, 'search-input').addValue(sid)
  await until(async () => /^showing 1 of /.test(await count()), { message: `the table filtered to ${sid}` })
  await row(sid).waitForDisplayed()
  // Tab forward until the row's Close account… button has focus.
  let reached = false
  for (let i = 0; i < 30 && !reached; i++) {
    await b.keys('Tab')
    const a = await active()
    reached = a.testid === 'row-action-close' && a.row === sid
  }
  assert.ok(reached, 'Tab reaches the row\'s Close account… button')
  await b.keys('Enter')
  await byId(b, 'action-dialog').waitForDisplayed()
  await byId(b, 'impact-numbers').waitForDisplayed({ timeout: 20000 })
  // The dialog puts focus in the typed confirmation.
  assert.equal((await active()).testid, 'confirm-input')
  await byId(b, 'confirm-input').addValue(sid.slice(-3))
  await until(() => byId(b, 'confirm-button').isEnabled(), { message: 'the typed confirmation accepted' })
  await b.keys('Enter')
  await until(async () => !(await b.$('dialog[open]').isExisting()), { message: 'the dialog to close' })
  await until(async () => (await row(sid).getAttribute('data-status')) === 'closed', { message: 'the row closed' })
  assert.equal((await twilioSim.state()).twilio.find((a) => a.sid === sid).status, 'closed')

  const a = await until(async () => {
    const a = await active()
    return a.row && a
  }, { message: 'focus back on a row' })
  assert.equal(a.row, sid, `focus is on the row acted on (${JSON.stringify(a)})`)
  assert.equal(a.dialog, false)
})
