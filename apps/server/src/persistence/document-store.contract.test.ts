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
function contract(name: string, create: () => Promise<{ store: DocumentStore; sheet: () => Promise<string> }>) {
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
      await store.compact(id, Y.encodeStateAsUpdate(doc))
      expect(await store.logLength(id)).toBe(0)
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
      const compacting = store.compact(id, Y.encodeStateAsUpdate(doc))
      expect(restore(await loading)).toBe('課等の方針')
      await compacting
      expect(restore(await store.load(id))).toBe('課等の方針')
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
contract('PostgreSQL', async () => {
  postgres ??= (async () => {
    const db = await PostgresDatabase.open(await createTestDatabase())
    await migrate(db)
    await db.run("INSERT INTO departments (id, name, created_at) VALUES ('d', '課', 'now')")
    return db
  })()
  return sqlStore(await postgres)
})

contract('in-memory', async () => ({ store: new MemoryDocumentStore(), sheet: async () => newId('sh') }))
