import { createHash } from 'node:crypto'
import type { VersionResponse } from '@hoshin/protocol'
import { canonicalJson, docToSheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { applyStored } from '../src/persistence/document-store.js'
import type { RunningServer } from '../src/server.js'
import { cellText, collabSocketUrl, updateMessage } from './collab-harness.js'
import { startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let somuSheetId: string
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somuSheetId = (await server.services.stores.sheets.findByDepartmentYear('somu', 2025))!.id
})

describe('an approved sheet under attack', () => {
  it('1,000 forged change attempts leave its version hash and live state unchanged', async () => {
    const users = ['kikaku', 'chiiki', 'joho', 'zero', 'kacho', 'somu', 'admin']
    const clients = Object.fromEntries(await Promise.all(users.map(async (u) => [u, await new TestClient(server.url).login(u)] as const)))
    expect((await clients.kikaku!.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await clients.kacho!.post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    const version = (await clients.kikaku!.get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    const liveSha = () => server.services.documents.read(sheetId, (doc) => sha(canonicalJson(docToSheet(doc))))
    expect(await liveSha()).toBe(version.sha256)
    const json = (await clients.kikaku!.get(`/api/sheets/${sheetId}/export.json`)).body as { projects: { budget: number | null }[] }
    let attempts = 0

    // 600 raw updates over editors' own connections (each a real, well-formed edit of the frozen content).
    const base = new Y.Doc()
    Y.applyUpdate(base, (await server.services.stores.documents.load(sheetId)).state!)
    for (const user of ['kikaku', 'chiiki', 'joho', 'zero', 'kacho', 'somu']) {
      const ws = new WebSocket(collabSocketUrl(server.url, sheetId), { headers: { cookie: clients[user]!.cookieHeader()! } })
      await new Promise((resolve) => ws.once('open', resolve))
      const forged = new Y.Doc()
      Y.applyUpdate(forged, Y.encodeStateAsUpdate(base))
      const updates: Uint8Array[] = []
      forged.on('update', (u: Uint8Array) => updates.push(u))
      for (let i = 0; i < 100; i++) {
        if (i % 2) cellText(forged, 'measures', 'measure-1', 'name').insert(0, '偽')
        else forged.getMap<Y.Map<unknown>>('projects').get('project-5')!.set('budget', i)
      }
      for (const u of updates) ws.send(updateMessage(u))
      attempts += updates.length
      ws.close()
    }

    // REST: every role, every mutating route, this sheet and another department's.
    const body = { reason: '偽', body: 'x', target: { kind: 'measure', id: 'measure-1' } }
    const routes = ['submit', 'return', 'approve', 'import', 'import/preview']
    while (attempts < 1000) {
      for (const user of users) {
        for (const route of routes) {
          for (const id of [sheetId, somuSheetId]) {
            if (attempts >= 1000) break
            const res =
              route.startsWith('import')
                ? await clients[user]!.request('POST', `/api/sheets/${id}/${route}`, { body: JSON.stringify({ ...json, projects: [] }), headers: { 'content-type': 'application/json' } })
                : await clients[user]!.post(`/api/sheets/${id}/${route}`, body)
            attempts++
            if (id === sheetId) expect(res.status, `${user} ${route}`).toBeGreaterThanOrEqual(400)
          }
        }
      }
    }
    console.log(`${attempts} forged change attempts on the approved sheet`)
    await server.services.documents.updateLog.flush()
    expect(await liveSha()).toBe(version.sha256)
    const stored = await server.services.stores.documents.load(sheetId)
    const doc = applyStored(new Y.Doc(), stored)
    expect(sha(canonicalJson(docToSheet(doc)))).toBe(version.sha256)
    const again = (await clients.somu!.get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect(again).toEqual(version)
    expect(sha(canonicalJson(again.sheet))).toBe(version.sha256)
  }, 120_000)
})
