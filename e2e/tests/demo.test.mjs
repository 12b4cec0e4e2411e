// Foundation: the real app starts into the demo workspace and shows the seeded accounts with
// status badges; a screenshot of the window is kept in artifacts/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { startApp, byId, until, ARTIFACTS } from '../lib/harness.mjs'

let app
before(async () => {
  app = await startApp({ name: 'demo' })
})
after(async () => {
  await app?.stop()
})

test('the demo workspace opens with a banner saying nothing real is touched', async () => {
  const banner = byId(app.browser, 'demo-banner')
  await banner.waitForDisplayed({ timeout: 30000 })
  assert.match(await banner.getText(), /Nothing real is touched/)
})

test('the table lists every seeded tenant of every demo connection with badges', async () => {
  const b = app.browser
  // 40 Twilio + 15 Vobiz + 6 Plivo + 5 Vonage + 5 Telnyx demo tenants (cancelled Telnyx ones left out).
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), {
    message: 'all 71 demo accounts to be listed',
  })
  // Closed and deleted accounts are hidden by default, behind a visible switch.
  const showEnded = byId(b, 'toggle-ended')
  if (await showEnded.isExisting()) await showEnded.click()
  const count = await until(async () => {
    const t = await byId(b, 'accounts-count').getText()
    return t === 'showing 71 of 71' && t
  }, { message: 'all 71 demo accounts to be shown' })
  assert.equal(count, 'showing 71 of 71')
  const rows = await b.$$('[data-testid="account-row"]')
  assert.ok(rows.length >= 10, `rendered rows: ${rows.length}`)
  const seen = new Set()
  for (const row of rows.slice(0, 15)) {
    const status = await row.getAttribute('data-status')
    const badge = await row.$('[data-testid="status-badge"]')
    // A provider that reports no state (Telnyx) shows "not reported" for its unknown rows.
    const kind = await badge.getAttribute('data-kind')
    const expected = status === 'unknown' && kind === 'not-reported' ? 'not reported' : status
    assert.equal((await badge.getText()).toLowerCase(), expected, 'badge text matches the row status')
    seen.add(status)
  }
  assert.ok(seen.has('active') && seen.has('suspended'), `statuses seen: ${[...seen]}`)
  const providers = new Set()
  for (const row of rows) providers.add(await row.getAttribute('data-provider'))
  assert.deepEqual([...providers].sort(), ['plivo', 'telnyx', 'twilio', 'vobiz', 'vonage'], 'five providers in one table')
})

test('the demo connections are marked demo and cannot be removed', async () => {
  const b = app.browser
  await byId(b, 'nav-connections').click()
  const items = await b.$$('[data-testid="connection-item"]')
  assert.equal(items.length, 5)
  for (const item of items) {
    assert.ok(await item.$('[data-testid="connection-demo"]').isExisting())
    assert.equal(await item.$('[data-testid="connection-remove"]').isExisting(), false)
  }
  await byId(b, 'nav-accounts').click()
})

test('a screenshot of the demo workspace is saved', async () => {
  await byId(app.browser, 'accounts-table').waitForDisplayed()
  const path = join(ARTIFACTS, 'demo-workspace.png')
  await app.browser.saveScreenshot(path)
  assert.ok(statSync(path).size > 20000, 'the screenshot has content')
})
