// A settings file torn by a crash or a full disk: the app moves it aside, says where it went,
// and does not pretend to be a first start (no demo opens in its place).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startApp, byId } from '../lib/harness.mjs'

const TORN = '{"connections":[{"id":"7f0c1f8e-4c1e-4d6b-9b7e-0c2b6b6a1a01","provider":"twi'
let app
let b

before(async () => {
  app = await startApp({
    name: 'settings-recovery',
    prepare: (dataDir) => writeFileSync(join(dataDir, 'settings.json'), TORN),
  })
  b = app.browser
})
after(async () => {
  await app?.stop()
})

test('a torn settings file is moved aside and the banner says where', async () => {
  const banner = byId(b, 'problem-banner')
  await banner.waitForDisplayed({ timeout: 30000 })
  const text = await banner.getText()
  assert.match(text, /could not read its settings file/)
  const aside = readdirSync(app.dataDir).find((f) => f.startsWith('settings.json.unreadable-'))
  assert.ok(aside, `moved aside in ${app.dataDir}: ${readdirSync(app.dataDir)}`)
  assert.ok(text.includes(aside), `the banner names ${aside}`)
  assert.equal(readFileSync(join(app.dataDir, aside), 'utf8'), TORN, 'kept as it was')
  assert.equal(await byId(b, 'demo-banner').isExisting(), false, 'no demo in its place')
})
