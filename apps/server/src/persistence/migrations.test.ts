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

  it('[6] rebuild users without a department for admins, keeping every user, session and reference', async () => {
    const db = await openFresh()
    await migrate(db, migrations.slice(0, 5))
    await db.exec(`
      INSERT INTO departments (id, name, created_at) VALUES ('d', '総務課', 'now');
      INSERT INTO users (id, username, display_name, password_hash, role, department_id, section_id, created_at, updated_at)
        VALUES ('u', 'somu', '総務 職員', 'h', 'staff', 'd', NULL, 'now', 'now');
      INSERT INTO sessions (id, user_id, expires_at) VALUES ('s', 'u', 9999999999999);
      INSERT INTO sheets (id, department_id, fiscal_year, created_at, updated_at) VALUES ('sh', 'd', 2025, 'now', 'now');
      INSERT INTO comment_threads (id, sheet_id, target_kind, target_id, quote, created_by, created_at) VALUES ('t', 'sh', 'measure', 'm', 'q', 'u', 'now');
    `)
    expect(await migrate(db, migrations.slice(0, 6))).toEqual([6])
    expect(await db.get('SELECT username, department_id AS d, disabled_at AS off FROM users')).toEqual({ username: 'somu', d: 'd', off: null })
    // Dropping the old table with foreign keys on would have cascaded to the sessions.
    expect(await db.get('SELECT user_id AS u FROM sessions')).toEqual({ u: 'u' })
    expect(await db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 })
    await expect(db.run("INSERT INTO sessions (id, user_id, expires_at) VALUES ('s2', 'nobody', 1)")).rejects.toThrow(/FOREIGN KEY/)
    // Admin and planning may have no department; the others may not.
    await db.run("INSERT INTO users (id, username, display_name, password_hash, role, created_at, updated_at) VALUES ('a', 'admin', 'a', 'h', 'admin', 'now', 'now')")
    await expect(
      db.run("INSERT INTO users (id, username, display_name, password_hash, role, created_at, updated_at) VALUES ('b', 'head', 'b', 'h', 'head', 'now', 'now')"),
    ).rejects.toThrow(/CHECK/)
    await db.close()
  })

  it('[9] keep the author of each logged update, and who last changed each field, on an existing log', async () => {
    const db = await openFresh()
    await migrate(db, migrations.slice(0, 8))
    await db.exec(`
      INSERT INTO departments (id, name, created_at) VALUES ('d', '総務課', 'now');
      INSERT INTO sheets (id, department_id, fiscal_year, created_at, updated_at) VALUES ('sh', 'd', 2025, 'now', 'now');
      INSERT INTO sheet_updates (sheet_id, data) VALUES ('sh', x'00');
    `)
    expect(await migrate(db, migrations.slice(0, 9))).toEqual([9])
    // A row from before has no author; the log still loads.
    expect(await db.get('SELECT user_id AS u FROM sheet_updates')).toEqual({ u: null })
    expect(await tables(db)).toEqual(expect.arrayContaining(['field_edits', 'sheet_submissions']))
    await expect(
      db.run("INSERT INTO field_edits (sheet_id, part, row_id, field, user_id, edited_at) VALUES ('sh', 'projects', 'p', 'budget', 'nobody', 'now')"),
    ).rejects.toThrow(/FOREIGN KEY/)
    await db.close()
  })

  it('[10] keep each sheet’s evaluations: one per kind, its state on the scale, and an approved one carries its hash', async () => {
    const db = await openFresh()
    await migrate(db, migrations.slice(0, 9))
    await db.exec(`
      INSERT INTO departments (id, name, created_at) VALUES ('d', '総務課', 'now');
      INSERT INTO users (id, username, display_name, password_hash, role, department_id, created_at, updated_at) VALUES ('u', 'head', 'h', 'h', 'head', 'd', 'now', 'now');
      INSERT INTO sheets (id, department_id, fiscal_year, created_at, updated_at) VALUES ('sh', 'd', 2025, 'now', 'now');
    `)
    expect(await migrate(db, migrations.slice(0, 10))).toEqual([10])
    const insert = (kind: string, status = 'draft') =>
      db.run(`INSERT INTO sheet_evaluations (sheet_id, kind, status, plan_version, opened_by, opened_at) VALUES ('sh', ?, ?, 1, 'u', 'now')`, [kind, status])
    await insert('midyear')
    await expect(insert('midyear')).rejects.toThrow(/UNIQUE|PRIMARY/)
    await expect(insert('quarterly')).rejects.toThrow(/CHECK/)
    // Approved without its frozen content and hash is refused.
    await expect(insert('yearend', 'approved')).rejects.toThrow(/CHECK/)
    await db.close()
  })

  it('[11] keep the review above the 課長 beside the versions, and what the form header prints', async () => {
    const db = await openFresh()
    await migrate(db, migrations.slice(0, 10))
    await db.exec(`
      INSERT INTO departments (id, name, created_at) VALUES ('d', '総務課', 'now');
      INSERT INTO users (id, username, display_name, password_hash, role, department_id, created_at, updated_at) VALUES ('u', 'head', 'h', 'h', 'head', 'd', 'now', 'now');
      INSERT INTO sheets (id, department_id, fiscal_year, created_at, updated_at) VALUES ('sh', 'd', 2025, 'now', 'now');
      INSERT INTO sheet_versions (sheet_id, number, revision, state, canonical, sha256, approved_by, approved_at) VALUES ('sh', 1, 1, x'00', '{}', 'abc', 'u', 'now');
    `)
    expect(await migrate(db, migrations.slice(0, 11))).toEqual([11])
    // A version from before keeps its content; its header fields read as unknown.
    expect(await db.get('SELECT sha256, head_name AS headName, staff_count AS staffCount FROM sheet_versions')).toEqual({ sha256: 'abc', headName: null, staffCount: null })
    expect(await db.get('SELECT staff_count AS staffCount FROM departments')).toEqual({ staffCount: null })
    const review = (sql: string) => db.run(`INSERT INTO sheet_reviews (sheet_id, version_number, ${sql}`)
    // 庁議報告 without 企画確認, and a review both confirmed and sent back, are refused.
    await expect(review("reported_on) VALUES ('sh', 1, '2025-06-10')")).rejects.toThrow(/CHECK/)
    await expect(review("confirmed_at, returned_at) VALUES ('sh', 1, 'now', 'now')")).rejects.toThrow(/CHECK/)
    await review("confirmed_at, reported_on) VALUES ('sh', 1, 'now', '2025-06-10')")
    await expect(review("confirmed_at) VALUES ('sh', 1, 'now')")).rejects.toThrow(/UNIQUE|PRIMARY/)
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
