import type { SheetChange } from '@hoshin/sheet'
import { docToSheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Actor } from '../src/context.js'
import type { RunningServer } from '../src/server.js'
import { MAX_LATE_SET_BYTES } from '../src/sheets/workflow-service.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
let sheetId: string
const as = logins(() => server)

interface LateSet {
  id: string
  version: number
  carriedAt: string | null
  canCarry: boolean
  changes: SheetChange[]
}

const lateSets = async (username: string) =>
  (await (await as(username)).get<{ sets: LateSet[] }>(`/api/sheets/${sheetId}/rejected`)).body.sets

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
})

describe('late offline edits after approval', () => {
  it('are kept whole, as one set per person and version, shown to the author at once and carried into the revision', async () => {
    const writer = collabClient(server.url, sheetId, await as('kikaku'))
    await writer.synced()
    const measure3 = docToSheet(writer.doc).measures[2]!
    // Offline during the review: every character is its own change, each building on the one before.
    writer.provider.disconnect()
    const text = cellText(writer.doc, 'measures', measure3.id, 'content')
    const late = '（オフライン中の追記）'
    for (const char of late) text.insert(text.length, char)

    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)

    writer.provider.connect()
    // The author hears at once that the change was kept aside.
    await eventually(() => expect(writer.messages.some((m) => m.kind === 'late-kept')).toBe(true))
    // A client that goes on typing while read-only (its step 2 first, then one update per keystroke).
    for (const char of '続き') text.insert(text.length, char)
    await eventually(async () => {
      const sets = await lateSets('kikaku')
      expect(sets).toHaveLength(1)
      const change = sets[0]!.changes.find((c) => c.to?.includes(late))
      expect(change?.to).toBe(`${measure3.content}${late}続き`)
    })
    const rows = await server.db.all<{ n: number }>('SELECT count(*) AS n FROM rejected_changes WHERE sheet_id = ?', [sheetId])
    expect(rows[0]!.n).toBe(1)
    // Nothing of it reached the approved sheet, and nobody else sees the set.
    expect(await server.services.documents.read(sheetId, (doc) => docToSheet(doc).measures[2]!.content)).toBe(measure3.content)
    expect(await lateSets('kacho')).toEqual([])

    // Not before a revision is opened…
    const [set] = await lateSets('kikaku')
    expect(set!.canCarry).toBe(false)
    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/rejected/${set!.id}/carry`)).status).toBe(409)
    writer.destroy()
    // …then by its author only, once.
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/reopen`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/rejected/${set!.id}/carry`)).status).toBe(404)
    expect((await lateSets('kikaku'))[0]!.canCarry).toBe(true)
    const carried = await (await as('kikaku')).post<{ sets: LateSet[] }>(`/api/sheets/${sheetId}/rejected/${set!.id}/carry`)
    expect(carried.status).toBe(200)
    expect(carried.body.sets[0]!.carriedAt).not.toBeNull()
    expect(await server.services.documents.read(sheetId, (doc) => docToSheet(doc).measures[2]!.content)).toBe(`${measure3.content}${late}続き`)
    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/rejected/${set!.id}/carry`)).status).toBe(409)
    // The carried change is its author's edit ([S17]), whoever else has the sheet open.
    const since = await (await as('kacho')).get<{ changes: (SheetChange & { editedBy: { name: string } | null })[] }>(
      `/api/sheets/${sheetId}/changes?since=version`,
    )
    expect(since.body.changes.map((c) => [c.label, c.editedBy?.name])).toEqual([[`施策 3 ${measure3.name} ／ 施策の内容`, '佐藤 美咲']])
  })

  it('a late set stops growing at 256 KB: a flood after approval cannot fill the database', async () => {
    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    const actor = (await (await as('chiiki')).get<{ user: Actor }>('/api/me')).body.user
    const doc = new Y.Doc()
    Y.applyUpdate(doc, await server.services.documents.read(sheetId, (d) => Y.encodeStateAsUpdate(d)))
    const change = (text: string) => {
      let update: Uint8Array | undefined
      doc.once('update', (u: Uint8Array) => {
        update = u
      })
      cellText(doc, 'measures', docToSheet(doc).measures[0]!.id, 'content').insert(0, text)
      return update!
    }
    const rows = async () =>
      (await server.db.get<{ n: number; bytes: number }>(
        'SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS bytes FROM rejected_changes WHERE user_id = ?',
        [actor.id],
      ))!
    expect(await server.services.workflow.keepRejected(sheetId, actor, change('追記'))).toBe(true)
    for (let i = 0; i < 5; i++) await server.services.workflow.keepRejected(sheetId, actor, change('大'.repeat(40_000)))
    const stored = await rows()
    expect(stored.n).toBe(1)
    expect(stored.bytes).toBeLessThanOrEqual(MAX_LATE_SET_BYTES)
    expect(stored.bytes).toBeGreaterThan(100_000)
  })
})
