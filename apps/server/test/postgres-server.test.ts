import { existsSync } from 'node:fs'
import path from 'node:path'
import { CloseCode } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyStored, SqliteDocumentStore } from '../src/persistence/document-store.js'
import { PostgresDatabase } from '../src/persistence/postgres.js'
import { createStores } from '../src/persistence/stores.js'
import { startServer } from '../src/server.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { spawnServer, TestClient, tempDir, testConfig } from './harness.js'
import { createTestDatabase } from './postgres.js'

/** What another process reads from the database: the sheet as stored (state + log), through its own pool. */
async function readFromPostgres(url: string, sheetId: string) {
  const db = await PostgresDatabase.open(url)
  try {
    const stored = await new SqliteDocumentStore(db).load(sheetId)
    return { sheet: docToSheet(applyStored(new Y.Doc(), stored)), logLength: stored.updates.length }
  } finally {
    await db.close()
  }
}

async function kikakuSheet(client: TestClient): Promise<string> {
  const sheets = await client.get<{ sheets: { id: string; department: { id: string }; fiscalYear: number }[] }>('/api/sheets')
  return sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei' && s.fiscalYear === 2025)!.id
}

describe('the server on PostgreSQL (HOSHIN_DATABASE_URL)', () => {
  it('seeds the demo, signs in, stores edits from stock y-websocket clients, and keeps them across a restart', async () => {
    const url = await createTestDatabase()
    const dir = await tempDir()
    const first = await startServer(testConfig(dir, { databaseUrl: url }))
    let second: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      expect(first.db.dialect).toBe('postgres')
      const kikaku = await new TestClient(first.url).login('kikaku')
      const sheetId = await kikakuSheet(kikaku)
      const a = collabClient(first.url, sheetId, kikaku)
      const b = collabClient(first.url, sheetId, await new TestClient(first.url).login('chiiki'))
      await Promise.all([a.synced(), b.synced()])
      for (let i = 0; i < 20; i++) {
        cellText(a.doc, 'measures', 'measure-3', 'content').insert(0, 'A')
        cellText(b.doc, 'issues', 'issue-1', 'text').insert(0, 'B')
      }
      await eventually(() => expect(docToSheet(a.doc)).toEqual(docToSheet(b.doc)))
      const expected = docToSheet(a.doc)
      // In the update log while the sheet is open, as read by another connection.
      await eventually(async () => {
        const stored = await readFromPostgres(url, sheetId)
        expect(stored.sheet).toEqual(expected)
        expect(stored.logLength).toBeGreaterThan(0)
      })
      // Comments and the workflow write through the same stores.
      const thread = await kikaku.post(`/api/sheets/${sheetId}/comments`, {
        target: { kind: 'measure', id: 'measure-3' },
        body: 'PostgreSQL から',
      })
      expect(thread.status).toBe(201)
      a.destroy()
      b.destroy()
      await first.close()
      // Nothing went to a SQLite file.
      expect(existsSync(path.join(dir, 'hoshin.sqlite'))).toBe(false)

      second = await startServer(testConfig(await tempDir(), { databaseUrl: url }))
      const joho = await new TestClient(second.url).login('joho')
      const c = collabClient(second.url, sheetId, joho)
      await c.synced()
      expect(docToSheet(c.doc)).toEqual(expected)
      expect(docToSheet(c.doc).measures[2]!.content).toMatch(/^A{20}/)
      const threads = await joho.get<{ threads: { comments: { body: string }[] }[] }>(`/api/sheets/${sheetId}/comments`)
      expect(threads.body.threads.flatMap((t) => t.comments.map((m) => m.body))).toContain('PostgreSQL から')
      c.destroy()
    } finally {
      await first.close()
      await second?.close()
    }
  })

  it('closes the sockets of an account disabled by another process (the access watch on PostgreSQL)', async () => {
    const url = await createTestDatabase()
    const server = await startServer(testConfig(await tempDir(), { databaseUrl: url, liveness: { accessCheckMs: 50 } }))
    const admin = await PostgresDatabase.open(url)
    try {
      const chiiki = await new TestClient(server.url).login('chiiki')
      const sheetId = await kikakuSheet(chiiki)
      const client = collabClient(server.url, sheetId, chiiki)
      await client.synced()
      const user = await createStores(admin).users.findByUsername('chiiki')
      // What the admin CLI does, from its own connection.
      await createStores(admin).users.setDisabled(user!.id, true)
      await eventually(() => expect(client.closeEvents.map((e) => e.code)).toContain(CloseCode.Unauthenticated))
    } finally {
      await admin.close()
      await server.close()
    }
  })

  it('runs as `npm start` does with HOSHIN_DATABASE_URL set, and stores every open sheet on SIGTERM', async () => {
    const url = await createTestDatabase()
    const { child, url: base } = await spawnServer(await tempDir(), 0, { HOSHIN_DATABASE_URL: url })
    const kikaku = await new TestClient(base).login('kikaku')
    const sheetId = await kikakuSheet(kikaku)
    const writer = collabClient(base, sheetId, kikaku)
    const watcher = collabClient(base, sheetId, await new TestClient(base).login('chiiki'))
    await Promise.all([writer.synced(), watcher.synced()])
    cellText(writer.doc, 'issues', 'issue-2', 'text').insert(0, '【PostgreSQL】')
    await eventually(() => expect(docToSheet(watcher.doc).issues[1]!.text).toMatch(/^【PostgreSQL】/))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    writer.destroy()
    watcher.destroy()
    const stored = await readFromPostgres(url, sheetId)
    expect(stored.sheet.issues[1]!.text).toMatch(/^【PostgreSQL】/)
    // Compacted on the way out: the state holds it all.
    expect(stored.logLength).toBe(0)
  })
})
