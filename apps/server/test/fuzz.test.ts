import { docToSheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { applyStored, SqliteDocumentStore } from '../src/persistence/document-store.js'
import { SqliteDatabase } from '../src/persistence/sqlite.js'
import type { RunningServer } from '../src/server.js'
import { cellText, collabClient, collabSocketUrl, eventually, updateMessage } from './collab-harness.js'
import { startTestServer, TestClient } from './harness.js'

/** A small seeded generator (mulberry32): the same seed, the same 10,000 messages. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n), bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)) }
}

let server: RunningServer
let sheetId: string

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
})

describe('fuzz', () => {
  it('10,000 malformed, truncated, wrong-type and oversized messages while two honest clients edit', async () => {
    const seed = 20261124
    const rng = random(seed)
    const kikaku = await new TestClient(server.url).login('kikaku')
    const chiiki = await new TestClient(server.url).login('chiiki')
    const a = collabClient(server.url, sheetId, kikaku)
    const b = collabClient(server.url, sheetId, chiiki)
    await Promise.all([a.synced(), b.synced()])

    // Real updates to cut and twist: edits made on a copy of the sheet.
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(a.doc))
    const real: Uint8Array[] = []
    scratch.on('update', (u: Uint8Array) => real.push(u))
    for (let i = 0; i < 20; i++) cellText(scratch, 'measures', 'measure-2', 'content').insert(0, '偽')

    const kinds = ['random', 'truncated', 'wrong-type', 'bad-sync', 'bad-awareness', 'text', 'hoshin', 'oversized'] as const
    const counts = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<(typeof kinds)[number], number>
    const message = (): Uint8Array | string => {
      // Oversized messages are costly to send: one in a thousand.
      const kind = rng.int(1000) === 0 ? 'oversized' : kinds[rng.int(kinds.length - 1)]!
      counts[kind]++
      switch (kind) {
        case 'random':
          return rng.bytes(rng.int(200))
        case 'truncated': {
          const m = updateMessage(real[rng.int(real.length)]!)
          return m.slice(0, 3 + rng.int(m.length - 4))
        }
        case 'wrong-type':
          return Uint8Array.from([4 + rng.int(90), ...rng.bytes(rng.int(50))])
        case 'bad-sync':
          return Uint8Array.from([0, 3 + rng.int(250), ...rng.bytes(rng.int(50))])
        case 'bad-awareness':
          return Uint8Array.from([1, ...rng.bytes(1 + rng.int(60))])
        case 'text':
          return `{"garbage":${rng.int(1e6)}}`
        case 'hoshin':
          return Uint8Array.from([100, ...rng.bytes(rng.int(40))])
        default:
          return new Uint8Array(2 * 1024 * 1024 + 1 + rng.int(100))
      }
    }

    const cookie = kikaku.cookieHeader()!
    const wsUrl = collabSocketUrl(server.url, sheetId)
    let sent = 0
    // What the server did with each message: closed the connection (by code), or took it and answered.
    const outcome = { protocolError: 0, tooBig: 0, accepted: 0, other: 0 }
    const TOTAL = 10_000
    const step1 = Uint8Array.from([0, 0, 1, 0]) // a sync step 1 carrying an empty state vector (one byte: no clients)
    // One message per connection: the server stops reading a connection at its first bad message. After
    // it, a sync step 1: its answer (a step 2) shows the server took the message and went on.
    const attacker = async () => {
      while (sent < TOTAL) {
        const ws = new WebSocket(wsUrl, { headers: { cookie } })
        sent++
        await new Promise<void>((resolve) => {
          let answered = false
          ws.on('open', () => {
            ws.send(message())
            ws.send(step1)
          })
          ws.on('message', (data: Buffer) => {
            if (data[0] === 0 && data[1] === 1 && !answered) {
              answered = true
              outcome.accepted++
              ws.close()
            }
          })
          ws.on('close', (code) => {
            if (!answered) {
              if (code === 4400) outcome.protocolError++
              else if (code === 1009) outcome.tooBig++
              else outcome.other++
            }
            resolve()
          })
          ws.on('error', () => undefined)
        })
      }
    }

    // The honest clients type throughout the attack.
    const typed = { Ａ: 0, Ｂ: 0 }
    const honest = async (client: typeof a, row: string, ch: 'Ａ' | 'Ｂ') => {
      while (sent < TOTAL) {
        cellText(client.doc, 'projects', row, 'content').insert(0, ch)
        typed[ch]++
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    await Promise.all([attacker(), attacker(), attacker(), attacker(), attacker(), attacker(), attacker(), attacker(), honest(a, 'project-1', 'Ａ'), honest(b, 'project-2', 'Ｂ')])
    console.log(`fuzz seed ${seed}: ${sent} messages`, counts, 'server:', outcome, 'honest edits', typed)
    // Every message had an answer from the server itself: a close with the right code, or a step 2.
    expect(outcome.other).toBe(0)
    expect(outcome.protocolError + outcome.tooBig + outcome.accepted).toBe(sent)
    expect(outcome.tooBig).toBe(counts.oversized)
    // Most of the garbage is refused outright (what is left parses as a valid message: an empty awareness
    // update, a query…).
    expect(outcome.protocolError).toBeGreaterThan(sent * 0.7)

    // The server is up, the honest clients converge with everything they typed.
    expect((await new TestClient(server.url).get('/api/health')).status).toBe(200)
    await eventually(() => {
      const sa = docToSheet(a.doc)
      expect(docToSheet(b.doc)).toEqual(sa)
      expect(sa.projects[0]!.content.startsWith(`${'Ａ'.repeat(typed.Ａ)}総合計画`)).toBe(true)
      expect(sa.projects[1]!.content.startsWith(`${'Ｂ'.repeat(typed.Ｂ)}行政`)).toBe(true)
    })
    // Nothing of the garbage reached the stored document, read through a connection of its own to the file.
    await server.services.documents.updateLog.flush()
    const db = await SqliteDatabase.open(server.services.config.databaseFile)
    const doc = applyStored(new Y.Doc(), await new SqliteDocumentStore(db).load(sheetId).finally(() => db.close()))
    expect(docToSheet(doc)).toEqual(docToSheet(a.doc))
    expect(docToSheet(doc).measures[1]!.content).not.toContain('偽')
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.store.pendingDs).toBeNull()
  }, 120_000)
})
