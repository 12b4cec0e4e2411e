// jsdom lacks a few things a browser (and WebKitGTK) has; fill in just enough.
import '@testing-library/jest-dom/vitest'
import { clearMocks } from '@tauri-apps/api/mocks'
import { afterEach } from 'vitest'

// <dialog>: jsdom has the element but not showModal/close.
const dialog = HTMLDialogElement.prototype as HTMLDialogElement & Record<string, unknown>
if (typeof dialog.showModal !== 'function') {
  dialog.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '')
  }
  dialog.show = dialog.showModal
  dialog.close = function (this: HTMLDialogElement, returnValue?: string) {
    if (!this.hasAttribute('open')) return
    this.removeAttribute('open')
    if (returnValue !== undefined) this.returnValue = returnValue
    this.dispatchEvent(new Event('close'))
  }
}

// jsdom does no layout: give scroll containers a viewport so the virtual table renders rows.
export const VIEWPORT_HEIGHT = 600
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get() {
    return VIEWPORT_HEIGHT
  },
})
Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
  configurable: true,
  get() {
    return 1200
  },
})

afterEach(() => {
  clearMocks()
})
