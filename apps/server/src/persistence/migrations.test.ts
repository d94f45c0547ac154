import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../test/harness.js'
import { LATEST_SCHEMA_VERSION, migrate, migrations, schemaVersion } from './migrations.js'
import { SqliteDatabase } from './sqlite.js'

async function openFresh() {
  const dir = await tempDir()
  return SqliteDatabase.open(path.join(dir, 'db.sqlite'))
}

async function tables(db: SqliteDatabase): Promise<string[]> {
  const rows = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
  return rows.map((r) => r.name)
}

describe('migrations', () => {
  it('bring an empty database to the latest schema', async () => {
    const db = await openFresh()
    expect(await schemaVersion(db)).toBe(0)
    expect(await migrate(db)).toEqual(migrations.map((m) => m.version))
    expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(await tables(db)).toEqual(
      expect.arrayContaining(['departments', 'sections', 'users', 'sessions', 'login_failures', 'sheets', 'sheet_documents', 'audit_log']),
    )
    const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode')
    expect(mode?.journal_mode).toBe('wal')
    await db.close()
  })

  it('upgrade an existing database without losing its rows, and are idempotent', async () => {
    const db = await openFresh()
    expect(await migrate(db, migrations.slice(0, 1))).toEqual([1])
    await db.run("INSERT INTO departments (id, name, created_at) VALUES ('d', '総務課', 'now')")
    expect(await tables(db)).not.toContain('sheets')

    expect(await migrate(db)).toEqual(migrations.slice(1).map((m) => m.version))
    expect(await db.get('SELECT id, name FROM departments')).toEqual({ id: 'd', name: '総務課' })
    expect(await tables(db)).toContain('sheets')
    expect(await migrate(db)).toEqual([])
    await db.close()
  })

  it('refuse a database from a newer Hoshin', async () => {
    const db = await openFresh()
    await db.exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`)
    await expect(migrate(db)).rejects.toThrow(/newer/)
    await db.close()
  })

  it('roll a failing migration back entirely', async () => {
    const db = await openFresh()
    const broken = [...migrations, { version: 99, name: 'broken', sql: 'CREATE TABLE x (a); SELECT * FROM missing_table;' }]
    await expect(migrate(db, broken)).rejects.toThrow()
    expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(await tables(db)).not.toContain('x')
    await db.close()
  })
})
