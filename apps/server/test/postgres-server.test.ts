import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyStored, SqliteDocumentStore } from '../src/persistence/document-store.js'
import { PostgresDatabase } from '../src/persistence/postgres.js'
import { loadConfig } from '../src/env.js'
import { startServer } from '../src/server.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { spawnServer, TestClient, tempDir, testConfig } from './harness.js'
import { createTestDatabase } from './postgres.js'

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'admin.js')

/** The admin CLI in a process of its own, on the same PostgreSQL database, as an administrator runs it. */
async function runCli(databaseUrl: string, args: string[]): Promise<string> {
  // Its data folder holds nothing on PostgreSQL, but is made as the CLI starts: a temp dir removed after the run.
  const dataDir = await tempDir()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, HOSHIN_DATABASE_URL: databaseUrl, HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk
    })
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`admin ${args[0]} exited ${code}: ${out}`))))
  })
}

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
  it('takes a postgres:// URL, refuses anything else, and stays on SQLite when unset', () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined()
    expect(loadConfig({ HOSHIN_DATABASE_URL: ' ' }).databaseUrl).toBeUndefined()
    expect(loadConfig({ HOSHIN_DATABASE_URL: 'postgresql://hoshin@db:5432/hoshin' }).databaseUrl).toBe('postgresql://hoshin@db:5432/hoshin')
    expect(() => loadConfig({ HOSHIN_DATABASE_URL: 'mysql://db/hoshin' })).toThrow(/postgres:\/\//)
    expect(() => loadConfig({ HOSHIN_DATABASE_URL: 'not a url' })).toThrow(/HOSHIN_DATABASE_URL/)
  })

  it('stops at start with where it tried when PostgreSQL does not answer (never the password)', async () => {
    const config = testConfig(await tempDir(), { databaseUrl: 'postgres://hoshin:secret@127.0.0.1:1/hoshin' })
    const failure = await startServer(config).then(
      () => undefined,
      (error: Error) => error,
    )
    expect(failure?.message).toMatch(/HOSHIN_DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:1\/hoshin/)
    expect(failure?.message).not.toContain('secret')
  })

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

  it('the admin CLI in another process on the same PostgreSQL: disable-user closes the person’s open sheet (4401) within a second', async () => {
    const url = await createTestDatabase()
    const server = await startServer(testConfig(await tempDir(), { databaseUrl: url }))
    try {
      const chiiki = await new TestClient(server.url).login('chiiki')
      const sheetId = await kikakuSheet(chiiki)
      const person = collabClient(server.url, sheetId, chiiki)
      const colleague = collabClient(server.url, sheetId, await new TestClient(server.url).login('joho'))
      await Promise.all([person.synced(), colleague.synced()])
      const out = await runCli(url, ['disable-user', '--username', 'chiiki'])
      const exited = Date.now()
      await eventually(() => expect(person.closeEvents.map((e) => e.code)).toContain(CloseCode.Unauthenticated))
      const after = Date.now() - exited
      console.log(`PostgreSQL: disable-user closed the socket ${after} ms after the CLI exited (${out.trim()})`)
      expect(after).toBeLessThan(1500)
      expect(colleague.closeEvents).toEqual([])
      // The CLI wrote where the server reads: the account cannot sign in any more.
      expect((await new TestClient(server.url).post('/api/auth/login', { username: 'chiiki', password: 'hoshin-demo' })).status).not.toBe(200)
    } finally {
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
