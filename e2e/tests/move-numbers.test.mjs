// Closing a Twilio subaccount without losing its numbers, end to end in the real app: the Close
// dialog offers "Move its N phone numbers to the parent account first"; ticked, each number is
// moved to the parent (the simulator's listing says so), then the subaccount is closed, and the
// History view has one entry per number moved and the close.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, showOnly, confirmDialog } from '../lib/harness.mjs'

let sim
let app
let b

before(async () => {
  sim = await startSim(['--twilio-subaccounts', '12', '--vobiz-subaccounts', '0', '--latency-ms', '10'])
  app = await startApp({ name: 'move-numbers', env: { SUBDESK_NO_DEMO: '1' } })
  b = app.browser
})
after(async () => {
  await app?.stop()
  sim?.stop()
})

const twilioState = async (sid) => (await sim.state()).twilio.find((a) => a.sid === sid)
const row = (sid) => b.$(`[data-testid="account-row"][data-id="${sid}"]`)

test('a Twilio connection is added', async () => {
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
  await byId(b, 'conn-provider').selectByAttribute('value', 'twilio')
  await typeInto(await byId(b, 'conn-label'), 'Reseller Twilio')
  await typeInto(await byId(b, 'conn-account-id'), sim.twilio.account_sid)
  await typeInto(await byId(b, 'conn-secret'), sim.twilio.auth_token)
  await b.$('[data-testid="add-connection"] details summary').click()
  await typeInto(await byId(b, 'conn-base-url'), sim.base_url)
  await byId(b, 'conn-test').click()
  await byId(b, 'conn-verified').waitForDisplayed({ timeout: 20000 })
  await byId(b, 'conn-save').click()
  await byId(b, 'connection-item').waitForDisplayed({ timeout: 20000 })
})

test('closing with the move ticked moves every number to the parent, then closes', async () => {
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 12$/.test(await byId(b, 'accounts-count').getText()), { message: '12 rows' })
  const state = await sim.state()
  const parentBefore = state.twilio.find((a) => a.sid === sim.twilio.account_sid).numbers
  const target = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active' && a.numbers > 1)
  assert.ok(target, 'the simulator seeded an active subaccount with several numbers')
  const sid = target.sid
  await showOnly(b, sid)

  await row(sid).$('[data-testid="row-action-close"]').click()
  const move = byId(b, 'choice-move_numbers')
  await until(
    async () => (await move.getText()).includes(`Move its ${target.numbers} phone numbers to the parent account first`),
    { message: 'the move offered with the count' },
  )
  const impact = async () => {
    const items = await b.$$('[data-testid="impact-consequences"] li')
    const out = []
    for (const li of items) out.push(await li.getText())
    return out
  }
  const n = target.numbers
  assert.equal((await impact())[0], `Twilio releases all ${n} of its phone numbers. Released numbers may go to someone else.`)
  assert.equal(await byId(b, 'impact-numbers').getText(), `${n} phone numbers will be released.`)
  await move.$('input[type="checkbox"]').click()
  // Ticked, the impact is true for the move: the numbers go to the parent, the close releases
  // none, and a number that stays means no close is sent.
  await until(async () => (await impact())[0].startsWith('Subdesk moves'), { message: 'the impact to follow the tick' })
  const moved = await impact()
  assert.equal(
    moved[0],
    `Subdesk moves its ${n} phone numbers to the parent account first, so the close releases none. If a number cannot be moved, the close is not sent: the subaccount stays open and keeps the numbers that stayed.`,
  )
  assert.ok(moved.every((c) => !c.includes('releases all')), `no release said: ${moved}`)
  assert.equal(
    await byId(b, 'impact-numbers').getText(),
    `${n} phone numbers will be moved to the parent account first; none will be released.`,
  )
  await typeInto(await byId(b, 'confirm-input'), sid.slice(-3))
  const confirm = byId(b, 'confirm-button')
  await until(() => confirm.isEnabled(), { message: 'confirm enabled' })
  await confirm.click()
  await until(async () => (await row(sid).getAttribute('data-status')) === 'closed', { message: 'row closed' })

  const after = await sim.state()
  assert.equal(after.twilio.find((a) => a.sid === sid).status, 'closed')
  assert.equal(
    after.twilio.find((a) => a.sid === sim.twilio.account_sid).numbers,
    parentBefore + target.numbers,
    'the parent holds the numbers that moved',
  )
  assert.equal((await twilioState(sid)).numbers, 0)
  const writes = (await sim.requests()).filter((r) => r.method === 'POST' && r.path.includes(sid))
  assert.equal(writes.filter((r) => r.path.includes('/IncomingPhoneNumbers/')).length, target.numbers, 'one move per number')
  assert.equal(writes.filter((r) => r.path.endsWith(`/Accounts/${sid}.json`)).length, 1, 'one close, after the moves')
  assert.ok(writes.at(-1).path.endsWith(`/Accounts/${sid}.json`), 'the close is the last write')

  // The History view: the close, newest first, then one entry per number moved.
  await byId(b, 'nav-history').click()
  const rows = await until(async () => {
    const r = await b.$$('[data-testid="history-row"]')
    return r.length >= target.numbers + 1 && r
  }, { message: 'the moves and the close in the history' })
  const seen = []
  for (const r of rows) seen.push(`${await r.getAttribute('data-action')}:${await r.getAttribute('data-outcome')}`)
  assert.deepEqual(seen, ['close:succeeded', ...Array(target.numbers).fill('move_number:succeeded')])
  await rows[1].$('button').click()
  const detail = byId(b, 'history-detail')
  await detail.waitForDisplayed()
  assert.match(await detail.getText(), /\+1\d{10}/, 'the moved number is in its entry')
})

/** The subaccount a Usage Records read was for (`/Accounts/{sid}/Usage/Records/…`). */
const usageOf = (r) => r.method === 'GET' && /\/Accounts\/(AC[0-9a-f]{32})\/Usage\/Records\//.exec(r.path)?.[1]
const usageReads = async () => (await sim.requests()).map(usageOf).filter(Boolean)

test('after a single action only that account’s spend is read again; Refresh reads every one', async () => {
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 12$/.test(await byId(b, 'accounts-count').getText()), { message: '12 rows' })
  await until(async () => !(await byId(b, 'figures-progress').isExisting()), { timeout: 60000, message: 'the figures read to end' })
  const subaccounts = (await sim.state()).twilio.filter((a) => a.owner_account_sid !== a.sid)
  const target = subaccounts.find((a) => a.status === 'active')
  const before = (await usageReads()).length
  await showOnly(b, target.sid)
  await row(target.sid).$('[data-testid="row-action-suspend"]').click()
  await confirmDialog(b)
  await until(async () => (await row(target.sid).getAttribute('data-status')) === 'suspended', { message: 'row suspended' })
  await until(async () => (await usageReads()).length > before, { message: 'the suspended account’s spend read again' })
  // Time for any other read to start: none should.
  await new Promise((r) => setTimeout(r, 1500))
  const afterAction = await usageReads()
  assert.deepEqual([...new Set(afterAction.slice(before))], [target.sid], 'only the changed account is read again')

  await byId(b, 'refresh-button').click()
  const all = subaccounts.map((a) => a.sid).sort()
  await until(async () => new Set((await usageReads()).slice(afterAction.length)).size === all.length, {
    timeout: 60000,
    message: 'Refresh to read every account’s spend again',
  })
  assert.deepEqual([...new Set((await usageReads()).slice(afterAction.length))].sort(), all)
})
