import { defineConfig } from 'vitest/config'

/**
 * Tests that measure time and memory (abuse), the multi-process tests (three server processes and up to
 * 30 clients each) and the database-outage test: run by `npm test` after all the others, one file at a time, with the machine to
 * themselves. Beside the browser tests on two cores they would measure the machine, and slow the others.
 */
export default defineConfig({
  test: {
    include: ['test/abuse.test.ts', 'test/cluster.test.ts', 'test/outage.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
    globalSetup: ['test/postgres-global-setup.ts', 'test/redis-global-setup.ts'],
  },
})
