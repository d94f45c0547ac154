import type { MeResponse } from '@hoshin/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { CliError, runAdminCommand } from '../src/cli/admin-commands.js'
import type { RunningServer } from '../src/server.js'
import { startTestServer, TestClient } from './harness.js'

let server: RunningServer
const admin = (...argv: string[]) => runAdminCommand(server.services, argv)

beforeAll(async () => {
  server = await startTestServer()
})

describe('admin CLI', () => {
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

  it('resets a password, ends the old sessions and lifts a lockout', async () => {
    const old = await new TestClient(server.url).login('zero')
    for (let i = 0; i < 5; i++) await new TestClient(server.url).post('/api/auth/login', { username: 'zero', password: 'bad-bad' })
    await admin('reset-password', '--username', 'zero', '--password', 'fresh-pass')
    expect((await old.get('/api/me')).status).toBe(401)
    await new TestClient(server.url).login('zero', 'fresh-pass')
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
    await expect(admin('create-user', '--username', 'x y', '--name', 'a', '--role', 'staff', '--department', 'somu')).rejects.toThrow(CliError)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'boss', '--department', 'somu')).rejects.toThrow(/--role/)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'staff', '--department', 'nowhere')).rejects.toThrow(/nowhere/)
    await expect(admin('create-user', '--username', 'newbie', '--name', 'a', '--role', 'staff', '--department', 'somu', '--section', 'kikaku-chosei')).rejects.toThrow(/総務課/)
    await expect(admin('create-user', '--username', 'kikaku', '--name', 'a', '--role', 'staff', '--department', 'somu')).rejects.toThrow(/既に/)
    await expect(admin('reset-password', '--username', 'kikaku', '--password', 'short')).rejects.toThrow(/8/)
    await expect(admin('move-user', '--username', 'ghost', '--department', 'somu')).rejects.toThrow(/ghost/)
    await expect(admin('frobnicate')).rejects.toThrow(/不明/)
  })
})
