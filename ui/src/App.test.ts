import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import App from './App.svelte'
import { DEMO_TWILIO, DEMO_VOBIZ } from './mock/backend'
import { fakeBackend } from './test/ipc'

describe('App shell', () => {
  it('welcomes a user with no connection and no demo, and opens the demo on request', async () => {
    const backend = fakeBackend({ demo: false })
    render(App)
    await screen.findByTestId('welcome-panel')
    expect(screen.queryByTestId('demo-banner')).toBeNull()
    expect(backend.callsOf('list_accounts')).toHaveLength(0)

    await fireEvent.click(screen.getByTestId('welcome-open-demo'))
    await waitFor(() =>
      expect(screen.getByTestId('demo-banner')).toHaveTextContent(
        'Demo workspace: sample data on a built-in simulator. Nothing real is touched.',
      ),
    )
    expect(backend.callsOf('open_demo')).toHaveLength(1)
    await waitFor(() => expect(screen.getAllByTestId('account-row').length).toBeGreaterThan(0))
  })

  it('lists accounts at start when the demo is open, and navigates between views', async () => {
    fakeBackend({ demo: true, perConnection: 4 })
    render(App)
    await waitFor(() => expect(screen.getByTestId('accounts-count')).toHaveTextContent('showing 8 of 8'))
    expect(screen.getByTestId('nav-accounts')).toHaveAttribute('aria-current', 'page')

    await fireEvent.click(screen.getByTestId('nav-history'))
    expect(await screen.findByTestId('history-table')).toBeInTheDocument()
    expect(screen.getByTestId('nav-history')).toHaveAttribute('aria-current', 'page')

    await fireEvent.click(screen.getByTestId('nav-connections'))
    expect(await screen.findByTestId('add-connection')).toBeInTheDocument()
    expect(screen.getAllByTestId('connection-item')).toHaveLength(2)

    // The demo banner's button leads to Connections too.
    await fireEvent.click(screen.getByTestId('nav-accounts'))
    await fireEvent.click(screen.getByRole('button', { name: 'Add a real connection' }))
    expect(screen.getByTestId('nav-connections')).toHaveAttribute('aria-current', 'page')
  })

  it('shows a start-up problem until it is dismissed', async () => {
    fakeBackend({ keychainProblem: 'The system keychain is locked, so saved tokens cannot be read.' })
    render(App)
    const banner = await screen.findByTestId('problem-banner')
    expect(banner).toHaveTextContent('The system keychain is locked')
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss this warning' }))
    expect(screen.queryByTestId('problem-banner')).toBeNull()
  })

  it('says where an unreadable settings file went', async () => {
    fakeBackend({ demo: false, settingsProblem: 'Subdesk could not read its settings file. The damaged file was kept as /data/settings.json.unreadable-1.' })
    render(App)
    const banner = await screen.findByTestId('problem-banner')
    expect(banner).toHaveTextContent('settings.json.unreadable-1')
  })

  it('says the demo touches nothing real only when no real connection is open beside it', async () => {
    const real = { ...DEMO_TWILIO, id: 'conn-real', label: 'Acme production', demo: false }
    fakeBackend({ demo: true, connections: [DEMO_TWILIO, DEMO_VOBIZ, real], perConnection: 2 })
    render(App)
    const banner = await screen.findByTestId('demo-banner')
    expect(banner).toHaveTextContent(
      'Demo workspace open beside your real connections: demo and real accounts cannot be selected together.',
    )
    expect(banner).not.toHaveTextContent('Nothing real is touched')
  })

  it('shows one warning per saved connection this version could not read', async () => {
    const unreadable = [
      'A saved connection (Old PBX) uses a provider this version of Subdesk does not know; it is kept in the settings file.',
      'A saved connection could not be read (line 12 of settings.json); it is kept in the settings file as written.',
    ]
    fakeBackend({ demo: false, unreadableConnections: unreadable })
    render(App)
    await waitFor(() => expect(screen.getAllByTestId('unreadable-connection-banner')).toHaveLength(2))
    const banners = screen.getAllByTestId('unreadable-connection-banner')
    expect(banners[0]).toHaveTextContent(unreadable[0])
    expect(banners[1]).toHaveTextContent(unreadable[1])
    expect(banners[0]).toHaveAttribute('role', 'alert')
    expect(screen.queryByTestId('problem-banner')).toBeNull()
    await fireEvent.click(screen.getAllByRole('button', { name: 'Dismiss this warning about a saved connection' })[0])
    expect(screen.getAllByTestId('unreadable-connection-banner')).toHaveLength(1)
    expect(screen.getByTestId('unreadable-connection-banner')).toHaveTextContent(unreadable[1])
  })
})
