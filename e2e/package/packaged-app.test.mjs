// The binary unpacked from the .deb (scripts/test-package sets SUBDESK_APP to it) starts under
// Xvfb and shows the demo workspace: the package holds a working app, not only files.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, byId, until, APP } from '../lib/harness.mjs'

let app
before(async () => {
  assert.ok(process.env.SUBDESK_APP, 'SUBDESK_APP names the packaged binary (run scripts/test-package)')
  app = await startApp({ name: 'packaged-app' })
})
after(async () => {
  await app?.stop()
})

test('the packaged binary opens the demo workspace with its table', async () => {
  assert.match(APP, /usr\/bin\/subdesk$/)
  await byId(app.browser, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  const count = await until(async () => {
    const t = await byId(app.browser, 'accounts-count').getText()
    return / of 71$/.test(t) && t
  }, { message: 'all 71 demo accounts to be listed' })
  // Closed and deleted demo accounts are listed but hidden by default: the total counts.
  assert.match(count, / of 71$/)
})
