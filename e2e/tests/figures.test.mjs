// Spend and Balance in the real app, against the demo's simulator: the figures are read after
// the listing (a progress line while they come), and sorting by spend orders the rows by it,
// largest first on the second click, rows without a figure last.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startApp, byId, until, ARTIFACTS } from '../lib/harness.mjs'

let app
before(async () => {
  app = await startApp({ name: 'figures' })
})
after(async () => {
  await app?.stop()
})

/** The spend of the rows in view, in table order: a number, or null for a row without one. */
async function spends(b) {
  const cells = await b.$$('[data-testid="row-spend"]')
  const out = []
  for (const c of cells) {
    const v = await c.getAttribute('data-value')
    out.push(v ? Number(v) : null)
  }
  return out
}

test('the table shows each Twilio tenant spend with its currency once read', async () => {
  const b = app.browser
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), {
    message: 'all 71 demo accounts to be listed',
  })
  // The read starts when the listing ends; its progress line goes when it is done.
  const text = await until(async () => {
    const twilio = await b.$('[data-testid="account-row"][data-provider="twilio"][data-status="active"]')
    const t = await twilio.$('[data-testid="row-spend"]').getProperty('textContent')
    return /USD/.test(t) && t
  }, { timeout: 60000, message: 'a Twilio spend to be read' })
  assert.match(text, /\d+\.\d{4} USD/)
  await until(async () => !(await byId(b, 'figures-progress').isExisting()), {
    timeout: 60000,
    message: 'the figures read to end',
  })
})

test('sorting by spend puts the largest first on the second click, rows without a figure last', async () => {
  const b = app.browser
  await byId(b, 'sort-spend').click()
  await byId(b, 'sort-spend').click()
  const th = await byId(b, 'sort-spend').parentElement()
  assert.equal(await th.getAttribute('aria-sort'), 'descending')
  const values = await until(async () => {
    const v = await spends(b)
    return v.length > 5 && v[0] !== null && v
  }, { message: 'spend values in view' })
  const read = values.filter((v) => v !== null)
  assert.ok(read.length > 3, `values: ${values}`)
  const firstMissing = values.indexOf(null)
  if (firstMissing >= 0) assert.ok(values.slice(firstMissing).every((v) => v === null), `missing last: ${values}`)
  for (let i = 1; i < read.length; i++) assert.ok(read[i - 1] >= read[i], `descending: ${read}`)
  await b.saveScreenshot(join(ARTIFACTS, 'figures-sorted-by-spend.png'))
})
