// Accessibility and screenshots for the end-to-end tests: axe-core (the standard rules engine)
// injected into the real app's webview through WebDriver, and window screenshots at set sizes.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS, until } from './harness.mjs'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots')

/** Puts axe-core into the page unless it is there already (it stays until the page reloads). */
async function injectAxe(browser) {
  const present = await browser.execute(() => typeof window.axe === 'object')
  if (present) return
  // The source as a function body: its UMD wrapper sets window.axe.
  await browser.execute(AXE_SOURCE)
  assert.ok(await browser.execute(() => typeof window.axe === 'object'), 'axe-core was injected')
}

/** One violation as a readable paragraph: rule, impact, help, and each offending element. */
function describe(v) {
  const nodes = v.nodes
    .map((n) => `    - ${n.target.join(' ')}${n.summary ? `\n      ${n.summary.replace(/\n/g, '\n      ')}` : ''}`)
    .join('\n')
  return `  ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n${nodes}`
}

/** Runs axe-core on the whole document; resolves with its violations (small plain objects). */
export async function axeViolations(browser) {
  await injectAxe(browser)
  const result = await browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ['violations'] })
      .then((r) =>
        done({
          violations: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary || '' })),
          })),
        }),
      )
      .catch((e) => done({ error: String(e && e.stack ? e.stack : e) }))
  })
  if (result.error) throw new Error(`axe-core could not run: ${result.error}`)
  return result.violations
}

/** Fails with every violation listed (rule id, impact, target selectors, help) when there are any. */
export async function checkA11y(browser, label) {
  const violations = await axeViolations(browser)
  if (violations.length) {
    assert.fail(`axe-core found ${violations.length} accessibility violation(s) on ${label}:\n${violations.map(describe).join('\n')}`)
  }
}

/** Whether the page renders dark: the computed background of <body> has low luminance. */
export async function pageIsDark(browser) {
  const bg = await browser.execute(() => getComputedStyle(document.body).backgroundColor)
  const m = bg.match(/\d+(\.\d+)?/g)
  assert.ok(m && m.length >= 3, `a body background colour: ${bg}`)
  const [r, g, b] = m.map(Number)
  return { dark: 0.2126 * r + 0.7152 * g + 0.0722 * b < 100, background: bg }
}

/** Resizes the window so that the page's viewport is about w×h, and checks it got there. */
export async function setViewport(browser, w, h) {
  await browser.setWindowSize(w, h)
  return until(
    async () => {
      const [iw, ih] = await browser.execute(() => [window.innerWidth, window.innerHeight])
      // The window manager under Xvfb has no decorations: the viewport is the window, give or take.
      return Math.abs(iw - w) <= 40 && Math.abs(ih - h) <= 80 && [iw, ih]
    },
    { message: `the window at ${w}x${h}`, timeout: 10000 },
  )
}

/** Saves a window screenshot as artifacts/screenshots/<name>.png and checks it has content. */
export async function screenshot(browser, name) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  // WebKitWebDriver takes the picture after the page's next rendering update, and a page that
  // has nothing to redraw (the welcome panel) never has one: a 1-pixel, all but transparent
  // ticker at the corner gives it one, and is removed again after the picture.
  await browser.execute(() => {
    const d = document.createElement('div')
    d.id = 'e2e-repaint-ticker'
    d.setAttribute('aria-hidden', 'true')
    d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none'
    document.body.appendChild(d)
    let i = 0
    window.__e2eTicker = setInterval(() => (d.style.background = i++ % 2 ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'), 50)
  })
  // Just after a resize, with accelerated compositing on, the picture can catch the window half
  // repainted (black above, the view below): such a picture is taken again, up to 3 times,
  // half a second apart; an empty view still fails.
  let size = 0
  try {
    for (let attempt = 1; attempt <= 3 && size <= 10000; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 500))
      await browser.saveScreenshot(path)
      size = statSync(path).size
    }
  } finally {
    await browser.execute(() => {
      clearInterval(window.__e2eTicker)
      document.getElementById('e2e-repaint-ticker')?.remove()
    })
  }
  assert.ok(size > 10000, `the screenshot ${path} has content (${size} bytes)`)
  return path
}
