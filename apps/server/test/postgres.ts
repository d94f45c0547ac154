import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, inject } from 'vitest'

/**
 * Databases a test file created on the run's PostgreSQL (test/postgres-global-setup.ts), dropped after the
 * file (WITH (FORCE): a connection a failed test left open does not keep one behind).
 */
const created = new Set<string>()
afterAll(async () => {
  const names = [...created]
  created.clear()
  if (names.length) await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
})

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** A fresh, empty database of this test's own; its URL (HOSHIN_DATABASE_URL). Dropped after the file. */
export async function createTestDatabase(): Promise<string> {
  const name = `hoshin_test_${randomBytes(6).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE ${name}`))
  created.add(name)
  const url = new URL(inject('postgresAdminUrl'))
  url.pathname = `/${name}`
  return url.toString()
}

/** Drops one test database now (the file's other databases go after it). */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  created.delete(name)
}
