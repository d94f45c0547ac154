import { type IncomingHttpHeaders, request } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
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
      // The build's Brotli and gzip copies go to browsers that accept them, the file itself to others.
      const script = 'console.log("課等の方針")\n'.repeat(200)
      await writeFile(path.join(webDir, 'assets', 'big-abc123.js'), script)
      await writeFile(path.join(webDir, 'assets', 'big-abc123.js.br'), brotliCompressSync(script))
      await writeFile(path.join(webDir, 'assets', 'big-abc123.js.gz'), gzipSync(script))
      const raw = async (encoding: string | null) => {
        // node:http, not fetch: fetch would decode the body and hide what was sent.
        return new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          const req = request(`${server.url}/assets/big-abc123.js`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
          })
          req.on('error', reject)
          req.end()
        })
      }
      const br = await raw('gzip, deflate, br, zstd')
      expect(br.headers['content-encoding']).toBe('br')
      expect(br.headers.vary).toContain('Accept-Encoding')
      expect(br.headers['content-type']).toContain('javascript')
      expect(br.headers['cache-control']).toContain('immutable')
      expect(brotliDecompressSync(br.body).toString()).toBe(script)
      const gz = await raw('gzip')
      expect(gz.headers['content-encoding']).toBe('gzip')
      expect(gunzipSync(gz.body).toString()).toBe(script)
      const plain = await raw(null)
      expect(plain.headers['content-encoding']).toBeUndefined()
      expect(plain.body.toString()).toBe(script)
      const api = await fetch(`${server.url}/api/unknown`)
      expect(api.status).toBe(404)
      expect(api.headers.get('content-type')).toContain('application/json')
    } finally {
      await server.close()
    }
  })
})
