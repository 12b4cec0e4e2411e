// WebKit's accelerated compositing: off by default on a machine without a GPU (this one has
// none), and the demo table works with it forced on and forced off alike.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { startApp, byId, until } from '../lib/harness.mjs'

const hasGpu = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'))

for (const [mode, env, expected] of [
  ['default', {}, hasGpu ? null : 'off'],
  ['forced on', { SUBDESK_COMPOSITING: 'on' }, 'on'],
  ['forced off', { SUBDESK_COMPOSITING: 'off' }, 'off'],
]) {
  test(`the demo table shows with compositing ${mode}`, async () => {
    const app = await startApp({ name: `compositing-${mode.replace(' ', '-')}`, env })
    try {
      const b = app.browser
      await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
      await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), { message: 'the demo listed' })
      if (expected) {
        const said = await until(() => {
          const m = readFileSync(app.logFile, 'utf8').match(/compositing=(on|off)/)
          return m && m[1]
        }, { message: 'the compositing decision in the log' })
        assert.equal(said, expected)
      }
    } finally {
      await app.stop()
    }
  })
}
