// The smallest window (960x600) still shows the table: at least 10 account rows with a finished
// bulk job's panel shown (one line), and at least 8 History rows with a job expanded; the
// History detail opens over the list there, and Escape gives the keyboard back to its row.
// Screenshots of each state at 960x600 and 1280x820 in artifacts/screenshots/layout-*.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, byId, until } from '../lib/harness.mjs'
import { checkA11y, screenshot, setViewport } from '../lib/a11y.mjs'

let app
let b

before(async () => {
  app = await startApp({ name: 'layout' })
  b = app.browser
  await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), { message: 'demo listed' })
})
after(async () => {
  await app?.stop()
})

/** Rows of `rowSelector` wholly inside `scrollerSelector`, below its sticky header. */
function fullyVisible(scrollerSelector, rowSelector) {
  return b.execute(
    (sc, rs) => {
      const scroller = document.querySelector(sc)
      const box = scroller.getBoundingClientRect()
      const head = scroller.querySelector('thead')?.getBoundingClientRect()
      const top = head ? head.bottom : box.top
      return [...scroller.querySelectorAll(rs)].filter((r) => {
        const x = r.getBoundingClientRect()
        return x.height > 0 && x.top >= top - 0.5 && x.bottom <= box.bottom + 0.5
      }).length
    },
    scrollerSelector,
    rowSelector,
  )
}

const height = (sel) => b.execute((s) => document.querySelector(s).getBoundingClientRect().height, sel)

async function shootBoth(name) {
  for (const [w, h] of [[960, 600], [1280, 820]]) {
    await setViewport(b, w, h)
    await screenshot(b, `layout-${name}-${w}x${h}`)
  }
}

test('at 960x600 the accounts table shows at least 10 rows with a finished job panel', async (t) => {
  await byId(b, 'filter-status').selectByAttribute('value', 'active')
  await until(async () => !(await byId(b, 'accounts-count').getText()).startsWith('showing 71'), { message: 'the active rows' })
  await byId(b, 'select-all-matching').click()
  await byId(b, 'bulk-action-suspend').click()
  // A suspension is reversible: no typed confirmation, Start once the preview is in.
  await byId(b, 'bulk-dialog').waitForDisplayed()
  await until(() => byId(b, 'bulk-start').isEnabled(), { message: 'start enabled', timeout: 30000 })
  await byId(b, 'bulk-start').click()
  await byId(b, 'job-summary').waitForDisplayed({ timeout: 60000 })
  await byId(b, 'filter-status').selectByAttribute('value', '')

  await setViewport(b, 960, 600)
  const rows = await until(async () => {
    const n = await fullyVisible('.scroller', '[data-testid="account-row"]')
    return n >= 10 && n
  }, { message: 'at least 10 account rows in view at 960x600', timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e.message}; ${await fullyVisible('.scroller', '[data-testid="account-row"]')} rows in view`)
  })
  assert.ok(rows >= 10, `${rows} rows in view`)
  // Every column heading shown is whole, the Spend (30 days) one too: none is cut off.
  const headings = await b.execute(() =>
    [...document.querySelectorAll('.scroller thead th')]
      .filter((th) => getComputedStyle(th).visibility !== 'hidden' && th.clientWidth > 0)
      .map((th) => ({ text: th.textContent.replace(/[▲▼]/g, '').trim(), scroll: th.scrollWidth, client: th.clientWidth })),
  )
  const spend = headings.find((h) => h.text.startsWith('Spend'))
  assert.equal(spend?.text, 'Spend (30 days)')
  assert.deepEqual(headings.filter((h) => h.scroll > h.client), [], 'no column heading is cut off at 960x600')
  t.diagnostic(`960x600: ${rows} account rows in view, job panel ${await height('[data-testid="job-progress"]')} px, toolbar ${await height('.toolbar')} px`)
  // The finished job is one line (its heading, the summary sentence, its buttons) and a thin bar.
  assert.ok((await height('[data-testid="job-progress"]')) <= 64, `the job panel is ${await height('[data-testid="job-progress"]')} px high`)
  assert.match(await byId(b, 'job-counts').getText(), /^\d+ accounts done, 0 failed, 0 skipped\.$/)
  // The toolbar is one line: Select from a list and Export are under More.
  assert.ok((await height('.toolbar')) <= 56, `the toolbar is ${await height('.toolbar')} px high`)
  assert.equal(await byId(b, 'select-from-list').isDisplayed(), false)
  await byId(b, 'toolbar-more').click()
  await byId(b, 'select-from-list').waitForDisplayed()
  assert.match(await byId(b, 'export-accounts').getText(), /^Export \d+ accounts…$/)
  await checkA11y(b, 'the Accounts view at 960x600 with a finished job and the More menu open')
  await b.keys('Escape')
  await until(async () => !(await byId(b, 'select-from-list').isDisplayed()), { message: 'the menu closed' })
  assert.equal(await b.execute(() => document.activeElement?.dataset.testid), 'toolbar-more')
  await checkA11y(b, 'the Accounts view at 960x600 with a finished job')
  await shootBoth('accounts-job')
})

test('at 960x600 History shows at least 8 rows, one line each, and its detail over the list', async (t) => {
  await setViewport(b, 960, 600)
  await byId(b, 'nav-history').click()
  const toggle = byId(b, 'history-job-toggle')
  await toggle.waitForDisplayed()
  await toggle.click()
  const rows = await until(async () => {
    const n = await fullyVisible('.table-wrap', '[data-testid="history-row"], [data-testid="history-job"]')
    return n >= 8 && n
  }, { message: 'at least 8 history rows in view at 960x600', timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e.message}; ${await fullyVisible('.table-wrap', '[data-testid="history-row"], [data-testid="history-job"]')} rows in view`)
  })
  assert.ok(rows >= 8, `${rows} rows in view`)
  // One line each: the time without the year wraps no more.
  const first = b.$('[data-testid="history-row"]')
  const rowH = await height('[data-testid="history-row"]')
  assert.ok(rowH <= 34, `a history row is ${rowH} px high`)
  t.diagnostic(`960x600: ${rows} History rows in view with a job expanded, a row ${rowH} px`)
  assert.doesNotMatch(await first.$('button').getText(), /\n/)
  await checkA11y(b, 'History at 960x600 with a job expanded')
  await shootBoth('history-job')

  await setViewport(b, 960, 600)
  const wrapWidth = await b.execute(() => document.querySelector('.table-wrap').getBoundingClientRect().width)
  await first.$('button').click()
  const detail = byId(b, 'history-detail')
  await detail.waitForDisplayed()
  // Over the list, not beside it: the list keeps its width, the detail lies on top of it.
  const [listW, overlaps] = await b.execute(() => {
    const list = document.querySelector('.table-wrap').getBoundingClientRect()
    const d = document.querySelector('[data-testid="history-detail"]').getBoundingClientRect()
    return [list.width, d.left < list.right && d.right > list.left]
  })
  assert.equal(listW, wrapWidth)
  assert.ok(overlaps, 'the detail lies over the list')
  await checkA11y(b, 'the History detail over the list at 960x600')
  await shootBoth('history-detail')
  await setViewport(b, 960, 600)
  await b.keys('Escape')
  await until(async () => !(await detail.isExisting()), { message: 'Escape closed the detail' })
  const entry = await first.getAttribute('data-entry')
  assert.equal(
    await b.execute(() => document.activeElement?.closest('[data-testid="history-row"]')?.dataset.entry),
    entry,
    'the keyboard is back on the entry’s row',
  )
})
