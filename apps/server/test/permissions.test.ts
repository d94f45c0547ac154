import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RunningServer } from '../src/server.js'
import { addUninvolvedDepartment, startTestServer, TestClient } from './harness.js'

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
  // Only the department's own 課長 reopens; admins edit nothing.
  ['POST', '/api/sheets/K/reopen', /*  */ [401, 401, 403, 409, 403, 403, 403, 403]],
  ['GET', '/api/sheets/K/views', /*    */ [401, 401, 403, 200, 403, 403, 403, 200]],
  ['GET', '/api/sheets/G/views', /*    */ [401, 401, 403, 403, 403, 403, 403, 200]],
  ['GET', '/api/sheets/G', /*          */ [401, 401, 403, 403, 403, 200, 200, 200]],
  ['GET', '/api/sheets/G/export.json', [401, 401, 403, 403, 403, 200, 200, 200]],
  ['POST', '/api/sheets/G/comments', /**/ [401, 401, 403, 403, 403, 201, 201, 201]],
  ['POST', '/api/sheets/G/submit', /*  */ [401, 401, 403, 403, 403, 409, 403, 403]],
  // A town of its own: the admin area, the year, the board, 連携課 and the bell. A POST here carries a
  // body the route does not accept, so an allowed person gets 400 (or the CSV preview's list of errors).
  ['GET', '/api/admin/departments', /* */ [401, 401, 403, 403, 403, 403, 403, 200]],
  ['POST', '/api/admin/departments', /**/ [401, 401, 403, 403, 403, 403, 403, 400]],
  ['GET', '/api/admin/users', /*       */ [401, 401, 403, 403, 403, 403, 403, 200]],
  ['POST', '/api/admin/org-import/preview', [401, 401, 403, 403, 403, 403, 403, 200]],
  ['POST', '/api/admin/transfers', /*  */ [401, 401, 403, 403, 403, 403, 403, 400]],
  ['GET', '/api/fiscal-years', /*      */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['POST', '/api/fiscal-years', /*     */ [401, 401, 403, 403, 403, 403, 400, 400]],
  ['GET', '/api/fiscal-years/2025/overview', [401, 401, 403, 200, 403, 403, 200, 200]],
  ['GET', '/api/partner-rows?year=2025', [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/K/previous', /* */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['GET', '/api/sheets/G/previous', /* */ [401, 401, 403, 403, 403, 200, 200, 200]],
  ['GET', '/api/sheets/G/partner-acks', [401, 401, 403, 403, 403, 200, 200, 200]],
  ['POST', '/api/partner-rows/ack', /* */ [401, 401, 400, 400, 400, 400, 403, 403]],
  ['DELETE', '/api/partner-rows/ack', /**/ [401, 401, 400, 400, 400, 400, 403, 403]],
  ['GET', '/api/sheets/K/diff?from=previous', [401, 401, 404, 404, 404, 404, 404, 404]],
  ['GET', '/api/sheets/G/diff?from=previous', [401, 401, 403, 403, 403, 404, 404, 404]],
  ['GET', '/api/notifications', /*     */ [401, 401, 200, 200, 200, 200, 200, 200]],
  ['POST', '/api/notifications/read', [401, 401, 400, 400, 400, 400, 400, 400]],
  ['WS', '/collab/K', /*               */ [401, 401, 101, 101, 101, 101, 101, 101]],
  ['WS', '/collab/G', /*               */ [401, 401, 403, 403, 403, 101, 101, 101]],
]

let server: RunningServer
const ids: Record<'K' | 'G', string> = { K: '', G: '' }
const clients = {} as Record<Actor, TestClient>

beforeAll(async () => {
  server = await startTestServer()
  ids.K = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  ids.G = await addUninvolvedDepartment(server, { planner: true })
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
    const rows: string[] = [`${'route'.padEnd(44)} ${actors.map((a) => a.padStart(9)).join('')}`]
    const mismatches: string[] = []
    for (const [method, template, expected] of matrix) {
      const got: number[] = []
      for (const [i, actor] of actors.entries()) {
        const s = await status(actor, method, template)
        got.push(s)
        if (s !== expected[i]) mismatches.push(`${method} ${template} as ${actor}: expected ${expected[i]}, got ${s}`)
      }
      rows.push(`${`${method} ${template}`.padEnd(44)} ${got.map((s, i) => `${s === expected[i] ? '' : '!'}${s}`.padStart(9)).join('')}`)
    }
    console.log(`permissions matrix (K = 企画財政課 draft, G = 議会事務局 submitted):\n${rows.join('\n')}`)
    expect(mismatches).toEqual([])
  })
})
