import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { defineConfig } from 'vitest/config'

// Tauri serves ui/dist from disk and, in dev, expects this fixed port.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  // Only VITE_ variables reach the bundle: TAURI_* ones (signing keys among them, in CI) never do.
  envPrefix: ['VITE_'],
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**', '**/target/**'] },
  },
  build: {
    // WebKitGTK on older Linux distributions; es2021 is what it runs without transpiling surprises.
    target: 'es2021',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
    testTimeout: 10000,
  },
})
