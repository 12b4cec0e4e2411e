// Plivo, Vonage and Telnyx in the real app (demo workspace): each provider's own actions, the
// Plivo delete's question about numbers, and Telnyx's unreported state.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startApp, byId, until, typeInto, confirmDialog } from '../lib/harness.mjs'

let app
let b

before(async () => {
  app = await startApp({ name: 'providers' })
  b = app.browser
  await byId(b, 'demo-banner').waitForDisplayed({ timeout: 30000 })
  await until(async () => (await byId(b, 'accounts-count').getText()) === 'showing 71 of 71', { message: 'demo listed' })
})
after(async () => {
  await app?.stop()
})

/** Filters the table to the one row named `name` and returns it. */
async function onlyRow(name) {
  await typeInto(await byId(b, 'search-input'), name)
  // The count alone may still be the previous search's: wait for this row.
  return until(async () => {
    if (!/^showing 1 of /.test(await byId(b, 'accounts-count').getText())) return false
    const rows = await b.$$('[data-testid="account-row"]')
    return rows.length === 1 && (await rows[0].getText()).includes(name) && rows[0]
  }, { message: `only ${name}` })
}

const actionsOf = async (row) => {
  const out = []
  for (const btn of await row.$$('[data-testid^="row-action-"]')) out.push((await btn.getAttribute('data-testid')).replace('row-action-', ''))
  return out.sort()
}

test('a Vonage subaccount is suspended and reactivated, and nothing else is offered', async () => {
  let row = await onlyRow('Birch Lane Florist')
  assert.equal(await row.getAttribute('data-provider'), 'vonage')
  assert.deepEqual(await actionsOf(row), ['suspend'])
  await row.$('[data-testid="row-action-suspend"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  await confirmDialog(b)
  await until(async () => (await row.getAttribute('data-status')) === 'suspended', { message: 'suspended' })
  // A refresh reads it back from the provider.
  await byId(b, 'refresh-button').click()
  row = await onlyRow('Birch Lane Florist')
  await until(async () => (await row.getAttribute('data-status')) === 'suspended', { message: 'still suspended after a refresh' })
  assert.deepEqual(await actionsOf(row), ['reactivate'])
})

test('a Plivo delete asks what happens to the numbers and says it in the impact', async () => {
  const row = await onlyRow('Harbour Dental')
  assert.equal(await row.getAttribute('data-provider'), 'plivo')
  await row.$('[data-testid="row-action-delete"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  const dialog = byId(b, 'action-dialog')
  assert.match(await dialog.getText(), /move to the main account/)
  await byId(b, 'choice-cascade-yes').click()
  await until(async () => /deleted with it/.test(await dialog.getText()), { message: 'the cascade sentence' })
  const id = await row.getAttribute('data-id')
  await typeInto(await byId(b, 'confirm-input'), id.slice(-3))
  await confirmDialog(b)
  await until(async () => (await row.getAttribute('data-status')) === 'deleted', { message: 'deleted' })

  await byId(b, 'nav-history').click()
  const entry = await until(async () => {
    const rows = await b.$$('[data-testid="history-row"][data-action="delete"]')
    return rows.length === 1 && rows[0]
  }, { message: 'the delete in history' })
  await entry.$('button').click()
  await until(async () => /"cascade":\s*true/.test(await b.$('body').getText()), { message: 'the choice kept with the snapshot' })
  await byId(b, 'nav-accounts').click()
})

test('a Telnyx account shows its state is not reported, and offers both actions', async () => {
  const row = await onlyRow('Sparrow Logistics')
  assert.equal(await row.getAttribute('data-provider'), 'telnyx')
  assert.equal(await row.getAttribute('data-status'), 'unknown')
  assert.deepEqual(await actionsOf(row), ['reactivate', 'suspend'])
  await row.$('[data-testid="row-action-suspend"]').click()
  await until(() => b.$('[data-testid="action-dialog"] ul.consequences').isExisting(), { message: 'the impact' })
  assert.match(await byId(b, 'action-dialog').getText(), /does not report whether an account is disabled/)
  await confirmDialog(b)
  await byId(b, 'refresh-button').click()
  const again = await onlyRow('Sparrow Logistics')
  await until(async () => /Subdesk suspended it on/.test(await again.getText()), { message: 'the recorded action beside the state' })
})
