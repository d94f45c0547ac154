import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'e2e/**/*.e2e.test.ts'],
    // Browser tests start the server and Chromium: allow for a slow CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each browser test file runs its own server and Chromium; on two cores, one file at a time keeps
    // them from starving each other (and the server package's tests running beside them).
    fileParallelism: false,
  },
})
