import { mount } from 'svelte'
import './app.css'
import App from './App.svelte'

async function start() {
  // Browser-only development against an in-memory back end; compiled out of normal builds.
  if (import.meta.env.VITE_MOCK_IPC === '1') {
    const { installMockBackend } = await import('./mock/install')
    installMockBackend()
  }
  mount(App, { target: document.getElementById('app')! })
}

void start()
