import { docToSheet } from '@hoshin/sheet'
import { afterEach, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { type Balancer, startBalancer } from '../src/cluster/balancer.js'
import { collabClient, eventually } from './collab-harness.js'
import { readFromDisk, spawnServer, TestClient, tempDir } from './harness.js'
import { createTestDatabase } from './postgres.js'

/**
 * PostgreSQL going away for a while under a running server: reached through a TCP relay of the test's own
 * (the cluster balancer with one backend), which the test cuts and brings back on the same port.
 */

const relays = new Set<Balancer>()
afterEach(async () => {
  await Promise.all([...relays].map((r) => r.close()))
  relays.clear()
})

async function relay(port: number, database: URL): Promise<Balancer> {
  const balancer = await startBalancer({ host: '127.0.0.1', port, backends: [{ host: database.hostname, port: Number(database.port || 5432) }] })
  relays.add(balancer)
  return balancer
}

describe('PostgreSQL away for a few seconds', () => {
  it('nothing typed meanwhile is acknowledged; it is stored and acknowledged once the database is back, nothing lost', async () => {
    const direct = await createTestDatabase()
    const target = new URL(direct)
    // The run's PostgreSQL (the local one, or a throwaway on another port: test/postgres-global-setup.ts).
    let link = await relay(0, target)
    const { port } = link
    const throughRelay = new URL(direct)
    throughRelay.hostname = '127.0.0.1'
    throughRelay.port = String(port)
    const server = await spawnServer(await tempDir(), 0, { HOSHIN_DATABASE_URL: throughRelay.toString(), LOG_LEVEL: 'error' })
    let log = ''
    server.child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk
    })
    const login = await new TestClient(server.url).login('kikaku')
    const sheets = await login.get<{ sheets: { id: string; fiscalYear: number; department: { id: string } }[] }>('/api/sheets')
    const sheetId = sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei' && s.fiscalYear === 2025)!.id
    const writer = collabClient(server.url, sheetId, login)
    const reader = collabClient(server.url, sheetId, login)
    await Promise.all([writer.synced(), reader.synced()])
    const text = () => (writer.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
    const lastAck = () => Math.max(0, ...writer.messages.filter((m) => m.kind === 'stored').map((m) => m.seq))

    text().insert(0, '前')
    await eventually(() => expect(lastAck()).toBeGreaterThan(0))
    const before = lastAck()

    // The database goes away: every connection to it is cut, new ones are refused.
    await link.close()
    relays.delete(link)
    text().insert(0, '停電中')
    // The server took the edit (the other client has it) and failed to store it (its log says so).
    await eventually(() => expect(docToSheet(reader.doc).situation.startsWith('停電中前')).toBe(true), 20_000).catch((error) => {
      console.log(`writer connected ${writer.provider.wsconnected}, reader connected ${reader.provider.wsconnected}; server log:\n${log.slice(-4000)}`)
      throw error
    })
    await eventually(() => expect(log).toContain('could not store updates; retrying'), 20_000)
    // Not acknowledged: the page shows 同期中, never 保存済み, for what is not stored.
    expect(lastAck()).toBe(before)
    expect(writer.provider.wsconnected).toBe(true)

    // Back on the same address: the retry stores it and the acknowledgement comes.
    link = await relay(port, target)
    await eventually(() => expect(lastAck()).toBeGreaterThan(before), 20_000)
    text().insert(0, '復旧後')
    await eventually(() => expect(docToSheet(reader.doc).situation.startsWith('復旧後停電中前')).toBe(true))
    await eventually(async () => expect((await readFromDisk(direct, sheetId)).sheet.situation.startsWith('復旧後停電中前')).toBe(true), 20_000)
  }, 90_000)
})
