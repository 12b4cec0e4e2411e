// Account detail in the real app, on the demo workspace: a Twilio account's numbers are the ones
// its Close dialog counts, Hide returns focus to the row, and a provider without a reported
// balance says so in a sentence.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, byId, until, showOnly, typeInto } from '../lib/harness.mjs'

let app
before(async () => {
  app = await startApp({ name: 'detail' })
})
after(async () => {
  await app?.stop()
})

/** The ID of the first demo row of this provider in this status. */
async function firstRow(b, provider, status = 'active') {
  return until(
    () => b.$(`[data-testid="account-row"][data-provider="${provider}"][data-status="${status}"]`).getAttribute('data-id'),
    { timeout: 30000, message: `an ${status} ${provider} row` },
  )
}

test("a Twilio account's detail lists the numbers its Close dialog counts, and Hide returns focus", async () => {
  const b = app.browser
  const id = await firstRow(b, 'twilio')
  const row = await showOnly(b, id)
  await row.$('[data-testid="row-detail"]').click()
  const count = byId(b, 'detail-numbers-count')
  await count.waitForDisplayed({ timeout: 20000 })
  const shown = Number((await count.getText()).match(/\((\d+)\)/)?.[1])
  assert.ok(Number.isInteger(shown), `a number count is shown: ${await count.getText()}`)
  if (shown > 0) {
    const listed = await b.$$('[data-testid="detail-numbers"] li')
    assert.equal(listed.length, shown, 'one list item per number')
  }
  assert.ok((await byId(b, 'detail-balance').getText()).trim().length > 0, 'the balance line says something')

  await byId(b, 'detail-hide').click()
  await until(async () => !(await byId(b, 'detail-hide').isExisting()), { message: 'the detail hidden' })
  const focused = await b.execute(() => document.activeElement?.getAttribute('data-testid'))
  assert.equal(focused, 'row-detail', 'focus is back on the row that opened the detail')

  await row.$('[data-testid="row-action-close"]').click()
  await byId(b, 'action-dialog').waitForDisplayed()
  const impact = byId(b, 'impact-numbers')
  await impact.waitForDisplayed({ timeout: 20000 })
  const counted = Number((await impact.getText()).replace(/[^\d]/g, ''))
  assert.equal(counted, shown, 'the Close dialog counts the numbers the detail listed')
  await b.keys('Escape')
  await until(async () => !(await b.$('dialog[open]').isExisting()), { message: 'the dialog closed' })
})

test('a Plivo account says in words that no balance is reported', async () => {
  const b = app.browser
  // The table only renders the rows in view: search for a demo Plivo tenant by name first.
  await typeInto(await byId(b, 'search-input'), 'Harbour Dental')
  const row = b.$('[data-testid="account-row"][data-provider="plivo"]')
  await row.waitForDisplayed({ timeout: 20000 })
  await row.$('[data-testid="row-detail"]').click()
  const balance = byId(b, 'detail-balance')
  await balance.waitForDisplayed({ timeout: 20000 })
  await until(async () => /not report/i.test(await balance.getText()), { message: `a "does not report" sentence, got: ${await balance.getText()}` })
  await byId(b, 'detail-hide').click()
})
