import path from 'node:path'
import { docToSheet } from '@hoshin/sheet'
import { type HoshinMessage, MessageType } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { type CollabClient, collabClient, eventually } from './collab-harness.js'
import { loadConfig } from '../src/env.js'
import { readFromDisk, spawnServer, startTestServer, TestClient, tempDir } from './harness.js'
import { createTestDatabase } from './postgres.js'

/**
 * Follows one client's socket as the browser does: every sync step 2 and update message it sends is
 * counted (from 1 on each socket), and the server's `stored` message says up to which one the changes
 * are on disk. `typed` remembers, for each character typed, the message that carried it.
 */
function trackAcks(client: CollabClient) {
  const state = { sent: 0, generation: 0, typed: [] as { char: string; seq: number; generation: number }[], acked: new Set<string>(), acks: 0 }
  client.provider.on('status', ({ status }: { status: string }) => {
    if (status !== 'connected') return
    const ws = client.provider.ws as unknown as { send(data: Uint8Array): void }
    state.sent = 0
    state.generation++
    const send = ws.send.bind(ws)
    ws.send = (data: Uint8Array) => {
      if (data[0] === MessageType.Sync && (data[1] === 1 || data[1] === 2)) state.sent++
      send(data)
    }
  })
  const original = client.provider.messageHandlers[MessageType.Hoshin]!
  client.provider.messageHandlers[MessageType.Hoshin] = (encoder, decoder, provider, emitSynced, type) => {
    const message = JSON.parse(decoding.readVarString(decoding.clone(decoder))) as HoshinMessage
    if (message.kind === 'stored') {
      state.acks++
      for (const t of state.typed) if (t.generation === state.generation && t.seq <= message.seq) state.acked.add(t.char)
    }
    original(encoder, decoder, provider, emitSynced, type)
  }
  return {
    state,
    type(char: string) {
      const text = (client.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
      text.insert(text.length, char)
      if (client.provider.wsconnected) state.typed.push({ char, seq: state.sent, generation: state.generation })
    },
  }
}

async function kikakuSheet(client: TestClient): Promise<string> {
  const sheets = await client.get<{ sheets: { id: string; department: { id: string } }[] }>('/api/sheets')
  return sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
}

describe('保存済み means stored', () => {
  it.each(['SQLite', 'PostgreSQL'])('the server acknowledges a change only once it is in the database (%s)', async (storage) => {
    const databaseUrl = storage === 'PostgreSQL' ? await createTestDatabase() : undefined
    const server = await startTestServer(databaseUrl ? { databaseUrl } : {})
    const login = await new TestClient(server.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    const client = collabClient(server.url, sheetId, login)
    const acks = trackAcks(client)
    await client.synced()
    for (let i = 0; i < 30; i++) {
      const char = String.fromCharCode(0xe000 + i)
      acks.type(char)
      // Each acknowledgement is checked against a second connection to the file at the moment it arrives.
      await eventually(() => expect(acks.state.acked.has(char)).toBe(true))
      expect((await readFromDisk(databaseUrl ?? server.services.config.databaseFile, sheetId)).sheet.situation).toContain(char)
    }
  })

  it('HOSHIN_STORE_WITHIN_MS: changes gather that long before one write stores them and their authors hear 保存済み', async () => {
    expect(() => loadConfig({ HOSHIN_STORE_WITHIN_MS: '0' })).toThrow(/HOSHIN_STORE_WITHIN_MS/)
    expect(() => loadConfig({ HOSHIN_STORE_WITHIN_MS: '5000' })).toThrow(/HOSHIN_STORE_WITHIN_MS/)
    expect(loadConfig({}).sync).toBeUndefined()
    const dir = await tempDir()
    const server = await spawnServer(dir, 0, { HOSHIN_STORE_WITHIN_MS: '600' })
    const login = await new TestClient(server.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    const client = collabClient(server.url, sheetId, login)
    const acks = trackAcks(client)
    await client.synced()
    // The client's own sync step 2 added nothing: acknowledged at once.
    await eventually(() => expect(acks.state.acks).toBe(1))
    const typedAt = performance.now()
    acks.type('\ue100')
    acks.type('\ue101')
    await eventually(() => expect(acks.state.acked.has('\ue101')).toBe(true), 5000)
    // Not before the window has passed (a lower bound: it cannot come early however loaded the machine is),
    // both in one acknowledgement, and on disk when it came.
    expect(performance.now() - typedAt).toBeGreaterThanOrEqual(590)
    expect(acks.state.acks).toBe(2)
    expect((await readFromDisk(path.join(dir, 'hoshin.sqlite'), sheetId)).sheet.situation).toContain('\ue100\ue101')
    client.destroy()
  })

  it('SIGKILL under two typing clients: every edit acknowledged before the kill is there for fresh clients after the restart', async () => {
    const dir = await tempDir()
    // The clients type as fast as the event loop lets them, far past a person's message rate.
    const fast = { HOSHIN_SOCKET_MESSAGES_PER_SECOND: '100000' }
    const first = await spawnServer(dir, 0, fast)
    const login = await new TestClient(first.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    const writers = [collabClient(first.url, sheetId, login), collabClient(first.url, sheetId, login)]
    const trackers = writers.map(trackAcks)
    await Promise.all(writers.map((w) => w.synced()))

    // Each writer types its own private-use characters as fast as the event loop lets it, until the kill.
    let killed = false
    const typing = trackers.map(async (tracker, w) => {
      for (let k = 0; !killed && k < 4000; k++) {
        tracker.type(String.fromCharCode(0xe000 + w * 4000 + k))
        await new Promise((r) => setImmediate(r))
      }
    })
    // Kill once the server has acknowledged a good part, in the middle of the typing.
    await eventually(() => expect(trackers.every((t) => t.state.acked.size >= 200)).toBe(true), 30_000)
    const acknowledged = trackers.flatMap((t) => [...t.state.acked])
    const exited = new Promise((r) => first.child.once('exit', r))
    first.child.kill('SIGKILL')
    killed = true
    await exited
    await Promise.all(typing)
    // The typing clients are gone for good: nothing they hold can come back to the server.
    for (const w of writers) w.destroy()
    const typedCount = trackers.reduce((n, t) => n + t.state.typed.length, 0)
    expect(acknowledged.length).toBeLessThanOrEqual(typedCount)

    const second = await spawnServer(dir, 0, fast)
    const fresh = collabClient(second.url, sheetId, await new TestClient(second.url).login('kikaku'))
    await fresh.synced()
    const text = docToSheet(fresh.doc).situation
    const missing = acknowledged.filter((char) => !text.includes(char))
    console.log(`typed ${typedCount}, acknowledged ${acknowledged.length} before the kill, missing after the restart ${missing.length}`)
    expect(missing).toEqual([])
    fresh.destroy()
    second.child.kill('SIGTERM')
    await new Promise((r) => second.child.once('exit', r))
    expect((await readFromDisk(path.join(dir, 'hoshin.sqlite'), sheetId)).sheet.situation).toBe(text)
  }, 90_000)
})
