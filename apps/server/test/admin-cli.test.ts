import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MeResponse } from '@hoshin/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { startTestServer, tempDir, TestClient } from './harness.js'

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'admin.js')

/** The built CLI as a town's administrator runs it, with `input` piped to standard input. */
function runCli(dataDir: string, args: string[], input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, HOSHIN_DATA_DIR: dataDir, HOSHIN_DEMO: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, out }))
    child.stdin.end(input)
  })
}

let server: RunningServer
let dataDir: string
/**
 * The built CLI in a process of its own, on the data folder of the server that keeps running: what it
 * changes must show through that server (sessions ended, passwords, places), as it does in a town.
 */
async function admin(...argv: string[]): Promise<string[]> {
  const { code, out } = await runCli(dataDir, argv, '')
  if (code !== 0) throw new Error(out)
  return out.split('\n')
}

beforeAll(async () => {
  dataDir = await tempDir()
  server = await startTestServer({ dataDir })
})

describe('admin CLI (a separate process beside the running server)', () => {
  it('creates a user who can then log in', async () => {
    const out = await admin('create-user', '--username', 'yamada', '--name', '山田 太郎', '--role', 'lead', '--department', 'kikaku-zaisei', '--section', 'joho-senryaku', '--password', 'secret-pass')
    expect(out[0]).toMatch(/yamada/)
    const client = await new TestClient(server.url).login('yamada', 'secret-pass')
    const me = await client.get<MeResponse>('/api/me')
    expect(me.body.user).toMatchObject({ role: 'lead', section: { name: '情報戦略係' } })
  })

  it('generates a password when none is given', async () => {
    const out = await admin('create-user', '--username', 'sato2', '--name', '佐藤', '--role', 'staff', '--department', 'somu', '--section', 'jinji')
    const password = out.find((l) => l.startsWith('初期パスワード: '))!.slice('初期パスワード: '.length)
    expect(password).toHaveLength(16)
    await new TestClient(server.url).login('sato2', password)
  })

  it('resets a password: the running server refuses the old session and the old password, and lifts the wait', async () => {
    const old = await new TestClient(server.url).login('zero')
    expect((await old.get('/api/me')).status).toBe(200)
    for (let i = 0; i < 5; i++) expect((await new TestClient(server.url).post('/api/auth/login', { username: 'zero', password: 'bad-bad' })).status).toBe(401)
    // Four more failures from this PC, as if made over the last minute: a wait of 16 s, not over before
    // the CLI has run (five alone wait 1 s, which a CLI start outlasts, lifted or not).
    const { address } = (await server.db.get<{ address: string }>("SELECT address FROM login_failures WHERE username = 'zero'"))!
    for (let i = 0; i < 4; i++) await server.db.run('INSERT INTO login_failures (username, address, at) VALUES (?, ?, ?)', ['zero', address, Date.now() - 60_000 + i])
    const waiting = await new TestClient(server.url).post<{ error: { retryAfter: number } }>('/api/auth/login', { username: 'zero', password: 'hoshin-demo' })
    expect(waiting.status).toBe(429)
    expect(waiting.body.error.retryAfter).toBeGreaterThan(10)

    await admin('reset-password', '--username', 'zero', '--password', 'fresh-pass')
    expect((await old.get('/api/me')).status).toBe(401)
    await new TestClient(server.url).login('zero', 'fresh-pass')
    expect((await new TestClient(server.url).post('/api/auth/login', { username: 'zero', password: 'hoshin-demo' })).status).toBe(401)
  })

  it('moves a user to another section (人事異動): same account, new section, sessions ended', async () => {
    const before = await new TestClient(server.url).login('chiiki')
    const id = (await before.get<MeResponse>('/api/me')).body.user.id
    await admin('move-user', '--username', 'chiiki', '--department', 'somu', '--section', 'kiki-kanri')
    expect((await before.get('/api/me')).status).toBe(401)
    const after = await new TestClient(server.url).login('chiiki')
    const me = (await after.get<MeResponse>('/api/me')).body.user
    expect(me).toMatchObject({ id, department: { name: '総務課' }, section: { name: '危機管理室' } })
  })

  it('refuses bad input with a clear message', async () => {
    await expect(admin('create-user', '--username', 'x y', '--name', 'a', '--role', 'staff', '--department', 'somu')).rejects.toThrow(/--username/)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'boss', '--department', 'somu')).rejects.toThrow(/--role/)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'staff', '--department', 'nowhere')).rejects.toThrow(/nowhere/)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'staff', '--department', 'somu', '--section', 'kikaku-chosei')).rejects.toThrow(/総務課/)
    await expect(admin('create-user', '--username', 'kikaku', '--name', 'a', '--role', 'staff', '--department', 'somu')).rejects.toThrow(/既に/)
    await expect(admin('reset-password', '--username', 'kikaku', '--password', 'short')).rejects.toThrow(/8/)
    await expect(admin('move-user', '--username', 'ghost', '--department', 'somu')).rejects.toThrow(/ghost/)
    await expect(admin('frobnicate')).rejects.toThrow(/不明/)
  })
})

describe("a real town's first step", () => {
  it('creates the first admin in an empty database, the password read from standard input; they sign in', async () => {
    const dir = await tempDir()
    const refused = await runCli(dir, ['create-user', '--username', 'kanri', '--name', '情報 管理者', '--role', 'staff', '--password-stdin'], 'first-admin-pw\n')
    expect(refused.code).toBe(2)
    expect(refused.out).toMatch(/--department が必要/)
    const created = await runCli(dir, ['create-user', '--username', 'kanri', '--name', '情報 管理者', '--role', 'admin', '--password-stdin'], 'first-admin-pw\n')
    expect(created.out).toMatch(/作成しました: kanri/)
    expect(created.out).not.toMatch(/first-admin-pw/)
    expect(created.code).toBe(0)

    const town = await startTestServer({ dataDir: dir, demo: false })
    expect(await town.services.stores.org.listDepartments()).toHaveLength(0)
    const me = (await (await new TestClient(town.url).login('kanri', 'first-admin-pw')).get<MeResponse>('/api/me')).body.user
    expect(me).toMatchObject({ username: 'kanri', role: 'admin', department: null, section: null })
  })
})
