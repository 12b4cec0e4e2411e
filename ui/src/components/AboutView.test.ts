import { render, screen, waitFor } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { AboutInfo } from '../lib/bindings/AboutInfo'
import { mockCommands, uiError } from '../test/ipc'
import AboutView from './AboutView.svelte'

const ABOUT: AboutInfo = {
  version: '0.1.0',
  commit: 'f3fa6ea1b2c3',
  buildDate: '2026-12-01',
  dataDir: '/home/ana/.local/share/com.subdesk.desktop',
  logDir: '/home/ana/.local/share/com.subdesk.desktop/logs',
  privacy: 'Subdesk keeps its settings in the data folder and sends nothing anywhere except to the providers you connect.',
  licences: [
    { name: 'tauri', version: '2.12.5', license: 'Apache-2.0 OR MIT', ecosystem: 'crate' },
    { name: 'rusqlite', version: '0.37.0', license: 'MIT', ecosystem: 'crate' },
    { name: '@tauri-apps/api', version: '2.12.5', license: 'Apache-2.0 OR MIT', ecosystem: 'npm' },
  ],
}

describe('About', () => {
  it('shows the version, the build, both folders, the privacy line and the licences', async () => {
    mockCommands({ about_info: () => ABOUT })
    render(AboutView)
    expect(await screen.findByTestId('about-version')).toHaveTextContent('0.1.0')
    expect(screen.getByTestId('about-build')).toHaveTextContent('f3fa6ea1b2c3, built 2026-12-01')
    expect(screen.getByTestId('about-data-dir')).toHaveTextContent(ABOUT.dataDir)
    expect(screen.getByTestId('about-log-dir')).toHaveTextContent(ABOUT.logDir)
    expect(screen.getByTestId('about-privacy')).toHaveTextContent('sends nothing anywhere except to the providers')
    const rows = screen.getAllByTestId('licence-row')
    expect(rows).toHaveLength(3)
    expect(rows[2]).toHaveTextContent('@tauri-apps/api2.12.5Apache-2.0 OR MITnpm')

    await userEvent.setup().type(screen.getByTestId('licence-filter'), 'rusq')
    await waitFor(() => expect(screen.getAllByTestId('licence-row')).toHaveLength(1))
  })

  it('lets the keyboard scroll the licences: their scrolling box is a labelled, focusable region', async () => {
    mockCommands({ about_info: () => ABOUT })
    render(AboutView)
    const region = await screen.findByRole('region', { name: 'Licences of the bundled dependencies' })
    expect(region).toContainElement(screen.getByTestId('licences'))
    expect(region).toHaveAttribute('tabindex', '0')
  })

  it('asks the app to open exactly the data or the log folder, never a path', async () => {
    const calls = mockCommands({ about_info: () => ABOUT, open_folder: () => null })
    render(AboutView)
    const user = userEvent.setup()
    await user.click(await screen.findByTestId('open-data-dir'))
    await user.click(screen.getByTestId('open-log-dir'))
    expect(calls.filter((c) => c.cmd === 'open_folder').map((c) => c.args)).toEqual([
      { folder: 'data' },
      { folder: 'log' },
    ])
  })

  it('says plainly when a folder cannot be opened', async () => {
    mockCommands({
      about_info: () => ABOUT,
      open_folder: () => {
        throw uiError('storage', 'Subdesk could not open the folder. Open it from your file manager.')
      },
    })
    render(AboutView)
    await userEvent.setup().click(await screen.findByTestId('open-log-dir'))
    expect(await screen.findByRole('alert')).toHaveTextContent('Open it from your file manager.')
  })
})
