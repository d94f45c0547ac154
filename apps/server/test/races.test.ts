import { canonicalJson, docToSheet } from '@hoshin/sheet'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Actor } from '../src/context.js'
import { SqliteDocumentStore } from '../src/persistence/document-store.js'
import type { RunningServer } from '../src/server.js'
import { Connection, type Socket } from '../src/sync/connection.js'
import { collabClient, eventually, updateMessage } from './collab-harness.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
const as = logins(() => server)

beforeAll(async () => {
  server = await startTestServer()
})

/** A socket that records what the server sends (the registry's own API is what these tests race). */
function recordingSocket(): Socket & { sent: Uint8Array[]; closed: number | undefined } {
  return {
    sent: [],
    closed: undefined,
    readyState: 1,
    send(data) {
      this.sent.push(data)
    },
    close(code) {
      this.closed = code
    },
  }
}

async function actorOf(username: string): Promise<Actor> {
  const me = await (await as(username)).get<Actor>('/api/auth/me')
  return me.body
}

const sheetOf = async (department: string) => (await server.services.stores.sheets.findByDepartmentYear(department, 2025))!.id
const silent = { warn() {}, error() {}, info() {}, debug() {} } as unknown as ConstructorParameters<typeof Connection>[3]

afterEach(async () => {
  // Nothing of a test stays loaded for the next one.
  await eventually(() => expect(server.services.documents.openCount).toBe(0))
})

describe('races', () => {
  it('an unload waits for a compaction already running, and a reload right after sees every change', async () => {
    const { documents } = server.services
    const sheetId = await sheetOf('somu')
    const connection = new Connection(recordingSocket(), await actorOf('somu'), null, silent)
    await documents.connect(sheetId, connection)
    const document = (await documents.live(sheetId))!
    const situation = () => (document.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
    for (const ch of '競合のテスト') Y.applyUpdate(document.doc, editOf(document.doc, situation, ch), connection)
    const expected = docToSheet(document.doc).situation

    // The compaction starts (it first waits for the update log to be written), the last person leaves
    // meanwhile, and someone opens the sheet again at once.
    // Without the board's before-unload hook (its own writes would give the compaction time to finish).
    const hook = documents.beforeUnload
    documents.beforeUnload = undefined
    let compacted = false
    const compaction = documents.compact(sheetId).then(() => {
      compacted = true
    })
    await documents.disconnect(sheetId, connection).finally(() => {
      documents.beforeUnload = hook
    })
    // The unload did not let go of the sheet while the compaction was still writing.
    expect(compacted).toBe(true)
    // The unload stored everything before it let go of the sheet: the log is folded into the state.
    expect(await new SqliteDocumentStore(server.db).logLength(sheetId)).toBe(0)
    const reopened = await documents.read(sheetId, (doc) => docToSheet(doc).situation)
    expect(reopened).toBe(expected)
    await compaction
  })

  it('a connection that attaches just after a freeze is read-only, and its changes are kept aside, not applied', async () => {
    const { documents } = server.services
    const sheetId = await sheetOf('somu')
    const socket = recordingSocket()
    // Rights decided at the upgrade (may edit), then the approval freezes the sheet while it loads.
    const connection = new Connection(socket, await actorOf('somu'), null, silent)
    const rejected: Uint8Array[] = []
    connection.onRejected = (update) => rejected.push(update)
    await documents.freeze(sheetId)
    try {
      await documents.connect(sheetId, connection)
      expect(connection.readOnlyBecause).toBe('approved')
      const before = await documents.read(sheetId, (doc) => canonicalJson(docToSheet(doc)))
      const client = new Y.Doc()
      Y.applyUpdate(client, await documents.read(sheetId, (doc) => Y.encodeStateAsUpdate(doc)))
      const update = editOf(client, () => (client.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText, '凍結後')
      connection.receive(updateMessage(update).slice().buffer)
      expect(rejected).toHaveLength(1)
      expect(await documents.read(sheetId, (doc) => canonicalJson(docToSheet(doc)))).toBe(before)
    } finally {
      await documents.unfreeze(sheetId, () => true)
      await documents.disconnect(sheetId, connection)
    }
  })

  it('approval racing new connections: nobody who connected around it changes the approved version', async () => {
    const sheetId = await sheetOf('kikaku-zaisei')
    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    const staff = await as('kikaku')
    const clients = Array.from({ length: 12 }, () => collabClient(server.url, sheetId, staff))
    const approval = (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)
    await Promise.all(clients.map((c) => c.synced()))
    expect((await approval).status).toBe(201)
    const version = await server.services.stores.versions.get(sheetId, 1)
    // Every client types after the approval; the server answers each with late-kept (kept aside, not
    // applied): that answer is the barrier before the version is compared with the live sheet.
    clients.forEach((client, i) => {
      const text = (client.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
      text.insert(0, `承認後${i}`)
    })
    await eventually(() => {
      for (const client of clients) expect(client.messages.some((m) => m.kind === 'late-kept')).toBe(true)
    })
    expect(await server.services.documents.read(sheetId, (doc) => canonicalJson(docToSheet(doc)))).toBe(version!.canonical)
    for (const client of clients) client.destroy()
  })
})

function editOf(doc: Y.Doc, text: () => Y.XmlText, chars: string): Uint8Array {
  let update: Uint8Array | undefined
  const capture = (u: Uint8Array) => {
    update = u
  }
  doc.on('update', capture)
  text().insert(text().length, chars)
  doc.off('update', capture)
  return update!
}
