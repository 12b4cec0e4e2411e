// Team history end to end in the real app, against a real PostgreSQL started by
// ./scripts/team-db (the README's way of trying it): Connections > Team history is filled in,
// *Test* answers in core's sentence, the password goes to the real Secret Service only; an
// action lands in the team database and History shows it with this desktop's name; another
// desktop's claim (written into the database as that desktop would) marks its row "In progress
// elsewhere" and refuses the action with who and since when, nothing sent.
// A second app instance, with its own data folder, D-Bus session and keychain (a second
// desktop), shares the trail both ways.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { startApp, startSim, byId, until, typeInto, filesUnder, showOnly, addConnection, confirmDialog, ROOT, KEYCHAIN_SERVICE } from '../lib/harness.mjs'

const TEAM_DB = join(ROOT, 'scripts/team-db')
const DESKTOP = 'E2E-DESK-1'
const port = String(30000 + (process.pid % 20000))
let dbDir
let psql
let password
let sim
let app
let b

const isRoot = process.getuid?.() === 0

/** One value from the team database, asked as its owner over the folder's socket. */
function sql(query) {
  const args = ['-h', dbDir, '-p', port, '-U', 'postgres', '-d', 'subdesk', '-tAc', query]
  const out = isRoot ? execFileSync('runuser', ['-u', 'postgres', '--', psql, ...args]) : execFileSync(psql, args)
  return out.toString().trim()
}

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'subdesk-team-db-'))
  const printed = execFileSync('bash', [TEAM_DB, '--port', port], { env: { ...process.env, SUBDESK_TEAM_DB_DIR: dbDir } }).toString()
  password = /Password\s+(\S+)/.exec(printed)?.[1]
  assert.ok(password, `team-db printed the settings to enter:\n${printed}`)
  const bin = execFileSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']).toString().trim()
  psql = join(bin, 'psql')
  sim = await startSim(['--twilio-subaccounts', '6', '--vobiz-subaccounts', '1', '--latency-ms', '10'])
  app = await startApp({ name: 'team', env: { SUBDESK_NO_DEMO: '1', SUBDESK_DESKTOP_NAME: DESKTOP } })
  b = app.browser
})
after(async () => {
  await app?.stop()
  sim?.stop()
  if (dbDir) {
    try {
      execFileSync('bash', [TEAM_DB, 'stop'], { env: { ...process.env, SUBDESK_TEAM_DB_DIR: dbDir } })
    } catch {}
    rmSync(dbDir, { recursive: true, force: true })
  }
})

const row = (sid) => b.$(`[data-testid="account-row"][data-id="${sid}"]`)

async function fillTeam(pw, browser = b) {
  await typeInto(await byId(browser, 'team-host'), '127.0.0.1')
  await typeInto(await byId(browser, 'team-port'), port)
  await typeInto(await byId(browser, 'team-database'), 'subdesk')
  await typeInto(await byId(browser, 'team-user'), 'subdesk_app')
  await typeInto(await byId(browser, 'team-password'), pw)
}

test('Test says what is wrong, then what it found; saving keeps the password in the keychain only', async () => {
  await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'welcome-add-connection').click()
  await byId(b, 'team-desktop').waitForDisplayed({ timeout: 20000 })
  assert.equal(await byId(b, 'team-desktop').getText(), DESKTOP)

  await fillTeam('not-the-password')
  await byId(b, 'team-test').click()
  const tested = byId(b, 'team-tested')
  await tested.waitForDisplayed({ timeout: 20000 })
  assert.equal(await tested.getText(), 'The team database refused the user name or password. Check them with whoever runs the database.')

  await typeInto(await byId(b, 'team-password'), password)
  await byId(b, 'team-test').click()
  await until(async () => /^Connected: a Subdesk team history with 0 entries/.test(await byId(b, 'team-tested').getText()), {
    message: 'Test to connect',
  })

  await byId(b, 'team-enabled').click()
  await byId(b, 'team-save').click()
  await byId(b, 'team-saved').waitForDisplayed({ timeout: 20000 })
  assert.equal(await byId(b, 'team-password').getValue(), '', 'the password field is cleared')
  const kept = execFileSync('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', 'team-history-password']).toString()
  assert.equal(kept, password, 'the password is in the Secret Service')
  const settings = readFileSync(join(app.dataDir, 'settings.json'), 'utf8')
  assert.match(settings, /"team"/)
  assert.ok(!settings.includes(password), 'the password is not in settings.json')
})

test('an action goes into the team database, and History shows it with this desktop', async () => {
  await addConnection(b, {
    provider: 'twilio',
    label: 'Reseller Twilio',
    accountId: sim.twilio.account_sid,
    token: sim.twilio.auth_token,
    baseUrl: sim.base_url,
  })
  await byId(b, 'nav-accounts').click()
  const state = await sim.state()
  const target = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active')
  await showOnly(b, target.sid)
  await row(target.sid).$('[data-testid="row-action-suspend"]').click()
  await confirmDialog(b)
  await until(async () => (await row(target.sid).getAttribute('data-status')) === 'suspended', { message: 'row suspended' })

  assert.equal(sql(`SELECT count(*) FROM entries WHERE account_id = '${target.sid}' AND action = 'suspend'`), '1')
  await until(() => sql(`SELECT count(*) FROM outcomes WHERE outcome = 'succeeded'`) === '1', { message: 'the outcome in the team database' })
  assert.equal(sql(`SELECT desktop FROM entries`), DESKTOP)

  await byId(b, 'nav-history').click()
  const first = await until(async () => (await b.$$('[data-testid="history-row"]'))[0], { message: 'a history row' })
  assert.equal(await first.getAttribute('data-action'), 'suspend')
  assert.equal(await first.getAttribute('data-outcome'), 'succeeded')
  assert.match(await first.$('[data-testid="history-operator"]').getText(), new RegExp(` on ${DESKTOP}$`))
})

test("another desktop's claim marks its row and refuses the action with who and since when", async () => {
  const state = await sim.state()
  const other = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active')
  sql(
    `INSERT INTO claims (provider, parent_account, account_id, holder, operator, desktop, action, lease_until)
     VALUES ('twilio', '${sim.twilio.account_sid}', '${other.sid}', gen_random_uuid(), 'Dana', 'DESKTOP-2', 'close',
             now() + interval '10 minutes')`,
  )
  await byId(b, 'nav-accounts').click()
  await byId(b, 'refresh-button').click()
  await showOnly(b, other.sid)
  const mark = await until(async () => {
    const m = await row(other.sid).$('[data-testid="row-held-elsewhere"]')
    return (await m.isExisting()) && m
  }, { message: 'the row to say it is in progress elsewhere' })
  assert.equal(await mark.getText(), 'In progress elsewhere')
  assert.match(await mark.getAttribute('title'), /^In progress on DESKTOP-2: Dana started a Close \d+ s ago\.$/)

  await row(other.sid).$('[data-testid="row-action-suspend"]').click()
  const confirm = byId(b, 'confirm-button')
  await until(() => confirm.isEnabled(), { message: 'the confirm button' })
  await confirm.click()
  const error = byId(b, 'dialog-error')
  await error.waitForDisplayed({ timeout: 20000 })
  assert.match(await error.getText(), /^Dana, on DESKTOP-2, started a Close .* ago\. Nothing was sent/)
  assert.equal((await sim.state()).twilio.find((a) => a.sid === other.sid).status, 'active', 'nothing was sent')
})

test('a second app, with its own data folder and keychain, shares the trail both ways and is held by the same claims', async () => {
  // A second desktop: its own D-Bus session and Secret Service (so single-instance does not
  // hand it to the first app), its own data folder, the same team database.
  const second = await startApp({ name: 'team-second', ownSession: true, env: { SUBDESK_NO_DEMO: '1', SUBDESK_DESKTOP_NAME: 'E2E-DESK-2' } })
  try {
    const b2 = second.browser
    assert.notEqual(second.dataDir, app.dataDir)
    await byId(b2, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
    await byId(b2, 'welcome-add-connection').click()
    await byId(b2, 'team-desktop').waitForDisplayed({ timeout: 20000 })
    assert.equal(await byId(b2, 'team-desktop').getText(), 'E2E-DESK-2')
    await fillTeam(password, b2)
    await byId(b2, 'team-enabled').click()
    await byId(b2, 'team-save').click()
    await byId(b2, 'team-saved').waitForDisplayed({ timeout: 20000 })
    await addConnection(b2, {
      provider: 'twilio',
      label: 'Reseller Twilio',
      accountId: sim.twilio.account_sid,
      token: sim.twilio.auth_token,
      baseUrl: sim.base_url,
    })

    // One trail: the second app's History shows the first desktop's suspend.
    await byId(b2, 'nav-history').click()
    const theirs = await until(async () => {
      for (const r of await b2.$$('[data-testid="history-row"]')) {
        const who = await r.$('[data-testid="history-operator"]')
        if ((await who.isExisting()) && / on E2E-DESK-1$/.test(await who.getText())) return r
      }
      return false
    }, { message: "the first desktop's entry in the second app's History" })
    assert.equal(await theirs.getAttribute('data-action'), 'suspend')
    assert.equal(await theirs.getAttribute('data-outcome'), 'succeeded')

    // The same claims: the account Dana's desktop holds is refused here too, nothing sent.
    const held = sql(`SELECT account_id FROM claims WHERE desktop = 'DESKTOP-2'`)
    await byId(b2, 'nav-accounts').click()
    await showOnly(b2, held)
    await b2.$(`[data-testid="account-row"][data-id="${held}"]`).$('[data-testid="row-action-suspend"]').click()
    const confirm = byId(b2, 'confirm-button')
    await until(() => confirm.isEnabled(), { message: "the second app's confirm button" })
    await confirm.click()
    const error = byId(b2, 'dialog-error')
    await error.waitForDisplayed({ timeout: 20000 })
    assert.match(await error.getText(), /^Dana, on DESKTOP-2, started a Close .* ago\. Nothing was sent/)
    await byId(b2, 'cancel-button').click()
    assert.equal((await sim.state()).twilio.find((a) => a.sid === held).status, 'active', 'nothing was sent')

    // The second app suspends another account, and the first app's History shows it with the
    // second desktop's name.
    const state = await sim.state()
    const next = state.twilio.find((a) => a.owner_account_sid !== a.sid && a.status === 'active' && a.sid !== held)
    await showOnly(b2, next.sid)
    await b2.$(`[data-testid="account-row"][data-id="${next.sid}"]`).$('[data-testid="row-action-suspend"]').click()
    await confirmDialog(b2)
    await until(async () => (await b2.$(`[data-testid="account-row"][data-id="${next.sid}"]`).getAttribute('data-status')) === 'suspended', {
      message: "the second app's row suspended",
    })
    // The first app still shows the refusal of the test before: close it first.
    if (await byId(b, 'action-dialog').isExisting()) await byId(b, 'cancel-button').click()
    await byId(b, 'nav-history').click()
    await until(async () => {
      for (const r of await b.$$('[data-testid="history-row"]')) {
        const who = await r.$('[data-testid="history-operator"]')
        if ((await who.isExisting()) && / on E2E-DESK-2$/.test(await who.getText())) return true
      }
      return false
    }, { message: "the second desktop's entry in the first app's History" })
    assert.equal(sql(`SELECT count(DISTINCT desktop) FROM entries`), '2')
    assert.equal(sql(`SELECT count(*) FROM entries WHERE account_id = '${next.sid}' AND desktop = 'E2E-DESK-2'`), '1')
  } finally {
    await second.stop()
  }
})

test('the password is nowhere in the data folder or the log', async () => {
  const files = filesUnder(app.dataDir)
  assert.ok(files.some((f) => f.path.endsWith('history.db')), 'the data folder was read')
  for (const f of files) assert.ok(!f.bytes.includes(password), `${f.path} holds the password`)
  assert.ok(!readFileSync(app.logFile, 'utf8').includes(password), 'the log holds the password')
})
