import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CloseCode } from '@hoshin/protocol'
import { rowMap } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { SqliteDatabase } from '../src/persistence/sqlite.js'
import type { RunningServer } from '../src/server.js'
import { type CollabClient, collabClient, collabSocketUrl, eventually } from './collab-harness.js'
import { startTestServer, TestClient, tempDir } from './harness.js'

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'admin.js')

/** The admin CLI in a process of its own, on the server's data folder, as an administrator runs it. */
function runCli(dataDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } })
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

async function sheetOf(server: RunningServer, department: string): Promise<string> {
  return (await server.services.stores.sheets.findByDepartmentYear(department, 2025))!.id
}

/** Waits for the socket to be closed with `code` and returns how long after `since` it happened. */
async function closedWith(client: CollabClient, code: number, since: number): Promise<number> {
  await eventually(() => expect(client.closeEvents.map((e) => e.code)).toContain(code), 5000)
  return Date.now() - since
}

describe('access ends for open connections', async () => {
  const dir = await tempDir()
  const server = await startTestServer({ dataDir: dir })
  const sheet = await sheetOf(server, 'somu')

  async function connected(username: string, sheetId = sheet): Promise<CollabClient> {
    const client = collabClient(server.url, sheetId, await new TestClient(server.url).login(username))
    await client.synced()
    return client
  }

  it.each([
    ['move-user (人事異動)', 'chiiki', ['move-user', '--username', 'chiiki', '--department', 'somu']],
    ['reset-password', 'zero', ['reset-password', '--username', 'zero']],
    ['disable-user', 'kacho', ['disable-user', '--username', 'kacho']],
  ])('the admin CLI in another process: %s closes the person’s open sheet (4401), a colleague’s stays', async (_name, username, args) => {
    const sheetId = await sheetOf(server, 'kikaku-zaisei')
    const person = await connected(username, sheetId)
    const colleague = await connected('joho', sheetId)
    const exited = await runCli(dir, args).then(() => Date.now())
    const after = await closedWith(person, CloseCode.Unauthenticated, exited)
    console.log(`${args[0]}: closed ${after} ms after the CLI exited`)
    // Checked in the same round as the person's: the colleague's rights did not change.
    expect(colleague.closeEvents).toEqual([])
    expect(colleague.provider.wsconnected).toBe(true)
  })

  it('the session expires: the open sheet closes (4401) once it is past its expiry', async () => {
    const client = new TestClient(server.url)
    await client.login('joho')
    const person = collabClient(server.url, await sheetOf(server, 'kikaku-zaisei'), client)
    await person.synced()
    // Another connection to the file (as any other process) shortens the session to end in 700 ms.
    const expiry = Date.now() + 700
    const other = await SqliteDatabase.open(server.services.config.databaseFile)
    const sessionId = client.cookieHeader()!.split('=')[1]!
    await other.run('UPDATE sessions SET expires_at = ? WHERE id = ?', [expiry, sessionId])
    await other.close()
    const after = await closedWith(person, CloseCode.Unauthenticated, expiry)
    console.log(`expiry: closed ${after} ms after the session expired`)
  })

  it('the sheet stops naming the reader’s department as 連携課: the reader’s socket closes (4403)', async () => {
    const editor = await connected('somu')
    const reader = await connected('kikaku') // reads 総務課's sheet as its 連携課
    expect(reader.session?.reason).toBe('permission')
    const bystander = await connected('planning') // reads every sheet, partners or not
    const changedAt = Date.now()
    editor.doc.transact(() => {
      for (const list of ['measures', 'projects'] as const) {
        for (const row of rowMap(editor.doc, list).values()) {
          const partners = row.get('partners')
          if (partners instanceof Y.Array && partners.length) partners.delete(0, partners.length)
        }
      }
    })
    const after = await closedWith(reader, CloseCode.Forbidden, changedAt)
    console.log(`partner removal: closed ${after} ms after the change`)
    expect(bystander.closeEvents).toEqual([])
    expect(editor.closeEvents).toEqual([])
  })
})

describe('sockets that stop answering', () => {
  it('are pinged and dropped when they miss a ping; answering ones stay', async () => {
    const server = await startTestServer({ liveness: { pingMs: 150 } })
    const login = await new TestClient(server.url).login('somu')
    const sheetId = await sheetOf(server, 'somu')
    const url = collabSocketUrl(server.url, sheetId)
    const answering = new WebSocket(url, { headers: { cookie: login.cookieHeader()! } })
    // A PC that went to sleep: its socket is open but never answers a ping.
    const silent = new WebSocket(url, { headers: { cookie: login.cookieHeader()! }, autoPong: false })
    let pings = 0
    answering.on('ping', () => pings++)
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)))
    await Promise.all([answering, silent].map((ws) => new Promise((r) => ws.once('open', r))))
    expect(await silentClosed).toBe(1006)
    // By now the answering socket has been pinged at least twice and answered each time.
    expect(pings).toBeGreaterThanOrEqual(2)
    expect(answering.readyState).toBe(WebSocket.OPEN)
    answering.close()
  })
})
