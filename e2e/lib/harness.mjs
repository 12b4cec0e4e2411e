// Starts the real Subdesk binary through tauri-driver (which runs WebKitWebDriver) and gives
// tests a WebdriverIO session, plus the provider simulator as a separate process.
// Run under a display (xvfb-run) and a Secret Service (scripts/with-keyring): scripts/test does.
import { spawn, execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, writeSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { remote } from 'webdriverio'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// Cargo's target folder: ./target unless CARGO_TARGET_DIR moves it. SUBDESK_APP points the tests
// at another build of the app (the packaging layer runs the binary unpacked from the .deb), and
// SUBDESK_SIM at another build of the simulator (the UI benchmark runs both release builds).
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, 'target')
export const APP = process.env.SUBDESK_APP ? resolve(process.env.SUBDESK_APP) : join(TARGET, 'debug/subdesk')
export const SIM = process.env.SUBDESK_SIM ? resolve(process.env.SUBDESK_SIM) : join(TARGET, 'debug/subdesk-sim')
// Logs and screenshots; a second pass of the suite (scripts/test, compositing forced on) keeps
// its own in a folder of its own.
export const ARTIFACTS = process.env.SUBDESK_E2E_ARTIFACTS ? join(ROOT, process.env.SUBDESK_E2E_ARTIFACTS) : join(ROOT, 'artifacts')
export const KEYCHAIN_SERVICE = 'com.subdesk.desktop'

function need(path, what) {
  try {
    statSync(path)
  } catch {
    throw new Error(`${what} is missing at ${path}: run ./scripts/test, which builds it`)
  }
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`]).toString().trim()
  } catch {
    return null
  }
}

/** A port nobody listens on right now. Another process may still take it before we bind it, so
 * every use of one is retried with a fresh port when the bind fails (see startApp). */
async function freePort(avoid = []) {
  for (;;) {
    const port = await new Promise((res, rej) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address()
        s.close(() => res(port))
      })
      s.on('error', rej)
    })
    if (!avoid.includes(port)) return port
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** True once something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port) {
  return new Promise((res) => {
    const c = connect(port, '127.0.0.1')
    c.once('connect', () => {
      c.destroy()
      res(true)
    })
    c.once('error', () => res(false))
  })
}

/** The last lines a process wrote to its log, for error messages. */
export function tail(file, lines = 20) {
  try {
    const text = readFileSync(file, 'utf8').trim()
    return text ? text.split('\n').slice(-lines).join('\n') : '(it printed nothing)'
  } catch {
    return '(no log)'
  }
}

/** Waits until `proc` accepts connections on `port`; says why not otherwise. */
async function waitForListener(proc, port, ms) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      return `it exited (${proc.exitCode ?? proc.signalCode}) before listening on 127.0.0.1:${port}`
    }
    if (await accepts(port)) return null
    await sleep(100)
  }
  return `it did not accept connections on 127.0.0.1:${port} within ${ms} ms`
}

/** Starts the simulator binary; resolves with its JSON line (base URL and credentials). */
export async function startSim(args = []) {
  need(SIM, 'The simulator binary')
  const proc = spawn(SIM, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const rl = createInterface({ input: proc.stdout })
  const info = await new Promise((res, rej) => {
    // The simulator binds port 0 itself and prints the port it got: no port is probed here.
    const t = setTimeout(
      () => rej(new Error(`the simulator (${SIM}) did not print its address on stdout within 20 s`)),
      20000,
    )
    rl.once('line', (l) => {
      clearTimeout(t)
      res(JSON.parse(l))
    })
    proc.once('exit', (code) => rej(new Error(`the simulator exited with ${code}`)))
  })
  return {
    ...info,
    async state() {
      return (await fetch(`${info.base_url}/_sim/state`)).json()
    },
    async requests() {
      return (await fetch(`${info.base_url}/_sim/requests`)).json()
    },
    /** Plans a fault for the next write to `target` (see the simulator's `/_sim/plan`). */
    async planFault(target, kind, applyMs = null) {
      const body = { target, kind, ...(applyMs === null ? {} : { apply_ms: applyMs }) }
      const r = await fetch(`${info.base_url}/_sim/plan`, { method: 'POST', body: JSON.stringify(body) })
      if (r.status !== 204) throw new Error(`the simulator refused the plan: ${await r.text()}`)
    },
    stop() {
      proc.kill('SIGTERM')
    },
  }
}

/**
 * Starts the app in a fresh data folder and returns a WebdriverIO session on its window.
 * `env` adds to the app's environment (tauri-driver and WebKitWebDriver pass it through);
 * `prepare(dataDir)` may put files in the app's data folder before it starts.
 */
/**
 * `ownSession`: the app gets a D-Bus session and Secret Service of its own (scripts/with-keyring
 * around tauri-driver), as a second desktop would: single-instance then does not hand it to the
 * first app, and its keychain is its own.
 */
export async function startApp({ env = {}, name = 'app', prepare = null, ownSession = false } = {}) {
  need(APP, 'The app binary')
  for (const tool of ['tauri-driver', 'WebKitWebDriver']) {
    if (!which(tool)) throw new Error(`${tool} is not installed: run ./scripts/test, which installs it`)
  }
  if (!process.env.DISPLAY) throw new Error('No display: run the end-to-end tests under xvfb-run (./scripts/test does)')
  mkdirSync(ARTIFACTS, { recursive: true })
  const logFile = join(ARTIFACTS, `${name}.log`)
  closeSync(openSync(logFile, 'w'))
  // tauri-driver cannot bind port 0 and report back, and WebKitWebDriver binds its native port
  // only when the session starts: a port found free can be taken by another process meanwhile.
  // So each try gets fresh ports (and a fresh data folder, in case a half-started app of a
  // failed try still holds the old one), and a failed bind is retried, up to TRIES times.
  const TRIES = 4
  let lastProblem = ''
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const home = mkdtempSync(join(tmpdir(), 'subdesk-e2e-'))
    const dataHome = join(home, 'data')
    const configHome = join(home, 'config')
    mkdirSync(dataHome)
    mkdirSync(configHome)
    if (prepare) {
      const dataDir = join(dataHome, KEYCHAIN_SERVICE)
      mkdirSync(dataDir, { recursive: true })
      prepare(dataDir)
    }
    const port = await freePort()
    const nativePort = await freePort([port])
    const log = openSync(logFile, 'a')
    writeSync(log, `--- try ${attempt}: tauri-driver --port ${port} --native-port ${nativePort}\n`)
    const appEnv = {
      ...process.env,
      XDG_DATA_HOME: dataHome,
      XDG_CONFIG_HOME: configHome,
      // Keep GTK from starting accessibility and portal services that outlive the app.
      NO_AT_BRIDGE: '1',
      GTK_USE_PORTAL: '0',
      SUBDESK_LOG: 'info',
      ...env,
    }
    // In a process group of its own (its ID is tauri-driver's PID), which WebKitWebDriver and
    // the app it starts inherit: stopping is by that group, never by a process name.
    const driverArgs = ['--port', String(port), '--native-port', String(nativePort)]
    const [command, args] = ownSession
      ? [join(ROOT, 'scripts/with-keyring'), ['tauri-driver', ...driverArgs]]
      : ['tauri-driver', driverArgs]
    const driver = spawn(command, args, {
      stdio: ['ignore', log, log],
      env: appEnv,
      detached: true,
    })
    const group = driver.pid
    started.add(group)
    closeSync(log)
    const notListening = await waitForListener(driver, port, 15000)
    if (notListening) {
      await stopGroup(driver, group)
      lastProblem = `tauri-driver: ${notListening}`
      continue
    }
    let browser
    try {
      browser = await remote({
        hostname: '127.0.0.1',
        port,
        logLevel: 'error',
        connectionRetryTimeout: 60000,
        capabilities: {
          'tauri:options': { application: APP },
          'wdio:enforceWebDriverClassic': true,
        },
      })
    } catch (e) {
      // A half-started app of this try goes with its group.
      await stopGroup(driver, group)
      lastProblem = `the WebDriver session (tauri-driver on ${port}, WebKitWebDriver on ${nativePort}) did not start: ${e.message}`
      await sleep(500)
      continue
    }
    return {
      browser,
      dataDir: join(dataHome, KEYCHAIN_SERVICE),
      // The environment the app runs with, for starting the same binary again beside it.
      env: appEnv,
      logFile,
      /** The app's main process (started by WebKitWebDriver in tauri-driver's group), or null. */
      appPid() {
        return appIn(group)
      },
      async stop() {
        try {
          await browser.deleteSession()
        } catch {}
        // The app is one instance per desktop session: a next test's app started while this
        // one is still exiting would hand over to it and exit. Wait until it is gone.
        await stopGroup(driver, group)
      },
    }
  }
  throw new Error(
    `The app could not be started through tauri-driver in ${TRIES} tries. Last problem: ${lastProblem}\n` +
      `Last lines of ${logFile}:\n${tail(logFile)}`,
  )
}

/**
 * Searches the accounts table for one ID and waits until the filter has been applied (the
 * search is debounced: until then the unfiltered row is on screen, and a click on it can land
 * on an element the filter is about to replace).
 */
export async function showOnly(b, id) {
  await typeInto(await b.$('[data-testid="search-input"]'), id)
  await until(async () => /^showing 1 of /.test(await b.$('[data-testid="accounts-count"]').getText()), {
    message: `the table filtered to ${id}`,
  })
  const row = b.$(`[data-testid="account-row"][data-id="${id}"]`)
  await row.waitForDisplayed({ timeout: 20000 })
  return row
}

// The process groups of the tauri-drivers started here (each with the app it started), so that
// whatever is left when this process exits (a test that failed before stopping its app, Ctrl-C)
// is stopped too: a detached group does not get the terminal's signals.
const started = new Set()
process.once('exit', () => {
  for (const group of started) signalGroup(group, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)))
}

function signalGroup(group, signal) {
  try {
    process.kill(-group, signal)
  } catch {}
}

/** Every process now: pid -> { ppid, pgrp, state } (from /proc/<pid>/stat). */
function processes() {
  const out = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(Number(name), { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]) })
    } catch {}
  }
  return out
}

/** The live (not zombie) processes of a process group. */
function members(group) {
  return [...processes()].filter(([, p]) => p.pgrp === group && p.state !== 'Z').map(([pid]) => pid)
}

const exe = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/exe`)
  } catch {
    return null
  }
}

/** The app's main process in a group: the one running APP whose parent does not. */
function appIn(group) {
  let app
  try {
    app = realpathSync(APP)
  } catch {
    app = APP
  }
  const procs = processes()
  const ours = members(group).filter((pid) => exe(pid) === app)
  const main = ours.filter((pid) => !ours.includes(procs.get(pid)?.ppid))
  return main.length === 1 ? main[0] : null
}

/**
 * Stops a tauri-driver and everything in its process group (WebKitWebDriver, the app and the
 * app's own processes): SIGTERM to tauri-driver, up to `ms` for the group to empty, then
 * SIGKILL to what is left of the group. Only processes this harness started are touched.
 */
async function stopGroup(driver, group, ms = 15000) {
  if (driver.exitCode === null && driver.signalCode === null) driver.kill('SIGTERM')
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (members(group).length === 0) break
    await sleep(100)
  }
  if (members(group).length > 0) {
    signalGroup(group, 'SIGKILL')
    const killed = Date.now() + 5000
    while (members(group).length > 0 && Date.now() < killed) await sleep(50)
  }
  started.delete(group)
}

/** The element with this data-testid (first match). */
export const byId = (browser, id) => browser.$(`[data-testid="${id}"]`)

/** Waits until `fn` returns a truthy value; returns it. */
export async function until(fn, { timeout = 20000, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  while (Date.now() < deadline) {
    try {
      last = await fn()
      if (last) return last
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`timed out waiting for ${message} (last: ${last})`)
}

/** Every file below `dir`, with its bytes. */
export function filesUnder(dir) {
  const out = []
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push({ path: p, bytes: readFileSync(p) })
    }
  }
  walk(dir)
  return out
}

/** Sets an input's value the way a user would (clear, then type). */
export async function typeInto(el, text) {
  await el.waitForDisplayed()
  await el.clearValue()
  await el.setValue(text)
}

/** The secret the real keychain holds for a connection, via libsecret's CLI. */
export function keychainLookup(connectionId) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', connectionId]).toString()
  } catch {
    return null
  }
}

/** Fills and saves the Add connection form (the Connections view must be open). */
export async function addConnection(b, { provider, label, accountId, token, baseUrl }) {
  await byId(b, 'conn-provider').selectByAttribute('value', provider)
  await typeInto(await byId(b, 'conn-label'), label)
  await typeInto(await byId(b, 'conn-account-id'), accountId)
  await typeInto(await byId(b, 'conn-secret'), token)
  const details = await b.$('[data-testid="add-connection"] details')
  if (!(await details.getAttribute('open'))) await details.$('summary').click()
  await typeInto(await byId(b, 'conn-base-url'), baseUrl)
  const before = (await b.$$('[data-testid="connection-item"]')).length
  await byId(b, 'conn-save').click()
  await until(async () => (await b.$$('[data-testid="connection-item"]')).length === before + 1, {
    message: `the ${provider} connection to be saved`,
    timeout: 15000,
  })
  const items = await b.$$('[data-testid="connection-item"]')
  return items[items.length - 1].getAttribute('data-id')
}

/** Clicks the open dialog's confirm button once the preview has enabled it. */
export async function confirmDialog(b) {
  const confirm = byId(b, 'confirm-button')
  await until(() => confirm.isEnabled(), { message: 'the confirm button to be enabled' })
  await confirm.click()
  await until(async () => !(await byId(b, 'action-dialog').isExisting()) || !(await byId(b, 'action-dialog').isDisplayed()), {
    message: 'the dialog to close',
  })
}
