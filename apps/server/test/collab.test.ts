import { CloseCode, MAX_MESSAGE_BYTES } from '@hoshin/protocol'
import { docToSheet, moveRow, orderedRowIds, type Sheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { RunningServer } from '../src/server.js'
import { cellText, type CollabClient, collabClient, collabSocketUrl, eventually, roundTrip, updateMessage } from './collab-harness.js'
import { logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let somuSheetId: string
const as = logins(() => server)

async function editor(username = 'kikaku', sheet = sheetId): Promise<CollabClient> {
  const client = collabClient(server.url, sheet, await as(username))
  await client.synced()
  return client
}

function sameState(clients: CollabClient[]) {
  const [first, ...rest] = clients.map((c) => JSON.stringify(docToSheet(c.doc)))
  for (const other of rest) expect(other).toBe(first)
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somuSheetId = (await server.services.stores.sheets.findByDepartmentYear('somu', 2025))!.id
})

describe('co-editing through /collab/:sheetId with stock y-websocket providers', () => {
  it('syncs the stored sheet to a new client', async () => {
    const client = await editor()
    expect(docToSheet(client.doc).projects).toHaveLength(13)
    // Editors get no Hoshin message at all: a stock client sees only the y-websocket protocol.
    expect(client.session).toBeUndefined()
  })

  it('two clients typing concurrently into one field converge, both texts intact', async () => {
    const [a, b] = await Promise.all([editor('kikaku'), editor('chiiki')])
    const textA = cellText(a.doc, 'measures', 'measure-2', 'content')
    const textB = cellText(b.doc, 'measures', 'measure-2', 'content')
    for (let i = 0; i < 20; i++) {
      textA.insert(0, 'あ')
      textB.insert(textB.length, 'い')
    }
    await eventually(() => {
      const content = docToSheet(a.doc).measures[1]!.content
      expect(content).toMatch(/^あ{20}人口減少/)
      expect(content).toMatch(/い{20}$/)
      sameState([a, b])
    })
  })

  it('ten clients typing concurrently into the same field converge to identical state', async () => {
    const users = ['kikaku', 'chiiki', 'joho', 'zero', 'kacho']
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => editor(users[i % users.length])))
    await Promise.all(
      clients.map(async (client, i) => {
        const text = cellText(client.doc, 'projects', 'project-8', 'content')
        for (let k = 0; k < 10; k++) {
          text.insert(Math.floor(Math.random() * (text.length + 1)), String.fromCharCode(0x30a2 + i))
          await new Promise((r) => setTimeout(r, 1))
        }
      }),
    )
    await eventually(() => {
      sameState(clients)
      const content = docToSheet(clients[0]!.doc).projects[7]!.content
      for (let i = 0; i < 10; i++) {
        expect([...content].filter((ch) => ch === String.fromCharCode(0x30a2 + i))).toHaveLength(10)
      }
    })
  })

  it('concurrent reorders by two clients never duplicate or lose a row', async () => {
    const [a, b] = await Promise.all([editor('kikaku'), editor('joho')])
    a.provider.disconnect()
    b.provider.disconnect()
    moveRow(a.doc, 'projects', 'project-12', { before: 'project-1' })
    moveRow(a.doc, 'projects', 'project-3', { after: 'project-9' })
    moveRow(b.doc, 'projects', 'project-12', { after: 'project-6' })
    moveRow(b.doc, 'projects', 'project-1', { after: 'project-13' })
    a.provider.connect()
    b.provider.connect()
    await eventually(() => {
      const ids = orderedRowIds(a.doc, 'projects')
      expect(ids).toEqual(orderedRowIds(b.doc, 'projects'))
      expect(ids).toHaveLength(13)
      expect(new Set(ids).size).toBe(13)
      sameState([a, b])
    })
  })

  it('a client that edits while disconnected merges on reconnect', async () => {
    const [a, b] = await Promise.all([editor('kikaku'), editor('zero')])
    a.provider.disconnect()
    cellText(a.doc, 'projects', 'project-6', 'name').insert(0, '【オフライン】')
    cellText(b.doc, 'projects', 'project-6', 'content').insert(0, '【オンライン】')
    const project6 = (c: CollabClient) => docToSheet(c.doc).projects.find((p) => p.id === 'project-6')!
    // A third client sees b's edit: the server has broadcast it, and a (offline) did not get it.
    const c = await editor('joho')
    await eventually(() => expect(project6(c).content).toContain('【オンライン】'))
    expect(project6(a).content).not.toContain('【オンライン】')
    expect(project6(b).name).not.toContain('【オフライン】')
    expect(project6(c).name).not.toContain('【オフライン】')
    a.provider.connect()
    await eventually(() => {
      for (const c of [a, b]) {
        expect(project6(c).name).toContain('【オフライン】')
        expect(project6(c).content).toContain('【オンライン】')
      }
    })
  })

  it('an edit that overtakes the sync handshake (offline edits, typing as the socket opens) keeps the connection and arrives', async () => {
    // After a server restart that lost its last unflushed updates, or after editing offline, a client's
    // next keystroke can reach the server before the handshake has sent what the server lacks. y-websocket
    // clients never reconnect after a 44xx close, so refusing it would cut the editor off for good.
    const a = await editor('kikaku')
    a.provider.disconnect()
    cellText(a.doc, 'projects', 'project-9', 'name').insert(0, '【先】')
    a.provider.on('status', ({ status }) => {
      // Emitted when the socket opens, before the provider sends its sync step 1.
      if (status === 'connected') cellText(a.doc, 'projects', 'project-9', 'name').insert(0, '【後】')
    })
    a.provider.connect()
    const b = await editor('zero')
    await eventually(() => expect(docToSheet(b.doc).projects.find((p) => p.id === 'project-9')!.name).toMatch(/^【後】【先】/))
    expect(a.closeEvents).toEqual([])
    expect(a.provider.wsconnected).toBe(true)
  })

  it('export.json shows live edits while the sheet is open', async () => {
    const a = await editor('kikaku')
    cellText(a.doc, 'measures', 'measure-4', 'name').insert(0, '【ライブ】')
    const rest = await as('kacho')
    await eventually(async () => {
      const res = await rest.get<Sheet>(`/api/sheets/${sheetId}/export.json`)
      expect(res.body.measures[3]!.name).toMatch(/^【ライブ】/)
    })
  })
})

describe('permissions at the upgrade', () => {
  async function upgrade(path: string, cookie?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, cookie ? { headers: { cookie } } : {})
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('open', () => {
        resolve(101)
        ws.close()
      })
      ws.on('error', () => undefined)
      setTimeout(() => reject(new Error('no answer')), 5000)
    })
  }

  it('refuses an upgrade without a session, to a sheet one may not read, and to no sheet', async () => {
    expect(await upgrade(`/collab/${sheetId}`)).toBe(401)
    expect(await upgrade(`/collab/${sheetId}`, 'hoshin_session=forged')).toBe(401)
    expect(await upgrade('/collab/sh_missing', (await as('kikaku')).cookieHeader())).toBe(404)
    expect(await upgrade(`/collab/${sheetId}`, (await as('kikaku')).cookieHeader())).toBe(101)
  })

  it('refuses an upgrade from another site’s page', async () => {
    const cookie = (await as('kikaku')).cookieHeader()!
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(collabSocketUrl(server.url, sheetId), {
        headers: { cookie, origin: 'http://evil.example' },
      })
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
      ws.on('error', () => undefined)
    })
    expect(status).toBe(403)
  })

  it('gives a reader a read-only connection whose updates are dropped and never stored', async () => {
    // somu (総務課) may read 企画財政課's sheet (it names 全課) but not edit it.
    const reader = await editor('somu')
    const writer = await editor('kikaku')
    await eventually(() => expect(reader.session).toEqual({ kind: 'session', readOnly: true, reason: 'permission' }))
    cellText(reader.doc, 'issues', 'issue-3', 'text').insert(0, '【閲覧者の改ざん】')
    // The barrier on the reader's own socket: once its sync step 1 is answered, the update sent before it
    // was handled. Then one on the writer's: had the update been applied, its broadcast would be there.
    await roundTrip(reader)
    await roundTrip(writer)
    expect(docToSheet(writer.doc).issues[2]!.text).not.toContain('改ざん')
    cellText(writer.doc, 'issues', 'issue-4', 'text').insert(0, '【編集者】')
    await eventually(() => expect(docToSheet(reader.doc).issues[3]!.text).toMatch(/^【編集者】/))
    await server.services.documents.updateLog.flush()
    const stored = await server.services.documents.read(sheetId, docToSheet)
    expect(stored.issues[2]!.text).not.toContain('改ざん')
    const log = await server.db.all<{ data: Buffer }>('SELECT data FROM sheet_updates')
    expect(log.some((r) => Buffer.from(r.data).includes(Buffer.from('改ざん')))).toBe(false)
    // The reader still sees others' presence and edits: it is a live reader.
    expect(docToSheet(reader.doc).issues[3]!.text).toMatch(/^【編集者】/)
  })

  it('closes a live connection when its session logs out (4401, no reconnect); the same person’s other session stays', async () => {
    const session = await new TestClient(server.url).login('zero')
    const client = collabClient(server.url, sheetId, session)
    // Open before the logout: the same person on another PC, and a colleague.
    const otherPc = collabClient(server.url, sheetId, await new TestClient(server.url).login('zero'))
    const colleague = await editor('joho')
    await Promise.all([client.synced(), otherPc.synced()])
    expect((await session.post('/api/auth/logout')).status).toBe(204)
    await eventually(() => expect(client.closeEvents).toContainEqual({ code: CloseCode.Unauthenticated, reason: 'session ended' }))
    // Both still work: an edit on the other PC reaches the colleague through the server.
    cellText(otherPc.doc, 'issues', 'issue-2', 'text').insert(0, '【別の端末】')
    await eventually(() => expect(docToSheet(colleague.doc).issues[1]!.text).toMatch(/^【別の端末】/))
    expect(otherPc.closeEvents).toEqual([])
    expect(colleague.closeEvents).toEqual([])
  })

  it('lets a department edit its own sheet but only read another', async () => {
    const own = await editor('somu', somuSheetId)
    expect(own.session).toBeUndefined()
    cellText(own.doc, 'issues', 'somu-issue-1', 'text').insert(0, '【総務課】')
    await eventually(async () =>
      expect((await server.services.documents.read(somuSheetId, docToSheet)).issues[0]!.text).toMatch(/^【総務課】/),
    )
  })
})

describe('limits and bad input', () => {
  async function rawSocket(onMessage?: (data: Buffer) => void): Promise<WebSocket> {
    const cookie = (await as('kikaku')).cookieHeader()!
    const ws = new WebSocket(collabSocketUrl(server.url, sheetId), { headers: { cookie } })
    if (onMessage) ws.on('message', onMessage)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return ws
  }

  function closeCode(ws: WebSocket): Promise<number> {
    return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
  }

  /**
   * The bystander's socket is still open once the server is done with the offender's (kikaku's; the
   * bystanders are other people): the server has let go of it, and a sync step 1 sent on the bystander's
   * socket after that is answered, so a close of the bystander for the same cause would have come first.
   */
  async function expectStillOpen(bystander: CollabClient) {
    await eventually(async () => {
      const connections = [...((await server.services.documents.live(sheetId))?.connections ?? [])]
      expect(connections.filter((c) => c.actor.username === 'kikaku')).toEqual([])
    })
    const closed = new Promise<void>((resolve) => bystander.provider.once('connection-close', () => resolve()))
    if (bystander.provider.ws) await Promise.race([roundTrip(bystander), closed])
    expect(bystander.closeEvents).toEqual([])
    expect(bystander.provider.wsconnected).toBe(true)
  }

  it('closes only the offending connection with 1009 past the size limit', async () => {
    const bystander = await editor('joho')
    const ws = await rawSocket()
    const closed = closeCode(ws)
    ws.send(new Uint8Array(MAX_MESSAGE_BYTES + 1))
    expect(await closed).toBe(CloseCode.MessageTooBig)
    await expectStillOpen(bystander)
    cellText(bystander.doc, 'issues', 'issue-1', 'text').insert(0, '★')
    const check = await editor('kikaku')
    await eventually(() => expect(docToSheet(check.doc).issues[0]!.text).toMatch(/^★/))
  })

  const garbage: [string, Uint8Array | string][] = [
    ['random bytes', new Uint8Array([0, 2, 200, 1, 2, 3, 99, 250, 17])],
    ['a truncated update', new Uint8Array([0, 2, 10, 1, 2])],
    ['an unknown message type', new Uint8Array([77, 1, 2, 3])],
    ['an unknown sync step', new Uint8Array([0, 9, 0])],
    ['an empty message', new Uint8Array([])],
    ['a text frame', 'hello'],
  ]

  it.each(garbage)('closes only that connection with a protocol error on %s, leaving the document untouched', async (_label, payload) => {
    const bystander = await editor('joho')
    const before = JSON.stringify(docToSheet(bystander.doc))
    const ws = await rawSocket()
    const closed = closeCode(ws)
    ws.send(payload)
    expect(await closed).toBe(CloseCode.ProtocolError)
    await expectStillOpen(bystander)
    const live = await server.services.documents.read(sheetId, (doc) => JSON.stringify(docToSheet(doc)))
    expect(live).toBe(before)
    const fresh = await editor('kikaku')
    expect(JSON.stringify(docToSheet(fresh.doc))).toBe(before)
  })

  it('keeps aside an update that starts past the document or builds on content it lacks, asks for what is missing, applies it once that comes', async () => {
    const base = Y.encodeStateAsUpdate((await editor()).doc)
    // Two writers: the second types next to the first's text, so its update builds on content of another client.
    const [first, second] = [new Y.Doc(), new Y.Doc()]
    const updates: Uint8Array[] = []
    for (const doc of [first, second]) {
      Y.applyUpdate(doc, base)
      doc.on('update', (u: Uint8Array, origin: unknown) => {
        if (origin !== 'remote') updates.push(u)
      })
    }
    const relay = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote')
    cellText(first, 'issues', 'issue-2', 'text').insert(0, '一')
    cellText(first, 'issues', 'issue-2', 'text').insert(1, '二')
    relay(first, second)
    cellText(second, 'issues', 'issue-2', 'text').insert(2, '三')
    cellText(second, 'issues', 'issue-2', 'text').insert(3, '四')

    const stepOnes: number[] = []
    const ws = await rawSocket((data) => {
      if (data[0] === 0 && data[1] === 0) stepOnes.push(Date.now())
    })
    await eventually(() => expect(stepOnes).toHaveLength(1)) // the greeting
    const stepTwo = (...us: Uint8Array[]) => updateMessage(Y.mergeUpdates(us), { step2: true })
    const live = () =>
      server.services.documents.read(sheetId, (doc) => ({
        text: docToSheet(doc).issues[1]!.text,
        pending: doc.store.pendingStructs ?? doc.store.pendingDs,
      }))
    const [one, two, three, four] = updates as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]

    ws.send(updateMessage(two)) // '二' without the '一' it continues
    await eventually(() => expect(stepOnes).toHaveLength(2))
    expect(await live()).toMatchObject({ pending: null })
    expect((await live()).text).not.toContain('二')
    ws.send(stepTwo(one, two)) // what an honest client answers
    await eventually(async () => expect((await live()).text).toMatch(/^一二/))

    ws.send(updateMessage(four)) // the second writer's '四' without its '三'
    await eventually(() => expect(stepOnes).toHaveLength(3))
    ws.send(stepTwo(three, four))
    await eventually(async () => expect((await live()).text).toMatch(/^一二三四/))

    // Text typed next to content the server lacks: its own clock follows, the text it follows does not exist.
    const [p, q] = [new Y.Doc(), new Y.Doc()]
    Y.applyUpdate(p, Y.encodeStateAsUpdate(second))
    cellText(p, 'issues', 'issue-2', 'text').insert(4, '五')
    Y.applyUpdate(q, Y.encodeStateAsUpdate(p))
    const fromP = Y.encodeStateAsUpdate(p, Y.encodeStateVector(second))
    const fromQ: Uint8Array[] = []
    q.on('update', (u: Uint8Array) => fromQ.push(u))
    cellText(q, 'issues', 'issue-2', 'text').insert(5, '六')
    ws.send(updateMessage(fromQ[0]!))
    await eventually(() => expect(stepOnes).toHaveLength(4))
    expect(await live()).toMatchObject({ pending: null })
    expect((await live()).text).not.toContain('六')
    ws.send(stepTwo(fromP, fromQ[0]!))
    await eventually(async () => expect((await live()).text).toMatch(/^一二三四五六/))
    expect(ws.readyState).toBe(WebSocket.OPEN)
    ws.close()
  })

  it('rejects a well-formed update that is truncated inside, without applying part of it', async () => {
    const source = new Y.Doc()
    Y.applyUpdate(source, Y.encodeStateAsUpdate((await editor()).doc))
    const bystander = await editor('joho')
    const before = JSON.stringify(docToSheet(bystander.doc))
    source.getMap('meta').set('departmentName', '乗っ取り')
    const update = Y.encodeStateAsUpdate(source)
    const cut = update.slice(0, update.length - 3)
    const message = updateMessage(cut)
    const ws = await rawSocket()
    const closed = closeCode(ws)
    ws.send(message)
    expect(await closed).toBe(CloseCode.ProtocolError)
    expect(await server.services.documents.read(sheetId, (doc) => JSON.stringify(docToSheet(doc)))).toBe(before)
  })
})
