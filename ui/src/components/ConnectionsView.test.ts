import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { AppStore } from '../lib/stores/app.svelte'
import { DEMO_TWILIO } from '../mock/backend'
import { fakeBackend, uiError } from '../test/ipc'
import ConnectionForm from './ConnectionForm.svelte'
import ConnectionsView from './ConnectionsView.svelte'

const SID = `AC${'0123456789abcdef'.repeat(2)}`
/** Core's sentence for Twilio's 401 20003 with an Auth Token (recorded in fixtures.json). */
const TWILIO_REFUSED =
  "Twilio did not accept these credentials: either the Account SID or the Auth Token is wrong, and Twilio gives the same answer for both. In the Twilio Console, both are under Account Info on the account's dashboard: compare the Account SID character by character, and copy the Auth Token again with its copy button."

describe('Add connection form', () => {
  it('explains a malformed SID without calling the back end', async () => {
    const backend = fakeBackend()
    render(ConnectionForm, { props: { onsaved: vi.fn() } })
    const user = userEvent.setup()
    await user.type(screen.getByTestId('conn-label'), 'Main')
    await user.type(screen.getByTestId('conn-account-id'), 'AC12345')
    await user.type(screen.getByTestId('conn-secret'), 'token')
    await user.click(screen.getByTestId('conn-test'))
    expect(screen.getByTestId('conn-account-id-error')).toHaveTextContent(
      'A Twilio Account SID starts with AC followed by 32 characters, digits 0-9 and letters a-f (34 characters in all). Copy it from the Twilio Console.',
    )
    // The connection's own label is called "Name" here, as on the Edit form.
    expect(screen.getByTestId('conn-label')).toHaveAccessibleName(/^Name/)
    expect(backend.callsOf('verify_connection')).toHaveLength(0)

    await user.selectOptions(screen.getByTestId('conn-auth-kind'), 'apiKey')
    await user.type(screen.getByTestId('conn-api-key-sid'), 'SK1')
    await user.click(screen.getByTestId('conn-save'))
    expect(screen.getByTestId('conn-api-key-sid-error')).toHaveTextContent('starts with SK')
    expect(backend.callsOf('add_connection')).toHaveLength(0)
  })

  it('tests, then saves, and forgets the token once saved', async () => {
    const backend = fakeBackend()
    const onsaved = vi.fn()
    render(ConnectionForm, { props: { onsaved } })
    const user = userEvent.setup()
    await user.type(screen.getByTestId('conn-label'), 'Main Twilio')
    await user.type(screen.getByTestId('conn-account-id'), SID)
    await user.type(screen.getByTestId('conn-secret'), 's3cret-token')
    await user.type(screen.getByTestId('conn-edge'), 'dublin')

    await user.click(screen.getByTestId('conn-test'))
    await waitFor(() => expect(screen.getByTestId('conn-verified')).toHaveTextContent('Connected to Main Twilio (verified)'))
    expect(backend.callsOf('verify_connection')[0].input).toEqual({
      provider: 'twilio',
      label: 'Main Twilio',
      accountId: SID,
      secret: 's3cret-token',
      options: { authKind: 'authToken', edge: 'dublin' },
    })

    await user.click(screen.getByTestId('conn-save'))
    await waitFor(() => expect(onsaved).toHaveBeenCalledTimes(1))
    expect(backend.callsOf('add_connection')[0].input).toMatchObject({ secret: 's3cret-token', accountId: SID })
    expect(screen.getByTestId('conn-secret')).toHaveValue('')
    expect(screen.getByTestId('conn-account-id')).toHaveValue('')
    expect(document.body.innerHTML).not.toContain('s3cret-token')
  })

  it('says what an API key cannot do here after a test', async () => {
    fakeBackend()
    render(ConnectionForm, { props: { onsaved: vi.fn() } })
    const user = userEvent.setup()
    await user.type(screen.getByTestId('conn-label'), 'Keyed')
    await user.type(screen.getByTestId('conn-account-id'), SID)
    await user.selectOptions(screen.getByTestId('conn-auth-kind'), 'apiKey')
    await user.type(screen.getByTestId('conn-api-key-sid'), `SK${'0123456789abcdef'.repeat(2)}`)
    await user.type(screen.getByTestId('conn-secret'), 'key-secret')
    expect(screen.queryByTestId('conn-limitations')).toBeNull()
    await user.click(screen.getByTestId('conn-test'))
    await waitFor(() => expect(screen.getByTestId('conn-limitations')).toHaveTextContent('cannot read subaccounts'))
  })

  it("says a refused Auth Token as core does: either the SID or the token, where to check each, never 'edit the connection'", async () => {
    fakeBackend()
    render(ConnectionForm, { props: { onsaved: vi.fn() } })
    const user = userEvent.setup()
    await user.type(screen.getByTestId('conn-label'), 'Main')
    await user.type(screen.getByTestId('conn-account-id'), SID)
    await user.type(screen.getByTestId('conn-secret'), 'wrong')
    await user.click(screen.getByTestId('conn-test'))
    await waitFor(() => expect(screen.getByTestId('conn-error')).toHaveTextContent(TWILIO_REFUSED))
    expect(screen.getByTestId('conn-error')).not.toHaveTextContent(/edit the connection/i)
  })

  it('shows the back end sentence when the credentials are refused, for Vobiz too', async () => {
    const backend = fakeBackend()
    backend.overrides.set('verify_connection', () => {
      throw uiError('auth', 'Vobiz refused this Auth ID and Auth Token.')
    })
    render(ConnectionForm, { props: { onsaved: vi.fn() } })
    const user = userEvent.setup()
    await user.selectOptions(screen.getByTestId('conn-provider'), 'vobiz')
    expect(screen.queryByTestId('conn-edge')).toBeNull()
    await user.type(screen.getByTestId('conn-label'), 'V')
    await user.type(screen.getByTestId('conn-account-id'), 'MA_TEST1')
    await user.type(screen.getByTestId('conn-secret'), 'x')
    await user.click(screen.getByTestId('conn-test'))
    await waitFor(() => expect(screen.getByTestId('conn-error')).toHaveTextContent('Vobiz refused this Auth ID and Auth Token.'))
    expect(backend.callsOf('verify_connection')[0].input).toMatchObject({ provider: 'vobiz', accountId: 'MA_TEST1' })
  })
})

describe('Connections view', () => {
  it('removes a saved connection only after the keychain warning is confirmed; demo ones cannot be removed', async () => {
    const saved = { ...DEMO_TWILIO, id: 'conn-real', label: 'Real Twilio', demo: false }
    const backend = fakeBackend({ connections: [saved, DEMO_TWILIO] })
    const app = new AppStore()
    await app.load()
    const onchanged = vi.fn()
    render(ConnectionsView, { props: { app, onchanged } })

    const items = screen.getAllByTestId('connection-item')
    expect(items.map((i) => i.dataset.id)).toEqual(['conn-real', DEMO_TWILIO.id])
    expect(within(items[1]).queryByTestId('connection-remove')).toBeNull()
    expect(within(items[1]).getByTestId('connection-demo')).toHaveTextContent('demo')

    await fireEvent.click(within(items[0]).getByTestId('connection-remove'))
    expect(items[0]).toHaveTextContent('This deletes the saved token from the keychain')
    expect(backend.callsOf('remove_connection')).toHaveLength(0)
    await fireEvent.click(within(items[0]).getByTestId('connection-remove-confirm'))
    await waitFor(() => expect(onchanged).toHaveBeenCalled())
    expect(backend.callsOf('remove_connection')).toEqual([{ connectionId: 'conn-real' }])
  })

  it('says why a connection in use cannot be removed, and the demo closed, and keeps them', async () => {
    const saved = { ...DEMO_TWILIO, id: 'conn-real', label: 'Real Twilio', demo: false }
    const backend = fakeBackend({ connections: [saved, DEMO_TWILIO] })
    const inUse = 'An action on an account of this connection is still running. Wait for it to finish, then try again.'
    backend.overrides.set('remove_connection', () => {
      throw uiError('connection_in_use', inUse)
    })
    backend.overrides.set('close_demo', () => {
      throw uiError('connection_in_use', 'A bulk job on the demo accounts is still running. Wait for it to finish, then close the demo.')
    })
    const app = new AppStore()
    await app.load()
    const onchanged = vi.fn()
    render(ConnectionsView, { props: { app, onchanged } })

    const item = screen.getAllByTestId('connection-item')[0]
    await fireEvent.click(within(item).getByTestId('connection-remove'))
    await fireEvent.click(within(item).getByTestId('connection-remove-confirm'))
    await waitFor(() => expect(within(item).getByRole('alert')).toHaveTextContent(inUse))
    await fireEvent.click(screen.getByTestId('close-demo'))
    await waitFor(() => expect(screen.getByText(/A bulk job on the demo accounts is still running/)).toBeInTheDocument())
    expect(onchanged).not.toHaveBeenCalled()
    expect(screen.getAllByTestId('connection-item')).toHaveLength(2)
  })

  it('renames a connection and replaces its token; a refused token keeps the form open with the reason', async () => {
    const saved = { ...DEMO_TWILIO, id: 'conn-real', label: 'Real Twilio', demo: false }
    const backend = fakeBackend({ connections: [saved, DEMO_TWILIO] })
    const app = new AppStore()
    await app.load()
    const onchanged = vi.fn()
    render(ConnectionsView, { props: { app, onchanged } })
    const items = screen.getAllByTestId('connection-item')
    expect(within(items[1]).queryByTestId('connection-edit')).toBeNull()

    const user = userEvent.setup()
    await user.click(within(items[0]).getByTestId('connection-edit'))
    const label = screen.getByTestId('connection-edit-label')
    expect(label).toHaveValue('Real Twilio')
    expect(label).toHaveAccessibleName('Name')
    expect(screen.getByTestId('connection-edit-form')).toHaveTextContent('New Auth Token')
    await user.clear(label)
    await user.type(label, 'Acme Twilio')
    await user.type(screen.getByTestId('connection-edit-secret'), 'wrong')
    await user.click(screen.getByTestId('connection-edit-save'))
    await waitFor(() => expect(screen.getByTestId('connection-edit-error')).toHaveTextContent(TWILIO_REFUSED))
    expect(screen.getByTestId('connection-edit-error')).not.toHaveTextContent(/edit the connection/i)
    expect(onchanged).not.toHaveBeenCalled()

    await user.clear(screen.getByTestId('connection-edit-secret'))
    await user.type(screen.getByTestId('connection-edit-secret'), 'new-token')
    await user.click(screen.getByTestId('connection-edit-save'))
    await waitFor(() => expect(onchanged).toHaveBeenCalled())
    expect(backend.callsOf('edit_connection').at(-1)).toEqual({
      connectionId: 'conn-real',
      edit: { label: 'Acme Twilio', secret: 'new-token' },
    })
    expect(screen.queryByTestId('connection-edit-form')).toBeNull()
  })

  it('a rename alone sends no token, and an empty name is refused before any call', async () => {
    const saved = { ...DEMO_TWILIO, id: 'conn-real', label: 'Real Twilio', demo: false }
    const backend = fakeBackend({ connections: [saved] })
    const app = new AppStore()
    await app.load()
    render(ConnectionsView, { props: { app, onchanged: vi.fn() } })
    const user = userEvent.setup()
    await user.click(screen.getByTestId('connection-edit'))
    const label = screen.getByTestId('connection-edit-label')
    await user.clear(label)
    await user.click(screen.getByTestId('connection-edit-save'))
    expect(label).toHaveAttribute('aria-invalid', 'true')
    expect(label).toHaveFocus()
    expect(backend.callsOf('edit_connection')).toHaveLength(0)
    await user.type(label, 'Renamed')
    await user.click(screen.getByTestId('connection-edit-save'))
    await waitFor(() => expect(backend.callsOf('edit_connection')).toEqual([{ connectionId: 'conn-real', edit: { label: 'Renamed' } }]))
  })

  it('loads and saves the bulk concurrency', async () => {
    const backend = fakeBackend()
    backend.settings = { concurrency: 5, operatorDisplayName: null }
    const app = new AppStore()
    await app.load()
    render(ConnectionsView, { props: { app, onchanged: vi.fn() } })
    const input = screen.getByTestId('settings-concurrency')
    await waitFor(() => expect(input).toHaveValue(5))
    expect(input).toHaveAccessibleName('Accounts a bulk action changes at the same time (1 to 32)')
    const user = userEvent.setup()
    await user.clear(input)
    await user.type(input, '40')
    expect(screen.getByTestId('settings-save')).toBeDisabled()
    await user.clear(input)
    await user.type(input, '12')
    await user.click(screen.getByTestId('settings-save'))
    await waitFor(() =>
      expect(backend.callsOf('set_settings')).toEqual([{ settings: { concurrency: 12, operatorDisplayName: null } }]),
    )
  })

  it('saves the display name trimmed, marks one too long, and keeps the concurrency', async () => {
    const backend = fakeBackend()
    backend.settings = { concurrency: 5, operatorDisplayName: null }
    const app = new AppStore()
    await app.load()
    render(ConnectionsView, { props: { app, onchanged: vi.fn() } })
    const name = screen.getByLabelText('Your display name (optional)')
    await waitFor(() => expect(screen.getByTestId('settings-concurrency')).toHaveValue(5))
    expect(name).toHaveAccessibleDescription(/beside your computer's user name/)
    const user = userEvent.setup()
    await user.type(name, 'x'.repeat(61))
    expect(name).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByTestId('settings-display-name-error')).toHaveTextContent('60 characters or fewer')
    expect(screen.getByTestId('settings-save')).toBeDisabled()
    await user.clear(name)
    await user.type(name, '  Dana K. ')
    expect(name).not.toHaveAttribute('aria-invalid')
    await user.click(screen.getByTestId('settings-save'))
    await waitFor(() =>
      expect(backend.callsOf('set_settings')).toEqual([{ settings: { concurrency: 5, operatorDisplayName: 'Dana K.' } }]),
    )
    await waitFor(() => expect(name).toHaveValue('Dana K.'))
    expect(backend.settings.operatorDisplayName).toBe('Dana K.')
  })
})
