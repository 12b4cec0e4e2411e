// One instance: a second launch of the binary (same user, same D-Bus session, same data folder)
// hands over to the running window and exits with 0, instead of failing on the history lock;
// the first window keeps its table and its history.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startApp, byId, until, tail, APP } from '../lib/harness.mjs'

let app
before(async () => {
  app = await startApp({ name: 'single-instance' })
})
after(async () => {
  await app?.stop()
})

/** Runs the binary once more; resolves with its exit code and what it printed. */
function launchAgain(env, ms = 20000) {
  return new Promise((res, rej) => {
    const proc = spawn(APP, [], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout.on('data', (d) => (out += d))
    proc.stderr.on('data', (d) => (out += d))
    const t = setTimeout(() => {
      proc.kill('SIGKILL')
      rej(new Error(`the second launch was still running after ${ms} ms:\n${out}`))
    }, ms)
    proc.once('exit', (code, signal) => {
      clearTimeout(t)
      res({ code, signal, out })
    })
  })
}

test('a second launch hands over to the running window and exits with 0', async () => {
  const b = app.browser
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), {
    message: 'the demo table in the first window',
  })
  const second = await launchAgain(app.env)
  assert.equal(second.code, 0, `second launch exited with ${second.code ?? second.signal}:\n${second.out}`)
  assert.doesNotMatch(second.out, /history|lock|panicked/i, 'the second launch did not reach the history')
  await until(() => /second launch was handed over/.test(tail(app.logFile, 200)), {
    message: 'the first instance to log the hand-over',
  })
})

test('the first window keeps its table and its history', async () => {
  const b = app.browser
  // Closed and deleted demo accounts are listed but hidden by default: the total counts.
  assert.match(await byId(b, 'accounts-count').getText(), / of 71$/)
  assert.ok(existsSync(join(app.dataDir, 'history.db')), 'history.db is still there')
  await byId(b, 'nav-history').click()
  await byId(b, 'nav-accounts').click()
  await byId(b, 'accounts-table').waitForDisplayed()
})
