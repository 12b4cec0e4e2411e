// Accessibility of every view and dialog, light and dark: axe-core (injected through WebDriver)
// must report no violation. Each view is also saved as a screenshot at 1280x820 and 960x600 in
// artifacts/screenshots/<view>-<w>x<h>[-dark].png.
//
// The app starts with no connection (the welcome panel), gets a connection to the simulator
// (for the edit form) and then the demo workspace, and performs one suspension (for History).
// To check another view, add one line to VIEWS: a name and how to open it from the Accounts
// view with no dialog open (it is closed again with Escape and a click on Accounts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, startSim, byId, until, typeInto, addConnection, confirmDialog, showOnly } from '../lib/harness.mjs'
import { checkA11y, pageIsDark, screenshot, setViewport } from '../lib/a11y.mjs'

const SIZES = [
  [1280, 820],
  [960, 600],
]

/** A demo Twilio row in this status; its ID. */
async function demoTwilio(b, status = 'active') {
  // The table renders only the rows in view: narrowed to the demo's tenants, a Twilio one is
  // among them whatever the window's height (the caller then searches for its ID).
  await typeInto(await byId(b, 'search-input'), 'Tenant')
  const row = await until(() => b.$(`[data-testid="account-row"][data-provider="twilio"][data-status="${status}"]`).getAttribute('data-id'), {
    message: `a ${status} Twilio row`,
  })
  return row
}

async function openRowDialog(b, action) {
  const id = await demoTwilio(b)
  const row = await showOnly(b, id)
  await row.$(`[data-testid="row-action-${action}"]`).click()
  await byId(b, 'action-dialog').waitForDisplayed()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  return id
}

async function selectTwo(b) {
  // Only active rows: the table renders just the rows in view (and a few beyond), and in a small
  // window the first two Twilio rows by name need not be among them otherwise.
  await byId(b, 'filter-status').selectByAttribute('value', 'active')
  const boxes = await until(async () => {
    const rows = await b.$$('[data-testid="account-row"][data-provider="twilio"][data-status="active"]')
    return rows.length >= 2 && [await rows[0].$('[data-testid="row-select"]'), await rows[1].$('[data-testid="row-select"]')]
  }, { message: 'two active Twilio rows' })
  await boxes[0].click()
  await boxes[1].click()
  await byId(b, 'bulk-bar').waitForDisplayed()
}

const SHOWN_ENTRY = '[data-testid="history-row"]:not([hidden])'

/** Changes the simulator's knobs (faults) while it runs. */
async function setSim(sim, patch) {
  const r = await fetch(`${sim.base_url}/_sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) })
  if (!r.ok) throw new Error(`the simulator refused the change: ${await r.text()}`)
}

/** name → how to open it from the Accounts view. */
const VIEWS = [
  ['accounts', async (b) => byId(b, 'accounts-table').waitForDisplayed()],
  ['accounts-selection-hidden', async (b) => {
    await selectTwo(b)
    await typeInto(await byId(b, 'search-input'), 'no such account zzz')
    await byId(b, 'bulk-hidden').waitForDisplayed()
  }],
  // "Show selected": only the selected rows, and the way back in the bulk bar.
  ['accounts-show-selected', async (b) => {
    await selectTwo(b)
    await byId(b, 'bulk-show-selected').click()
    await byId(b, 'bulk-only-selected').waitForDisplayed()
  }],
  ['account-detail', async (b) => {
    const row = await showOnly(b, await demoTwilio(b))
    await row.$('[data-testid="row-detail"]').click()
    await byId(b, 'detail-numbers-count').waitForDisplayed({ timeout: 20000 })
  }],
  ['toolbar-more', async (b) => {
    await byId(b, 'toolbar-more').click()
    await byId(b, 'select-from-list').waitForDisplayed()
  }],
  ['select-from-list', async (b) => {
    await byId(b, 'toolbar-more').click()
    await byId(b, 'select-from-list').click()
    await byId(b, 'select-list-dialog').waitForDisplayed()
  }],
  ['dialog-suspend', async (b) => openRowDialog(b, 'suspend')],
  ['dialog-close', async (b) => {
    const id = await openRowDialog(b, 'close')
    await typeInto(await byId(b, 'confirm-input'), id.slice(-3))
    await until(() => byId(b, 'confirm-button').isEnabled(), { message: 'the typed confirmation accepted' })
  }],
  ['dialog-bulk-close', async (b) => {
    await selectTwo(b)
    await byId(b, 'bulk-action-close').click()
    await byId(b, 'bulk-confirm-input').waitForDisplayed({ timeout: 30000 })
  }],
  ['connections', async (b) => {
    await byId(b, 'nav-connections').click()
    await byId(b, 'add-connection').waitForDisplayed()
  }],
  ['connections-edit', async (b) => {
    await byId(b, 'nav-connections').click()
    await byId(b, 'connection-edit').click()
    await byId(b, 'connection-edit-form').waitForDisplayed()
  }],
  ['connections-add-errors', async (b) => {
    await byId(b, 'nav-connections').click()
    await byId(b, 'conn-save').click()
    await byId(b, 'conn-label-error').waitForDisplayed()
  }],
  ['settings', async (b) => {
    await byId(b, 'nav-connections').click()
    const s = byId(b, 'settings-concurrency')
    await s.scrollIntoView()
    await s.waitForDisplayed()
    // Side by side, the two fields' labels and inputs line up (issue 26 item 4).
    const tops = await b.execute(() =>
      ['settings-concurrency', 'settings-display-name'].map((id) => {
        const input = document.querySelector(`[data-testid="${id}"]`)
        const label = input.id ? document.querySelector(`label[for="${input.id}"]`) : input.closest('label').querySelector('span')
        return { label: Math.round(label.getBoundingClientRect().top), input: Math.round(input.getBoundingClientRect().top) }
      }),
    )
    assert.deepEqual(tops[0], tops[1], `labels and inputs at the same heights: ${JSON.stringify(tops)}`)
  }],
  // A bulk job's entries are hidden under its collapsed row: the first entry shown is a single one.
  ['history', async (b) => {
    await byId(b, 'nav-history').click()
    await b.$(SHOWN_ENTRY).waitForDisplayed()
  }],
  ['history-detail', async (b) => {
    await byId(b, 'nav-history').click()
    await b.$(SHOWN_ENTRY).$('button').click()
    await byId(b, 'history-detail').waitForDisplayed()
  }],
  ['about', async (b) => {
    await byId(b, 'nav-about').click()
    await byId(b, 'licence-row').waitForDisplayed({ timeout: 20000 })
  }],
]

/** Back to the Accounts view with no dialog, no search and no selection. */
async function reset(b) {
  for (let i = 0; i < 3 && (await b.$('dialog[open]').isExisting()); i++) await b.keys('Escape')
  await until(async () => !(await b.$('dialog[open]').isExisting()), { message: 'the dialog closed' })
  await byId(b, 'nav-accounts').click()
  const search = byId(b, 'search-input')
  await search.waitForDisplayed({ timeout: 20000 })
  if (await byId(b, 'filter-status').getValue()) await byId(b, 'filter-status').selectByAttribute('value', '')
  if (await search.getValue()) {
    // clearValue fires no input event, so the debounced filter would keep the old text.
    await search.click()
    await b.keys(['Control', 'a'])
    await b.keys('Backspace')
  }
  await until(async () => {
    if (!(await byId(b, 'bulk-bar').isExisting())) return true
    await byId(b, 'bulk-bar').$('button=Clear selection').click()
    return false
  }, { message: 'the selection cleared' })
  await until(async () => {
    const m = (await byId(b, 'accounts-count').getText()).match(/^showing (\d+) of (\d+)$/)
    return m && Number(m[1]) > 1
  }, { message: 'the whole table again' })
}

/** Checks and photographs the current screen at every size. */
async function shoot(b, name, suffix) {
  const [w, h] = SIZES[0]
  await setViewport(b, w, h)
  await checkA11y(b, `${name}${suffix}`)
  for (const [w, h] of SIZES) {
    await setViewport(b, w, h)
    await screenshot(b, `${name}-${w}x${h}${suffix}`)
  }
  await setViewport(b, ...SIZES[0])
}

let sim
before(async () => {
  sim = await startSim(['--twilio-subaccounts', '4', '--vobiz-subaccounts', '0', '--latency-ms', '5', '--seed', '7'])
})
after(() => sim?.stop())

for (const dark of [false, true]) {
  const suffix = dark ? '-dark' : ''
  test(`every view and dialog passes axe-core, ${dark ? 'dark' : 'light'}`, async (t) => {
    // WebKitGTK follows the GTK theme for prefers-color-scheme.
    const app = await startApp({
      name: `a11y${suffix}`,
      env: { SUBDESK_NO_DEMO: '1', ...(dark ? { GTK_THEME: 'Adwaita:dark' } : { GTK_THEME: 'Adwaita' }) },
    })
    t.after(() => app.stop())
    const b = app.browser
    await byId(b, 'welcome-panel').waitForDisplayed({ timeout: 30000 })
    const theme = await pageIsDark(b)
    assert.equal(theme.dark, dark, `the page is ${dark ? 'dark' : 'light'} (body background ${theme.background})`)
    assert.equal(await b.execute(() => matchMedia('(prefers-color-scheme: dark)').matches), dark)
    await shoot(b, 'welcome', suffix)

    await byId(b, 'welcome-add-connection').click()
    await addConnection(b, { provider: 'twilio', label: 'Sim Twilio', accountId: sim.twilio.account_sid, token: sim.twilio.auth_token, baseUrl: sim.base_url })
    await byId(b, 'open-demo').click()
    await until(async () => (await b.$$('[data-testid="connection-item"]')).length === 6, { message: 'the demo beside the connection' })
    await byId(b, 'nav-accounts').click()
    await until(async () => / of 75$/.test(await byId(b, 'accounts-count').getText()), { message: '71 demo + 4 sim accounts' })
    // A checkbox stands beside its words, and a placeholder reads as an example, not as typed text.
    const look = await b.execute(() => {
      const box = document.querySelector('[data-testid="toggle-ended"]')
      const words = [...box.closest('label').childNodes].find((n) => n !== box && n.textContent.trim() !== '')
      const range = document.createRange()
      range.selectNodeContents(words)
      const w = range.getBoundingClientRect()
      const c = box.getBoundingClientRect()
      // WebKit's getComputedStyle ignores '::placeholder': read the rule itself, and resolve its
      // colour in this theme with a probe element.
      const rule = [...document.styleSheets]
        .flatMap((sheet) => [...sheet.cssRules])
        .find((r) => r.selectorText === '::placeholder')
      const probe = document.createElement('span')
      probe.style.color = rule?.style.color ?? ''
      document.body.append(probe)
      const placeholder = getComputedStyle(probe).color
      probe.remove()
      const search = document.querySelector('[data-testid="search-input"]')
      return {
        beside: c.right <= w.left + 1 && c.bottom > w.top && c.top < w.bottom,
        placeholder: { style: rule?.style.fontStyle, color: placeholder, typed: getComputedStyle(search).color },
      }
    })
    assert.ok(look.beside, 'the "Show closed and deleted accounts" checkbox is left of its words, on their line')
    assert.equal(look.placeholder.style, 'italic', `the placeholder is italic (${JSON.stringify(look.placeholder)})`)
    assert.notEqual(look.placeholder.color, look.placeholder.typed, `the placeholder is not the colour of typed text (${JSON.stringify(look.placeholder)})`)

    // One action, for the History view.
    await openRowDialog(b, 'suspend')
    await confirmDialog(b)
    await reset(b)

    for (const [name, open] of VIEWS) {
      await open(b)
      await shoot(b, name, suffix)
      await reset(b)
    }

    // Last, as it suspends two of the Twilio rows the views above open: a finished bulk job's
    // panel (one line), and the job in History, expanded.
    await selectTwo(b)
    await byId(b, 'bulk-action-suspend').click()
    await until(() => byId(b, 'bulk-start').isEnabled(), { message: 'the bulk preview', timeout: 30000 })
    await byId(b, 'bulk-start').click()
    await byId(b, 'job-summary').waitForDisplayed({ timeout: 30000 })
    await reset(b)
    await shoot(b, 'accounts-job-finished', suffix)
    await byId(b, 'nav-history').click()
    await byId(b, 'history-job-toggle').click()
    await b.$('[data-testid="history-row"][data-job]').waitForDisplayed()
    await shoot(b, 'history-job-expanded', suffix)

    // A close's entry opened in History, its Technical details (the saved account) shown.
    await reset(b)
    const closed = await openRowDialog(b, 'close')
    await typeInto(await byId(b, 'confirm-input'), closed.slice(-3))
    await confirmDialog(b)
    await reset(b)
    await byId(b, 'nav-history').click()
    const closeEntry = b.$(`[data-testid="history-row"][data-action="close"][data-account="${closed}"]`)
    await closeEntry.waitForDisplayed({ timeout: 20000 })
    await closeEntry.$('button').click()
    await byId(b, 'history-detail').waitForDisplayed()
    await byId(b, 'history-technical').waitForDisplayed({ timeout: 20000 })
    await byId(b, 'history-technical').$('summary').click()
    await byId(b, 'history-snapshot').waitForDisplayed()
    await shoot(b, 'history-close-entry', suffix)

    // A delete's entry (a demo Vobiz sub-account), its Technical details shown.
    await reset(b)
    await typeInto(await byId(b, 'search-input'), 'Tenant')
    const deleted = await until(() => b.$('[data-testid="account-row"][data-provider="vobiz"][data-status="active"]').getAttribute('data-id'), {
      message: 'an active Vobiz row',
    })
    const vobizRow = await showOnly(b, deleted)
    await vobizRow.$('[data-testid="row-action-delete"]').click()
    await byId(b, 'action-dialog').waitForDisplayed()
    await typeInto(await byId(b, 'confirm-input'), deleted.slice(-3))
    await confirmDialog(b)
    await reset(b)
    await byId(b, 'nav-history').click()
    const deleteEntry = b.$(`[data-testid="history-row"][data-action="delete"][data-account="${deleted}"]`)
    await deleteEntry.waitForDisplayed({ timeout: 20000 })
    await deleteEntry.$('button').click()
    await byId(b, 'history-technical').waitForDisplayed({ timeout: 20000 })
    await byId(b, 'history-technical').$('summary').click()
    await byId(b, 'history-snapshot').waitForDisplayed()
    await shoot(b, 'history-delete-entry', suffix)

    // A provider down: the simulator answers 503 to everything; the listing's alert says so in
    // one sentence, Twilio's own words under Details (opened here).
    await reset(b)
    await setSim(sim, { fault_rate: 1, fault_kinds: ['unavailable'], faults_on_writes_only: false })
    t.after(() => setSim(sim, { fault_rate: 0 }))
    await byId(b, 'refresh-button').click()
    const failure = await byId(b, 'connection-failure')
    await failure.waitForDisplayed({ timeout: 60000 })
    assert.match(await failure.getText(), /^Sim Twilio /)
    await byId(b, 'connection-failure-details').$('summary').click()
    await shoot(b, 'accounts-provider-down', suffix)
    await setSim(sim, { fault_rate: 0 })
  })
}
