import { MessageType } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import * as decoding from 'lib0/decoding'
import { beforeAll, describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { type CollabClient, collabClient, eventually } from './collab-harness.js'
import type { RunningServer } from '../src/server.js'
import { logins, startTestServer } from './harness.js'

/**
 * What the fan-out must keep while it sends a turn's updates as one frame per receiver: every change
 * reaches every other connection exactly once, in an order it can apply at once, and they converge;
 * presence still comes and goes.
 */

let server: RunningServer
beforeAll(async () => {
  server = await startTestServer()
})
const as = logins(() => server)

async function kikakuSheet(): Promise<string> {
  const sheets = await (await as('kikaku')).get<{ sheets: { id: string; department: { id: string } }[] }>('/api/sheets')
  return sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
}

/** Every item (client, clock) a client received in document frames after its handshake, with how often. */
function recordFrames(client: CollabClient) {
  const seen = new Map<string, number>()
  const record = { frames: 0, gaps: 0, seen }
  const doc = new Y.Doc()
  const hook = () => {
    const ws = client.provider.ws as unknown as { addEventListener(type: 'message', listener: (event: { data: ArrayBuffer | Buffer }) => void): void }
    ws.addEventListener('message', ({ data }) => {
      const decoder = decoding.createDecoder(new Uint8Array(data as ArrayBuffer))
      if (decoding.readVarUint(decoder) !== MessageType.Sync) return
      const kind = decoding.readVarUint(decoder)
      if (kind === syncProtocol.messageYjsSyncStep1) return
      const update = decoding.readVarUint8Array(decoder)
      // The handshake's step 2 is the whole sheet: applied, not counted.
      if (kind === syncProtocol.messageYjsUpdate) {
        record.frames++
        for (const struct of Y.decodeUpdate(update).structs) {
          if (!(struct instanceof Y.Item)) continue
          for (let i = 0; i < struct.length; i++) {
            const key = `${struct.id.client}:${struct.id.clock + i}`
            seen.set(key, (seen.get(key) ?? 0) + 1)
          }
        }
      }
      Y.applyUpdate(doc, update)
      // Applicable as it came: nothing waits for a part sent later.
      if (doc.store.pendingStructs || doc.store.pendingDs) record.gaps++
    })
  }
  // Hooked before the first frame arrives (the socket may be open already, the handshake not done).
  if (client.provider.ws) hook()
  client.provider.on('status', ({ status }: { status: string }) => {
    if (status === 'connected' && client.provider.ws) hook()
  })
  return record
}

describe('fan-out of a turn’s updates', () => {
  it('a burst from several clients in one turn reaches every receiver once, in order, converged', async () => {
    const sheetId = await kikakuSheet()
    const writers = await Promise.all(['kikaku', 'chiiki', 'joho'].map(async (name) => collabClient(server.url, sheetId, await as(name), { connect: false })))
    const writerRecords = writers.map(recordFrames)
    for (const writer of writers) writer.provider.connect()
    const readers = await Promise.all(['zero', 'kacho'].map(async (name) => {
      const reader = collabClient(server.url, sheetId, await as(name), { connect: false })
      return { reader, record: recordFrames(reader) }
    }))
    for (const { reader } of readers) reader.provider.connect()
    const records = readers.map((r) => r.record)
    await Promise.all([...writers, ...readers.map((r) => r.reader)].map((c) => c.synced()))
    // Each writer sends 40 updates in one go (40 socket messages in the same tick of its event loop).
    const marks = ['壱', '弐', '参']
    const items = new Set<string>()
    const itemsOf = writers.map(() => new Set<string>())
    for (const [w, writer] of writers.entries()) {
      const capture = (update: Uint8Array) => {
        for (const struct of Y.decodeUpdate(update).structs) {
          if (!(struct instanceof Y.Item)) continue
          for (let i = 0; i < struct.length; i++) {
            items.add(`${struct.id.client}:${struct.id.clock + i}`)
            itemsOf[w]!.add(`${struct.id.client}:${struct.id.clock + i}`)
          }
        }
      }
      writer.doc.on('update', capture)
      const text = (writer.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
      for (let k = 0; k < 40; k++) text.insert(k % 3 === 0 ? 0 : text.length, marks[w]!)
      writer.doc.off('update', capture)
    }
    const all = [...writers, ...readers.map((r) => r.reader)]
    await eventually(() => {
      const texts = all.map((c) => docToSheet(c.doc).situation)
      expect(new Set(texts).size).toBe(1)
      for (const m of marks) expect([...texts[0]!].filter((ch) => ch === m)).toHaveLength(40)
    })
    for (const record of records) {
      // Every item of the burst, exactly once.
      expect([...items].filter((key) => record.seen.get(key) !== 1)).toEqual([])
      expect(record.gaps).toBe(0)
    }
    // Writers get the others' changes once each, and never their own back.
    for (const [w, record] of writerRecords.entries()) {
      expect([...items].filter((key) => record.seen.get(key) !== (itemsOf[w]!.has(key) ? undefined : 1))).toEqual([])
    }
    console.log(`fan-out: 120 updates reached each reader in ${records.map((r) => r.frames).join(' / ')} frames`)
  })

  it('presence of a client that leaves is removed for the others; a renewal still reaches everyone', async () => {
    const sheetId = await kikakuSheet()
    const leaving = collabClient(server.url, sheetId, await as('kikaku'))
    const staying = collabClient(server.url, sheetId, await as('chiiki'))
    await Promise.all([leaving.synced(), staying.synced()])
    leaving.provider.awareness.setLocalStateField('editing', { field: 'situation' })
    await eventually(() => expect(staying.provider.awareness.getStates().get(leaving.doc.clientID)?.editing).toEqual({ field: 'situation' }))
    // A renewal (same state, next clock) reaches the others and is echoed to its sender: how a lone
    // editor's socket stays alive (y-websocket counts any message as a sign of life).
    const clock = () => staying.provider.awareness.meta.get(leaving.doc.clientID)?.clock ?? 0
    const before = clock()
    const lastHeard = leaving.provider.wsLastMessageReceived
    leaving.provider.awareness.setLocalState(leaving.provider.awareness.getLocalState())
    await eventually(() => expect(clock()).toBeGreaterThan(before))
    await eventually(() => expect(leaving.provider.wsLastMessageReceived).toBeGreaterThan(lastHeard))
    leaving.destroy()
    await eventually(() => expect(staying.provider.awareness.getStates().has(leaving.doc.clientID)).toBe(false))
  })
})
