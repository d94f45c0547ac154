import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/postgres.js'
import { LATEST_SCHEMA_VERSION, migrate, migrations, schemaVersion } from './migrations.js'
import { PostgresDatabase, toPostgresSql } from './postgres.js'

describe('toPostgresSql', () => {
  it('numbers the placeholders and quotes mixed-case aliases, leaving literals, quoted names and comments alone', () => {
    expect(toPostgresSql('SELECT sheet_id AS sheetId, count(*) AS n FROM t WHERE a = ? AND b IN (?, ?)')).toBe(
      'SELECT sheet_id AS "sheetId", count(*) AS n FROM t WHERE a = $1 AND b IN ($2, $3)',
    )
    expect(toPostgresSql("SELECT 'is it? camelCase' AS \"keptAlias\", x FROM t -- why? someWord\nWHERE y = ?")).toBe(
      "SELECT 'is it? camelCase' AS \"keptAlias\", x FROM t -- why? someWord\nWHERE y = $1",
    )
    expect(toPostgresSql("SELECT 'it''s ?' AS q, e.row_id AS rowId FROM e WHERE e.part = ?")).toBe(
      `SELECT 'it''s ?' AS q, e.row_id AS "rowId" FROM e WHERE e.part = $1`,
    )
    expect(toPostgresSql('UPDATE t SET n = excluded.n, COUNT = ? WHERE ID = ?')).toBe('UPDATE t SET n = excluded.n, COUNT = $1 WHERE ID = $2')
  })
})

describe('PostgresDatabase', () => {
  const open: PostgresDatabase[] = []
  afterAll(async () => {
    await Promise.all(open.map((db) => db.close()))
  })
  async function fresh() {
    const db = await PostgresDatabase.open(await createTestDatabase())
    open.push(db)
    await db.exec('CREATE TABLE t (n BIGINT, b BYTEA)')
    return db
  }

  it('runs a transaction on one connection and rolls a failed one back', async () => {
    const db = await fresh()
    const slow = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (n) VALUES (?)', [1])
      // Not yet committed: outside the transaction nobody sees it.
      expect(await db.get<{ c: number }>('SELECT count(*) AS c FROM t')).toEqual({ c: 0 })
      await tx.run('INSERT INTO t (n) VALUES (?)', [2])
    })
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (n) VALUES (?)', [3])
      throw new Error('boom')
    })
    const failed = expect(failing).rejects.toThrow('boom')
    await slow
    await failed
    expect((await db.all<{ n: number }>('SELECT n FROM t ORDER BY n')).map((r) => r.n)).toEqual([1, 2])
    expect((await db.run('DELETE FROM t WHERE n > ?', [1])).changes).toBe(1)
  })

  it('reads one snapshot while another connection writes', async () => {
    const db = await fresh()
    await db.run('INSERT INTO t (n) VALUES (?)', [1])
    const counts = await db.snapshot(async (tx) => {
      const before = await tx.get<{ c: number }>('SELECT count(*) AS c FROM t')
      await db.run('INSERT INTO t (n) VALUES (?)', [2])
      const after = await tx.get<{ c: number }>('SELECT count(*) AS c FROM t')
      return [before?.c, after?.c]
    })
    expect(counts).toEqual([1, 1])
    expect(await db.get('SELECT count(*) AS c FROM t')).toEqual({ c: 2 })
  })

  it('a transaction whose connection is cut fails, the process goes on, the next query opens a new connection', async () => {
    const heard: Error[] = []
    const db = await PostgresDatabase.open(await createTestDatabase(), { onError: (error) => heard.push(error) })
    open.push(db)
    const cut = db.transaction(async (tx) => {
      const own = await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      // Cut from another connection while this one is checked out between two queries (as when the
      // database goes away): the client emits 'error', which nobody but the transaction hears.
      await db.get('SELECT pg_terminate_backend(?)', [own!.pid])
      for (;;) await tx.get('SELECT 1')
    })
    await expect(cut).rejects.toThrow()
    expect(heard.length).toBeGreaterThan(0)
    expect(await db.get<{ one: number }>('SELECT 1 AS one')).toEqual({ one: 1 })
    expect(await db.transaction((tx) => tx.get<{ one: number }>('SELECT 1 AS one'))).toEqual({ one: 1 })
  })

  it('takes Uint8Array views and bigint, and gives Buffers and numbers back', async () => {
    const db = await fresh()
    const bytes = new Uint8Array([7, 0, 1, 2, 255, 128, 9]).subarray(1, 6)
    await db.run('INSERT INTO t (n, b) VALUES (?, ?)', [2n ** 40n, bytes])
    const row = await db.get<{ n: number; b: Buffer }>('SELECT n, b FROM t')
    expect(row?.n).toBe(2 ** 40)
    expect([...row!.b]).toEqual([0, 1, 2, 255, 128])
  })
})

describe('PostgreSQL migrations', () => {
  it('two processes starting at once on an empty database: one migrates, the other finds it done', async () => {
    const url = await createTestDatabase()
    const [a, b] = await Promise.all([PostgresDatabase.open(url), PostgresDatabase.open(url)])
    try {
      const applied = await Promise.all([migrate(a), migrate(b)])
      expect(applied.map((list) => list.length).sort()).toEqual([0, LATEST_SCHEMA_VERSION])
      expect(await schemaVersion(a)).toBe(LATEST_SCHEMA_VERSION)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('refuses a database newer than it knows, and leaves a failed migration undone', async () => {
    const db = await PostgresDatabase.open(await createTestDatabase())
    try {
      await migrate(db, migrations.slice(0, 3))
      await db.run('UPDATE schema_version SET version = ?', [999])
      await expect(migrate(db)).rejects.toThrow(/newer/)
      await db.run('UPDATE schema_version SET version = ?', [3])
      // The last table of migration 4 exists already: it fails after creating the others, and nothing of the run stays.
      await db.exec('CREATE TABLE comment_unread (id TEXT)')
      await expect(migrate(db)).rejects.toThrow(/comment_unread/)
      expect(await schemaVersion(db)).toBe(3)
      expect(await db.get("SELECT to_regclass('comment_threads')::text AS t")).toEqual({ t: null })
    } finally {
      await db.close()
    }
  })
})
