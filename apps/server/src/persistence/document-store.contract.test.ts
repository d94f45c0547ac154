import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { tempDir } from '../../test/harness.js'
import { createTestDatabase } from '../../test/postgres.js'
import type { Database } from './database.js'
import { applyStored, type DocumentStore, MemoryDocumentStore, SqliteDocumentStore, type StoredDocument } from './document-store.js'
import { newId } from './ids.js'
import { migrate } from './migrations.js'
import { PostgresDatabase } from './postgres.js'
import { SqliteDatabase } from './sqlite.js'

/** The contract every DocumentStore keeps; run against each implementation. */
function contract(name: string, create: () => Promise<{ store: DocumentStore; sheet: () => Promise<string>; approve: (id: string) => Promise<void> }>) {
  describe(`DocumentStore contract: ${name}`, () => {
    function edit(doc: Y.Doc, text: string): Uint8Array {
      let update: Uint8Array | undefined
      const capture = (u: Uint8Array) => {
        update = u
      }
      doc.on('update', capture)
      doc.getText('t').insert(doc.getText('t').length, text)
      doc.off('update', capture)
      return update!
    }

    function restore(stored: StoredDocument): string {
      return applyStored(new Y.Doc(), stored).getText('t').toString()
    }

    it('loads nothing for a sheet without content', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const stored = await store.load(id)
      expect(stored.updates).toEqual([])
      expect(restore(stored)).toBe('')
    })

    it('appends updates in order and loads state + log', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      await store.append([{ sheetId: id, update: edit(doc, 'あ') }])
      await store.append([
        { sheetId: id, update: edit(doc, 'い') },
        { sheetId: id, update: edit(doc, 'う') },
      ])
      expect(await store.logLength(id)).toBe(3)
      expect(restore(await store.load(id))).toBe('あいう')
    })

    it('keeps sheets apart', async () => {
      const { store, sheet } = await create()
      const [a, b] = [await sheet(), await sheet()]
      const docA = new Y.Doc()
      const docB = new Y.Doc()
      await store.append([
        { sheetId: a, update: edit(docA, 'A') },
        { sheetId: b, update: edit(docB, 'B') },
      ])
      expect(restore(await store.load(a))).toBe('A')
      expect(restore(await store.load(b))).toBe('B')
    })

    it('appends a batch larger than one statement holds, interleaved over sheets, in order', async () => {
      const { store, sheet } = await create()
      const ids = [await sheet(), await sheet(), await sheet()]
      const docs = ids.map(() => new Y.Doc())
      const expected = ['', '', '']
      const batch = Array.from({ length: 1201 }, (_, i) => {
        const ch = String.fromCharCode(0x3042 + (i % 80))
        expected[i % 3] += ch
        return { sheetId: ids[i % 3]!, update: edit(docs[i % 3]!, ch) }
      })
      await store.append(batch)
      for (const [i, id] of ids.entries()) {
        expect(await store.logLength(id)).toBe(i === 0 ? 401 : 400)
        expect(restore(await store.load(id))).toBe(expected[i])
      }
    })

    it('compacts: the state replaces the log, content unchanged, later appends still load', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      for (const ch of '課等の方針') await store.append([{ sheetId: id, update: edit(doc, ch) }])
      expect(await store.compact(id)).toMatchObject({ merged: 5 })
      expect(await store.logLength(id)).toBe(0)
      // Nothing to fold: no write.
      expect(await store.compact(id)).toBeNull()
      expect((await store.load(id)).updates).toEqual([])
      await store.append([{ sheetId: id, update: edit(doc, '！') }])
      expect(restore(await store.load(id))).toBe('課等の方針！')
    })

    it('loads state and log of one moment while a compaction runs alongside', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      for (const ch of '課等の方針') await store.append([{ sheetId: id, update: edit(doc, ch) }])
      // Started together, as a reload racing an unload's compaction does: the load must not see the old
      // (empty) state and the already emptied log.
      const loading = store.load(id)
      const compacting = store.compact(id)
      expect(restore(await loading)).toBe('課等の方針')
      await compacting
      expect(restore(await store.load(id))).toBe('課等の方針')
    })

    it('compaction deletes only what it merged: entries appended while it runs stay', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      let expected = ''
      for (let round = 0; round < 20; round++) {
        const before = String.fromCharCode(0x3042 + round)
        await store.append([{ sheetId: id, update: edit(doc, before) }])
        // Started together: on PostgreSQL they run on two connections at once, as two processes would.
        const during = String.fromCharCode(0x30a2 + round)
        await Promise.all([store.compact(id), store.append([{ sheetId: id, update: edit(doc, during) }])])
        expected += before + during
      }
      expect(restore(await store.load(id))).toBe(expected)
    })

    it('refuses plan changes to an approved sheet marked unlessApproved, writes the rest', async () => {
      const { store, sheet, approve } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      await store.append([{ sheetId: id, update: edit(doc, '案'), unlessApproved: true }])
      await approve(id)
      const late = { sheetId: id, update: edit(doc, '遅'), unlessApproved: true }
      const evaluation = { sheetId: id, update: edit(doc, '評') }
      const { refused } = await store.append([late, evaluation])
      expect(refused).toEqual([late])
      const text = restore(await store.load(id))
      expect(text.startsWith('案')).toBe(true)
      expect(text).not.toContain('遅')
      expect(await store.logLength(id)).toBe(2)
    })

    it('does not keep a reference to the caller’s buffer', async () => {
      const { store, sheet } = await create()
      const id = await sheet()
      const doc = new Y.Doc()
      const update = edit(doc, 'x')
      await store.append([{ sheetId: id, update }])
      update.fill(0)
      expect(restore(await store.load(id))).toBe('x')
    })
  })
}

let year = 2000
async function sqlStore(db: Database) {
  return {
    store: new SqliteDocumentStore(db),
    sheet: async () => {
      const id = newId('sh')
      await db.run("INSERT INTO sheets (id, department_id, fiscal_year, created_at, updated_at) VALUES (?, 'd', ?, 'now', 'now')", [
        id,
        year++,
      ])
      return id
    },
    approve: async (id: string) => {
      await db.run("UPDATE sheets SET status = 'approved' WHERE id = ?", [id])
    },
  }
}

contract('SQLite', async () => {
  const db = await SqliteDatabase.open(path.join(await tempDir(), 'db.sqlite'))
  await migrate(db)
  await db.run("INSERT INTO departments (id, name, created_at) VALUES ('d', '課', 'now')")
  return sqlStore(db)
})

// One database of its own for the PostgreSQL run, dropped after the file (test/postgres.ts).
let postgres: Promise<PostgresDatabase> | undefined
afterAll(async () => {
  await (await postgres)?.close()
})
async function openPostgres(): Promise<PostgresDatabase> {
  const db = await PostgresDatabase.open(await createTestDatabase())
  await migrate(db)
  await db.run("INSERT INTO departments (id, name, created_at) VALUES ('d', '課', 'now')")
  return db
}
contract('PostgreSQL', async () => {
  postgres ??= openPostgres()
  return sqlStore(await postgres)
})

contract('in-memory', async () => {
  const store = new MemoryDocumentStore()
  return {
    store,
    sheet: async () => newId('sh'),
    approve: async (id: string) => {
      store.approved.add(id)
    },
  }
})

describe('DocumentStore on PostgreSQL: the compaction lease', () => {
  it('skips while another process holds the sheet’s lease, and compacts once it is released', async () => {
    postgres ??= openPostgres()
    const db = await postgres
    const { store, sheet } = await sqlStore(db)
    const id = await sheet()
    const doc = new Y.Doc()
    doc.getText('t').insert(0, '方針')
    await store.append([{ sheetId: id, update: Y.encodeStateAsUpdate(doc) }])
    // Another process compacting the same sheet: its transaction holds the lease.
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let held!: () => void
    const holding = new Promise<void>((resolve) => (held = resolve))
    const other = db.transaction(async (tx) => {
      await tx.get("SELECT pg_advisory_xact_lock(hashtextextended('hoshin-compact:' || current_schema() || ':' || ?, 0))", [id])
      held()
      await released
    })
    await holding
    expect(await store.compact(id)).toBeNull()
    expect(await store.logLength(id)).toBe(1)
    release()
    await other
    expect(await store.compact(id)).toMatchObject({ merged: 1 })
    expect(await store.logLength(id)).toBe(0)
  })
})
