import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { demoAccounts } from '../src/seed/demo.js'
import { startServer } from '../src/server.js'
import { runAdminCommand } from '../src/cli/admin-commands.js'
import { tempDir, testConfig, TestClient } from './harness.js'

describe('start-up on the same database', () => {
  it('seeds the demo once; a second start reuses the database and keeps changes', async () => {
    const dir = await tempDir()
    const first = await startServer(testConfig(dir))
    const count = async (table: string) =>
      (await first.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n
    expect(await count('users')).toBe(demoAccounts.length)
    expect(await count('sheets')).toBe(2)
    expect(await count('departments')).toBe(2)
    await runAdminCommand(first.services, ['reset-password', '--username', 'kikaku', '--password', 'changed-pass'])
    await first.close()

    const second = await startServer(testConfig(dir))
    try {
      const n = async (table: string) => (await second.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n
      expect(await n('users')).toBe(demoAccounts.length)
      expect(await n('sheets')).toBe(2)
      const client = new TestClient(second.url)
      expect((await client.post('/api/auth/login', { username: 'kikaku', password: 'hoshin-demo' })).status).toBe(401)
      expect((await client.post('/api/auth/login', { username: 'kikaku', password: 'changed-pass' })).status).toBe(200)
    } finally {
      await second.close()
    }
  })

  it('seeds nothing when HOSHIN_DEMO=0', async () => {
    const dir = await tempDir()
    const server = await startServer(testConfig(dir, { demo: false }))
    try {
      expect((await server.db.get<{ n: number }>('SELECT count(*) AS n FROM users'))!.n).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('serves the built web app, with client-side routes falling back to index.html', async () => {
    const dir = await tempDir()
    const webDir = path.join(dir, 'web')
    await mkdir(path.join(webDir, 'assets'), { recursive: true })
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>方針</title><div id="root"></div>')
    await writeFile(path.join(webDir, 'assets', 'app-abc123.js'), 'console.log(1)')
    const server = await startServer(testConfig(dir, { webDir }))
    try {
      const page = await fetch(`${server.url}/sheets/anything`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<div id="root">')
      const asset = await fetch(`${server.url}/assets/app-abc123.js`)
      expect(asset.status).toBe(200)
      expect(asset.headers.get('cache-control')).toContain('immutable')
      const api = await fetch(`${server.url}/api/unknown`)
      expect(api.status).toBe(404)
      expect(api.headers.get('content-type')).toContain('application/json')
    } finally {
      await server.close()
    }
  })
})
