// A reason on every action, end to end in the demo workspace: a display name set in Settings,
// an account suspended with a reason, the History view showing both, and the exported CSV row
// carrying them in its own columns (a comma and quotes in the reason stay inside one cell).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { startApp, byId, until, typeInto, showOnly, confirmDialog } from '../lib/harness.mjs'

const EXPORT_PATH = join(tmpdir(), `subdesk-reason-${process.pid}-${Date.now()}.csv`)
const REASON = 'non-payment, "late" #4711'
const NAME = 'Dana K.'
let app
let b
let target

before(async () => {
  // SUBDESK_EXPORT_PATH answers the native save dialog, which WebDriver cannot reach.
  app = await startApp({ name: 'reason', env: { SUBDESK_EXPORT_PATH: EXPORT_PATH } })
  b = app.browser
})
after(async () => {
  await app?.stop()
})

/** RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text) {
  const rows = [[]]
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') rows.at(-1).push(cell), (cell = '')
    else if (c === '\n') rows.at(-1).push(cell), (cell = ''), rows.push([])
    else if (c !== '\r') cell += c
  }
  if (cell !== '' || rows.at(-1).length > 0) rows.at(-1).push(cell)
  return rows.filter((r) => r.length > 1)
}

test('the display name is saved in Settings', async () => {
  await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  await byId(b, 'nav-connections').click()
  const name = byId(b, 'settings-display-name')
  await until(() => name.isEnabled(), { message: 'the settings to load' })
  await typeInto(await name, NAME)
  await byId(b, 'settings-save').click()
  await byId(b, 'settings-saved').waitForDisplayed({ timeout: 10000 })
  assert.equal(await name.getValue(), NAME)
})

test('an account is suspended with a reason', async () => {
  await byId(b, 'nav-accounts').click()
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), {
    message: 'the demo accounts to be listed',
  })
  const active = await b.$('[data-testid="account-row"][data-provider="twilio"][data-status="active"]')
  target = await active.getAttribute('data-id')
  const row = await showOnly(b, target)
  await row.$('[data-testid="row-action-suspend"]').click()
  await byId(b, 'action-dialog').waitForDisplayed()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  const reason = byId(b, 'reason-input')
  assert.equal(await reason.getAttribute('placeholder'), 'non-payment #4711')
  await typeInto(await reason, REASON)
  assert.equal(await reason.getValue(), REASON, 'the whole reason is in the field')
  await confirmDialog(b)
  await until(async () => (await b.$(`[data-testid="account-row"][data-id="${target}"]`).getAttribute('data-status')) === 'suspended', {
    message: 'the row to show suspended',
  })
})

test('the History view shows the reason and the operator with the display name', async () => {
  await byId(b, 'nav-history').click()
  const row = b.$(`[data-testid="history-row"][data-account="${target}"][data-action="suspend"]`)
  await row.waitForDisplayed({ timeout: 20000 })
  assert.equal(await row.getAttribute('data-outcome'), 'succeeded')
  assert.equal(await row.$('[data-testid="history-reason"] [data-testid="short-text"]').getText(), REASON)
  assert.match(await row.$('[data-testid="history-operator"]').getText(), new RegExp(`^\\S+ \\(${NAME.replace('.', '\\.')}\\)$`))
  await row.$('button').click()
  await byId(b, 'history-detail').waitForDisplayed()
  assert.equal(await byId(b, 'history-detail-reason').getText(), REASON)
})

test('the exported CSV row has the reason and the display name in their columns', async () => {
  await byId(b, 'export-csv').click()
  const result = byId(b, 'export-result')
  await result.waitForDisplayed()
  assert.match(await result.getText(), new RegExp(`^Exported 1 entr(y|ies) to ${EXPORT_PATH.replace(/[.]/g, '\\.')}$`))
  const text = readFileSync(EXPORT_PATH, 'utf8')
  assert.equal(text.trim().split('\n').length, 2, 'a header and one line for the one entry')
  const [header, ...rows] = parseCsv(text)
  const at = (name) => header.indexOf(name)
  // Plain headings, in the accounts export's words.
  assert.ok(at('Reason') > 0 && at('Display name') > 0, `columns: ${header}`)
  const entry = rows.find((r) => r[at('Account ID')] === target)
  assert.ok(entry, `a row for ${target}`)
  assert.equal(entry[at('Action')], 'suspend')
  assert.equal(entry[at('Reason')], REASON)
  assert.equal(entry[at('Display name')], NAME)
  assert.notEqual(entry[at('Computer user')], '', 'the OS user stays the actor')
})
