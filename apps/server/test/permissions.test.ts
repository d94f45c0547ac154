import { SHEET_FORMAT, sheetToDoc } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { startTestServer, TestClient } from './harness.js'

/**
 * The permissions matrix, in one place: every route (and the websocket) × every kind of person, with
 * the expected status. K is 企画財政課's sheet (a draft naming 全課); G is 議会事務局's (naming only 関係課).
 */
const actors = ['anonymous', 'expired', 'kikaku', 'kacho', 'somu', 'gikai', 'planner', 'admin'] as const
type Actor = (typeof actors)[number]
//                                       anon expd kik  kach somu gika plan admn
const matrix: [string, string, number[]][] = [
  ['GET', '/api/me', /*                */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets', /*            */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/departments', /*       */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K', /*          */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K/export.json', [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K/export.xlsx', [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K/comments', /**/ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['POST', '/api/sheets/K/comments', /**/ [401, 401, 201, 201, 201, 201, 201, 201]],
  ['GET', '/api/sheets/K/versions', /**/ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K/audit', /*    */ [401, 401, 403, 200, 403, 403, 403, 200]],
  ['POST', '/api/sheets/K/import/preview', [401, 401, 200, 200, 403, 403, 403, 403]],
  ['POST', '/api/sheets/K/approve', /* */ [401, 401, 403, 409, 403, 403, 403, 403]],
  ['POST', '/api/sheets/K/reopen', /*  */ [401, 401, 403, 409, 403, 403, 403, 409]],
  ['GET', '/api/sheets/G', /*          */ [401, 401, 403, 403, 403, 200, 200, 200]],
  ['GET', '/api/sheets/G/export.json', [401, 401, 403, 403, 403, 200, 200, 200]],
  ['POST', '/api/sheets/G/comments', /**/ [401, 401, 403, 403, 403, 201, 201, 201]],
  ['POST', '/api/sheets/G/submit', /*  */ [401, 401, 403, 403, 403, 409, 403, 403]],
  ['WS', '/collab/K', /*               */ [401, 401, 101, 101, 101, 101, 101, 101]],
  ['WS', '/collab/G', /*               */ [401, 401, 403, 403, 403, 101, 101, 101]],
]

let server: RunningServer
const ids: Record<'K' | 'G', string> = { K: '', G: '' }
const clients = {} as Record<Actor, TestClient>

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  ids.K = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  await stores.org.upsertDepartment({ id: 'gikai', name: '議会事務局' })
  await stores.org.upsertSection('gikai', { id: 'giji', name: '議事係' })
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'gikai', displayName: '議会 職員', role: 'staff', departmentId: 'gikai', sectionId: 'giji', passwordHash })
  await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: 'somu', sectionId: 'somu-kakari', passwordHash })
  const g = sheetToDoc({
    format: SHEET_FORMAT,
    department: { id: 'gikai', name: '議会事務局' },
    fiscalYear: 2025,
    situation: '現状',
    issues: [{ id: 'g-1', text: '課題' }],
    policies: { annual: [], longTerm: [] },
    measures: [{ id: 'g-m', rank: 1, name: '施策', content: '内容', sections: ['議事係'], partners: ['関係課'] }],
    projects: [],
  })
  ids.G = (await stores.sheets.create({ departmentId: 'gikai', fiscalYear: 2025, state: Y.encodeStateAsUpdate(g) })).id
  // G is submitted, so that its own department's staff get "wrong state" and everyone else "forbidden".
  await server.db.run("UPDATE sheets SET status = 'submitted' WHERE id = ?", [ids.G])
  clients.anonymous = new TestClient(server.url)
  for (const user of ['kikaku', 'kacho', 'somu', 'gikai', 'planner', 'admin'] as const) clients[user] = await new TestClient(server.url).login(user)
  clients.expired = await new TestClient(server.url).login('joho')
  await server.db.run("UPDATE sessions SET expires_at = 0 WHERE user_id = (SELECT id FROM users WHERE username = 'joho')")
})

async function status(actor: Actor, method: string, template: string): Promise<number> {
  const path = template.replace(/\/([KG])(?=\/|$)/, (_m, k: 'K' | 'G') => `/${ids[k]}`)
  const client = clients[actor]
  if (method === 'WS') {
    return new Promise((resolve) => {
      const cookie = client.cookieHeader()
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, cookie ? { headers: { cookie } } : {})
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => {
        resolve(101)
        ws.close()
      })
      ws.on('error', () => undefined)
    })
  }
  if (method === 'GET') return (await client.get(path)).status
  const body = path.endsWith('/import/preview')
    ? JSON.stringify((await clients.admin.get(`/api/sheets/${ids.K}/export.json`)).body)
    : JSON.stringify({ target: { kind: 'issue', id: path.includes(ids.G) ? 'g-1' : 'issue-1' }, body: '確認' })
  return (await client.request(method, path, { body, headers: { 'content-type': 'application/json' } })).status
}

describe('permissions matrix', () => {
  it('answers every route and the websocket, for every kind of person, as the table says', async () => {
    const rows: string[] = [`${'route'.padEnd(40)} ${actors.map((a) => a.padStart(9)).join('')}`]
    const mismatches: string[] = []
    for (const [method, template, expected] of matrix) {
      const got: number[] = []
      for (const [i, actor] of actors.entries()) {
        const s = await status(actor, method, template)
        got.push(s)
        if (s !== expected[i]) mismatches.push(`${method} ${template} as ${actor}: expected ${expected[i]}, got ${s}`)
      }
      rows.push(`${`${method} ${template}`.padEnd(40)} ${got.map((s, i) => `${s === expected[i] ? '' : '!'}${s}`.padStart(9)).join('')}`)
    }
    console.log(`permissions matrix (K = 企画財政課 draft, G = 議会事務局 submitted):\n${rows.join('\n')}`)
    expect(mismatches).toEqual([])
  })
})
