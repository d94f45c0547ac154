import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The abuse suite measures the server's latency and memory, and the multi-process suite runs three
    // servers at once: both run on their own, after everything else (`test:alone`,
    // vitest.alone.config.ts), never beside other tests competing for the two cores.
    exclude: ['test/abuse.test.ts', 'test/cluster.test.ts', 'test/outage.test.ts', '**/node_modules/**'],
    // Real SQLite files and argon2 hashing: give slow CI machines room.
    testTimeout: 20_000,
    // The PostgreSQL the store contract suite and the server-on-PostgreSQL tests use, and the Redis the
    // multi-process tests share sheets through: the local ones, or throwaway ones started from Debian's
    // packages (never skipped).
    globalSetup: ['test/postgres-global-setup.ts', 'test/redis-global-setup.ts'],
    hookTimeout: 30_000,
  },
})
