import { defineConfig } from 'vitest/config'

/** Tests that measure time and memory: run by `npm test` after all the others, with the machine to themselves. */
export default defineConfig({
  test: {
    include: ['test/abuse.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
})
