// Bulk offboarding in the real app (demo workspace): select every active Twilio tenant, preview,
// type CLOSE N, watch progress, and see the rows closed.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, byId, until, typeInto } from '../lib/harness.mjs'

let app
let b

before(async () => {
  app = await startApp({ name: 'bulk' })
  b = app.browser
  await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  // Closed and deleted accounts are listed but hidden by default: the total is what counts.
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), { message: 'demo listed' })
})
after(async () => {
  await app?.stop()
})

const count = async () => {
  const m = (await byId(b, 'accounts-count').getText()).match(/showing ([\d,]+) of/)
  return Number(m[1].replace(/,/g, ''))
}

test('a bulk close previews, needs the typed count, runs with progress and closes the rows', async () => {
  const conn = byId(b, 'filter-connection')
  const options = await conn.$$('option')
  let twilioValue
  // Option labels are bidi-isolated (invisible U+2068 … U+2069 around the connection's name).
  for (const o of options) if ((await o.getText()).replace(/[\u2066-\u2069]/g, '') === 'Demo Twilio') twilioValue = await o.getAttribute('value')
  await conn.selectByAttribute('value', twilioValue)
  await byId(b, 'filter-status').selectByAttribute('value', 'active')
  const n = await until(async () => {
    const c = await count()
    return c > 0 && c < 40 && c
  }, { message: 'active Twilio rows' })

  await byId(b, 'select-all-matching').click()
  await byId(b, 'bulk-bar').waitForDisplayed()
  assert.match(await byId(b, 'bulk-bar').getText(), new RegExp(`${n} selected`))
  await byId(b, 'bulk-action-close').click()
  const dialog = byId(b, 'bulk-dialog')
  await dialog.waitForDisplayed()
  await byId(b, 'bulk-confirm-input').waitForDisplayed({ timeout: 30000 })
  // The list and the confirmation show while the numbers are still being counted (a clean-clone
  // run read the dialog at "Counting numbers: 22 of 32"); the released numbers come after.
  await until(async () => (await dialog.getAttribute('data-counting')) === 'false', {
    message: 'the numbers counted',
    timeout: 30000,
  })
  const text = await dialog.getText()
  assert.match(text, new RegExp(`${n} accounts will be closed`))
  assert.match(text, /phone numbers? will be released/)
  assert.match(await byId(b, 'bulk-per-connection').getText(), new RegExp(`Demo Twilio\\s*Twilio\\s*${n}`))
  const start = byId(b, 'bulk-start')
  assert.equal(await start.isEnabled(), false)
  await typeInto(await byId(b, 'bulk-confirm-input'), `CLOSE ${n - 1}`)
  assert.equal(await start.isEnabled(), false, 'the wrong count does not unlock')
  await typeInto(await byId(b, 'bulk-confirm-input'), `close ${n}`)
  await until(() => start.isEnabled(), { message: 'start enabled' })
  await start.click()

  await byId(b, 'job-progress').waitForDisplayed()
  // The table stays usable while the job runs.
  await typeInto(await byId(b, 'search-input'), 'Tenant')
  const summary = byId(b, 'job-summary')
  await summary.waitForDisplayed({ timeout: 60000 })
  const done = Number(await byId(b, 'job-counts').$('[data-count="succeeded"]').getText())
  const failed = Number(await byId(b, 'job-counts').$('[data-count="failed"]').getText())
  assert.equal(done + failed, n)
  assert.equal(failed, 0, await summary.getText())

  await byId(b, 'search-input').clearValue()
  await byId(b, 'filter-status').selectByAttribute('value', 'closed')
  await until(async () => (await count()) >= n, { message: 'the closed rows' })
  await byId(b, 'filter-status').selectByAttribute('value', 'active')
  await until(async () => (await count()) === 0, { message: 'no active Twilio row left' })
})

test('the job is in the history, one entry per account', async () => {
  await byId(b, 'nav-history').click()
  await until(async () => (await b.$$('[data-testid="history-row"][data-action="close"]')).length > 0, { message: 'history rows' })
  const rows = await b.$$('[data-testid="history-row"]')
  for (const r of rows) assert.equal(await r.getAttribute('data-outcome'), 'succeeded')
})
