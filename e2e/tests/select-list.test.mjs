// Select from a list in the real app (demo workspace): paste three IDs, a name and an unknown
// entry, check the preview, select them, then export the table shown to CSV.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { startApp, byId, until } from '../lib/harness.mjs'

const EXPORT_PATH = join(tmpdir(), `subdesk-accounts-${process.pid}-${Date.now()}.csv`)
let app
let b

before(async () => {
  // The export's native save dialog is out of WebDriver's reach: this stands in for its answer.
  app = await startApp({ name: 'select-list', env: { SUBDESK_EXPORT_PATH: EXPORT_PATH } })
  b = app.browser
  await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  await until(async () => / of 71$/.test(await byId(b, 'accounts-count').getText()), { message: 'demo listed' })
})
after(async () => {
  await app?.stop()
  rmSync(EXPORT_PATH, { force: true })
})

const shownCount = async () => {
  const m = (await byId(b, 'accounts-count').getText()).match(/showing ([\d,]+) of/)
  return Number(m[1].replace(/,/g, ''))
}

test('a pasted list selects exactly the accounts it names and lists what did not match', async () => {
  // WebKitWebDriver cannot read a row's text: IDs and names come from attributes.
  const rows = await until(async () => {
    const r = await b.$$('[data-testid="account-row"]')
    return r.length >= 4 && r
  }, { message: 'rows on screen' })
  const ids = []
  for (const r of rows.slice(0, 3)) ids.push(await r.getAttribute('data-id'))
  const name = await rows[3].getAttribute('data-name')
  const fourth = await rows[3].getAttribute('data-id')
  assert.ok(name && !ids.includes(fourth))

  // Under More, beside Export: the toolbar stays one line at 960 px.
  await byId(b, 'toolbar-more').click()
  await byId(b, 'select-from-list').click()
  const dialog = byId(b, 'select-list-dialog')
  await dialog.waitForDisplayed()
  // Mixed separators, another case for one ID, extra spaces in the name.
  const pasted = `${ids[0]}\n${ids[1].toLowerCase()}, ${ids[2]}\n  ${name.replace(/ /g, '  ')}  \nNo Such Customer 999\n`
  // As a paste: the whole text at once (typing would send each line break as a key press).
  const box = await byId(b, 'list-input')
  await b.execute(
    (el, value) => {
      el.value = value
      el.dispatchEvent(new Event('input', { bubbles: true }))
    },
    box,
    pasted,
  )
  const summary = byId(b, 'list-summary')
  let text = ''
  await until(
    async () => {
      text = await summary.getText()
      return text === '4 accounts will be selected · 1 not found · 0 ambiguous'
    },
    { message: 'the preview counts' },
  ).catch(async () => assert.fail(`the preview says: ${text}; not found: ${await byId(b, 'list-not-found').getText()}`))
  assert.match(await byId(b, 'list-not-found').getText(), /No Such Customer 999/)
  assert.match(await byId(b, 'list-replaces').getText(), /This replaces the current selection/)
  const apply = byId(b, 'list-apply')
  assert.equal(await apply.getText(), 'Select these 4')
  await apply.click()
  await dialog.waitForDisplayed({ reverse: true })

  await byId(b, 'bulk-bar').waitForDisplayed()
  assert.match(await byId(b, 'bulk-count').getText(), /^4 selected$/)
  assert.equal(await byId(b, 'bulk-hidden').isExisting(), false, 'all four are in view')
  for (const id of [...ids, fourth]) {
    const box = b.$(`[data-testid="account-row"][data-id="${id}"] [data-testid="row-select"]`)
    assert.equal(await box.isSelected(), true, `${id} selected`)
  }
})

test('the table shown is exported to CSV in its order, by core', async () => {
  const shown = await shownCount()
  await byId(b, 'toolbar-more').click()
  const button = byId(b, 'export-accounts')
  await button.waitForDisplayed()
  assert.equal(await button.getText(), `Export ${shown} accounts…`)
  const first = await b.$('[data-testid="account-row"]').getAttribute('data-id')
  await button.click()
  const result = byId(b, 'export-accounts-result')
  await result.waitForDisplayed()
  assert.equal(await result.getText(), `Saved ${shown} accounts to ${EXPORT_PATH}.`)
  const lines = readFileSync(EXPORT_PATH, 'utf8').trim().split('\n')
  // The spend and balance last read, with when, follow the row's own columns (issue 25).
  assert.equal(
    lines[0],
    "Connection,Provider,Account name,Account ID,Status,Provider's status,Created,Not updated since," +
      'Spend (30 days),Spend currency,Balance,Balance currency,Figures note,Figures read at',
  )
  assert.equal(lines.length, shown + 1, 'one line per row shown (closed and deleted ones are hidden)')
  assert.ok(lines[1].includes(`,${first},`), `the first row shown comes first: ${lines[1]}`)
})
