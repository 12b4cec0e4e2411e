import { render, screen, waitFor } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { TeamView } from '../lib/bindings/TeamView'
import { operatorLabel } from '../lib/format'
import { fakeBackend, mockCommands, uiError } from '../test/ipc'
import TeamHistoryPanel from './TeamHistoryPanel.svelte'

const OFF: TeamView = { enabled: false, settings: null, passwordSaved: false, desktop: 'DESKTOP-1', problem: null, waiting: 0 }

async function fill(user: ReturnType<typeof userEvent.setup>, password: string | null) {
  await user.type(await screen.findByTestId('team-host'), '127.0.0.1')
  await user.clear(screen.getByTestId('team-port'))
  await user.type(screen.getByTestId('team-port'), '55432')
  await user.type(screen.getByTestId('team-database'), 'subdesk')
  await user.type(screen.getByTestId('team-user'), 'subdesk_app')
  if (password) await user.type(screen.getByTestId('team-password'), password)
}

describe('Settings, Team history', () => {
  it('tests the settings as entered and shows the sentence core answers', async () => {
    const calls = mockCommands({
      team_settings: () => OFF,
      test_team_settings: () => ({ ok: false, message: 'The team database refused the user name or password. Check them with whoever runs the database.' }),
    })
    const user = userEvent.setup()
    render(TeamHistoryPanel)
    expect(await screen.findByTestId('team-desktop')).toHaveTextContent('DESKTOP-1')
    await fill(user, 'hunter2')
    await user.click(screen.getByTestId('team-test'))
    expect(await screen.findByTestId('team-tested')).toHaveTextContent('refused the user name or password')
    const sent = calls.find((c) => c.cmd === 'test_team_settings')!.args.input
    expect(sent).toEqual({
      enabled: false,
      settings: { host: '127.0.0.1', port: 55432, database: 'subdesk', user: 'subdesk_app', requireTls: false },
      password: 'hunter2',
    })
  })

  it('saves with the password once, then shows only that one is saved, and moves the history in', async () => {
    const backend = fakeBackend()
    const user = userEvent.setup()
    render(TeamHistoryPanel)
    await fill(user, null)
    await user.click(screen.getByTestId('team-enabled'))
    // On without a password: core's sentence at the password field, nothing turned on.
    await user.click(screen.getByTestId('team-save'))
    expect(await screen.findByTestId('team-password-error')).toHaveTextContent("Enter the team database's password")
    expect(backend.team.enabled).toBe(false)
    expect(screen.getByTestId('team-move-in')).toBeDisabled()

    await user.type(screen.getByTestId('team-password'), 's3cret')
    await user.click(screen.getByTestId('team-save'))
    expect(await screen.findByTestId('team-saved')).toHaveTextContent('now on the team database')
    expect(backend.callsOf('save_team_settings')[1].input).toMatchObject({ enabled: true, password: 's3cret' })
    // The field is emptied: the password is in the keychain, not in the window.
    expect(screen.getByTestId('team-password')).toHaveValue('')
    expect(screen.getByTestId('team-password')).toHaveAttribute('placeholder', 'Saved in the keychain')
    expect(JSON.stringify(backend.team)).not.toContain('s3cret')

    await user.click(screen.getByTestId('team-move-in'))
    expect(await screen.findByTestId('team-moved')).toHaveTextContent('Copied 0 entries into the team history.')

    // A later save without a password keeps the saved one (none sent).
    await user.click(screen.getByTestId('team-enabled'))
    await user.click(screen.getByTestId('team-save'))
    expect(await screen.findByTestId('team-saved')).toHaveTextContent('Team history is off')
    expect(backend.callsOf('save_team_settings')[2].input).not.toHaveProperty('password')
  })

  it('says why team history cannot be used, and refuses a port out of range before sending', async () => {
    const calls = mockCommands({
      team_settings: () => ({
        ...OFF,
        enabled: true,
        passwordSaved: false,
        problem: "Enter the team database's password: Subdesk keeps it in this computer's keychain.",
        settings: { host: 'db', port: 5432, database: 'subdesk', user: 'dana', requireTls: false },
      }),
      save_team_settings: () => {
        throw uiError('validation', 'never sent')
      },
    })
    const user = userEvent.setup()
    render(TeamHistoryPanel)
    expect(await screen.findByTestId('team-problem')).toHaveTextContent("Enter the team database's password")
    expect(screen.getByTestId('team-host')).toHaveValue('db')
    await user.clear(screen.getByTestId('team-port'))
    await user.type(screen.getByTestId('team-port'), '70000')
    expect(screen.getByTestId('team-port-error')).toHaveTextContent('Enter a port from 1 to 65535')
    expect(screen.getByTestId('team-save')).toBeDisabled()
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'save_team_settings')).toHaveLength(0))
  })

  it('names the desktop beside the operator for an entry of the team trail', () => {
    expect(operatorLabel({ actor: 'dana', operatorName: 'Dana K.', desktop: 'DESKTOP-2' })).toBe('dana (Dana K.) on DESKTOP-2')
    expect(operatorLabel({ actor: 'dana', operatorName: null })).toBe('dana')
  })
})
