import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../test/harness.js'
import { SqliteDatabase } from './sqlite.js'

describe('SqliteDatabase', () => {
  it('keeps concurrent transactions apart and rolls back a failed one', async () => {
    const db = await SqliteDatabase.open(path.join(await tempDir(), 'db.sqlite'))
    await db.exec('CREATE TABLE t (n INTEGER)')
    const slow = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)')
      await new Promise((r) => setTimeout(r, 20))
      await tx.run('INSERT INTO t VALUES (2)')
    })
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (3)')
      throw new Error('boom')
    })
    const plain = db.run('INSERT INTO t VALUES (4)')
    await slow
    await expect(failing).rejects.toThrow('boom')
    await plain
    const rows = await db.all<{ n: number }>('SELECT n FROM t ORDER BY rowid')
    expect(rows.map((r) => r.n)).toEqual([1, 2, 4])
    await db.close()
  })

  it('stores and returns binary data unchanged', async () => {
    const db = await SqliteDatabase.open(path.join(await tempDir(), 'db.sqlite'))
    await db.exec('CREATE TABLE b (data BLOB)')
    const bytes = new Uint8Array([0, 1, 2, 255, 128])
    await db.run('INSERT INTO b VALUES (?)', [bytes])
    const row = await db.get<{ data: Buffer }>('SELECT data FROM b')
    expect(new Uint8Array(row!.data)).toEqual(bytes)
    await db.close()
  })
})
