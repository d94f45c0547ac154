import { statSync } from 'node:fs'
import path from 'node:path'
import { docToSheet } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/server.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { defaultLimits } from '../src/http/limits.js'
import { readFromDisk, spawnServer, startTestServer, TestClient, tempDir, testConfig } from './harness.js'

async function sheetIdOf(server: { services: { stores: { sheets: { findByDepartmentYear(d: string, y: number): Promise<{ id: string } | undefined> } } } }) {
  return (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
}

describe('durable storage', () => {
  it('writes each accepted update to the SQLite log while the sheet is still open', async () => {
    const server = await startTestServer()
    const sheetId = await sheetIdOf(server)
    const client = collabClient(server.url, sheetId, await new TestClient(server.url).login('kikaku'))
    await client.synced()
    cellText(client.doc, 'issues', 'issue-1', 'text').insert(0, '【即時保存】')
    await eventually(async () => {
      const disk = await readFromDisk(server.services.config.databaseFile, sheetId)
      expect(disk.sheet.issues[0]!.text).toMatch(/^【即時保存】/)
      expect(disk.logLength).toBeGreaterThan(0)
    })
    expect(server.services.documents.openCount).toBe(1)
  })

  it('stores a burst of 1,000 edits whole, in rows of at most 64 merged updates (merging is superlinear)', async () => {
    const server = await startTestServer()
    const sheetId = await sheetIdOf(server)
    const client = collabClient(server.url, sheetId, await new TestClient(server.url).login('kikaku'))
    await client.synced()
    const cell = cellText(client.doc, 'issues', 'issue-1', 'text')
    for (let i = 0; i < 1000; i++) cell.insert(0, String(i % 10))
    const expected = cell.toString()
    await eventually(async () => {
      const disk = await readFromDisk(server.services.config.databaseFile, sheetId)
      expect(disk.sheet.issues[0]!.text).toBe(expected)
      expect(disk.logLength).toBeGreaterThanOrEqual(Math.ceil(1000 / 64))
    })
  })

  it('keeps every update across a server restart on the same database', async () => {
    const dir = await tempDir()
    const first = await startServer(testConfig(dir))
    const sheetId = await sheetIdOf(first)
    const login = async (url: string, user: string) => new TestClient(url).login(user)
    const a = collabClient(first.url, sheetId, await login(first.url, 'kikaku'))
    const b = collabClient(first.url, sheetId, await login(first.url, 'chiiki'))
    await Promise.all([a.synced(), b.synced()])
    for (let i = 0; i < 30; i++) {
      cellText(a.doc, 'measures', 'measure-3', 'content').insert(0, 'A')
      cellText(b.doc, 'projects', 'project-4', 'name').insert(0, 'B')
    }
    const expected = await (async () => {
      await eventually(() => expect(docToSheet(a.doc)).toEqual(docToSheet(b.doc)))
      return docToSheet(a.doc)
    })()
    await eventually(async () =>
      expect(await first.services.documents.read(sheetId, docToSheet)).toEqual(expected),
    )
    a.destroy()
    b.destroy()
    await first.close()

    const second = await startServer(testConfig(dir))
    try {
      const c = collabClient(second.url, sheetId, await login(second.url, 'joho'))
      await c.synced()
      expect(docToSheet(c.doc)).toEqual(expected)
      expect(docToSheet(c.doc).measures[2]!.content).toMatch(/^A{30}官民協働/)
      c.destroy()
    } finally {
      await second.close()
    }
  })

  it('stores and unloads a sheet when its last connection leaves', async () => {
    const server = await startTestServer()
    const sheetId = await sheetIdOf(server)
    const client = collabClient(server.url, sheetId, await new TestClient(server.url).login('zero'))
    await client.synced()
    cellText(client.doc, 'projects', 'project-13', 'content').insert(0, '【退出前】')
    await eventually(async () =>
      expect((await server.services.documents.read(sheetId, docToSheet)).projects[12]!.content).toMatch(/^【退出前】/),
    )
    client.destroy()
    await eventually(() => expect(server.services.documents.openCount).toBe(0))
    const disk = await readFromDisk(server.services.config.databaseFile, sheetId)
    expect(disk.logLength).toBe(0)
    expect(disk.sheet.projects[12]!.content).toMatch(/^【退出前】/)
  })

  it('stays bounded after 10,000 edits: the log is compacted into the stored state', async () => {
    // A small threshold so that compaction happens many times during the session, not only at unload.
    // The client sends its 10,000 edits as fast as it can: far past a person's message rate, lifted here.
    const server = await startTestServer({ sync: { compactAfter: 3 }, limits: { ...defaultLimits, messagesPerSecond: 1_000_000 } })
    const sheetId = await sheetIdOf(server)
    const client = collabClient(server.url, sheetId, await new TestClient(server.url).login('kikaku'))
    await client.synced()
    const text = cellText(client.doc, 'issues', 'issue-6', 'text')
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 500; i++) {
        text.insert(0, '字')
        text.delete(0, 1)
      }
      // Let a few flush ticks pass between bursts, as between sentences.
      await new Promise((r) => setTimeout(r, 30))
    }
    text.insert(0, '完')
    await eventually(async () =>
      expect((await server.services.documents.read(sheetId, docToSheet)).issues[5]!.text).toMatch(/^完脱炭素/),
    )
    await server.services.documents.updateLog.flush()
    await eventually(async () => {
      const rows = await server.db.get<{ n: number; bytes: number }>(
        'SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS bytes FROM sheet_updates',
      )
      // The log never holds the history of 10,001 edits: past 3 rows it is folded into the state.
      expect(rows!.n).toBeLessThanOrEqual(4)
    })
    expect(server.services.documents.compactions).toBeGreaterThan(0)
    await server.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    const state = await server.db.get<{ bytes: number }>('SELECT length(state) AS bytes FROM sheet_documents WHERE sheet_id = ?', [sheetId])
    const fileBytes = statSync(server.services.config.databaseFile).size
    // Pages the data holds, not the file: pages freed by compaction stay in the file for reuse.
    const pages = async (pragma: string) => Object.values((await server.db.get<Record<string, number>>(`PRAGMA ${pragma}`))!)[0]!
    const usedBytes = ((await pages('page_count')) - (await pages('freelist_count'))) * (await pages('page_size'))
    console.log(`after 10,001 edits: document state ${state!.bytes} B, database ${usedBytes} B in use (file ${fileBytes} B)`)
    // The deleted characters leave only small tombstones: the document stays a few tens of KiB,
    // and the database a small multiple of it, not of the 10,001-edit history.
    expect(state!.bytes).toBeLessThan(50_000)
    expect(usedBytes).toBeLessThan(400_000)
  })

  it('stores every open sheet on SIGTERM', async () => {
    const dir = await tempDir()
    const { child, url } = await spawnServer(dir)
    const login = await new TestClient(url).login('kikaku')
    const sheets = await login.get<{ sheets: { id: string; department: { id: string } }[] }>('/api/sheets')
    const sheetId = sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    const writer = collabClient(url, sheetId, login)
    const watcher = collabClient(url, sheetId, await new TestClient(url).login('chiiki'))
    await Promise.all([writer.synced(), watcher.synced()])
    cellText(writer.doc, 'issues', 'issue-2', 'text').insert(0, '【終了直前】')
    // Once another client has it, the server has accepted it.
    await eventually(() => expect(docToSheet(watcher.doc).issues[1]!.text).toMatch(/^【終了直前】/))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    writer.destroy()
    watcher.destroy()
    const disk = await readFromDisk(path.join(dir, 'hoshin.sqlite'), sheetId)
    expect(disk.sheet.issues[1]!.text).toMatch(/^【終了直前】/)
    expect(disk.logLength).toBe(0)
  })
})
