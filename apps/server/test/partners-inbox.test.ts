import type { ApiErrorBody, PartnerAcksResponse, PartnerRowsResponse } from '@hoshin/protocol'
import { SHEET_FORMAT, sheetToDoc } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { addUninvolvedDepartment, logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let kikaku2025: string
let somu2025: string
let gikai2025: string
let kensetsu2025: string

const inbox = async (user: string, year = 2025) => (await (await as(user)).get<PartnerRowsResponse>(`/api/partner-rows?year=${year}`)).body.rows
const acks = async (sheetId: string) => (await (await as('somu')).get<PartnerAcksResponse>(`/api/sheets/${sheetId}/partner-acks`)).body.acks
const ack = (user: string, rowId: string, sheetId = somu2025) => as(user).then((c) => c.post<ApiErrorBody>('/api/partner-rows/ack', { sheetId, rowId }))
const unack = (user: string, rowId: string, sheetId = somu2025) => as(user).then((c) => c.request<ApiErrorBody>('DELETE', '/api/partner-rows/ack', { json: { sheetId, rowId } }))

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  gikai2025 = await addUninvolvedDepartment(server)
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: null, sectionId: null, passwordHash })
  await stores.users.create({ username: 'kakaricho', displayName: '係長 太郎', role: 'lead', departmentId: 'kikaku-zaisei', sectionId: 'kikaku-chosei', passwordHash })
  // 建設課's sheet was written before 連携課 held ids (a name), and is created after start-up through the
  // store alone: the inbox must still find it.
  await stores.org.upsertDepartment({ id: 'kensetsu', name: '建設課' })
  const doc = sheetToDoc({
    format: SHEET_FORMAT,
    department: { id: 'kensetsu', name: '建設課' },
    fiscalYear: 2025,
    situation: '',
    issues: [],
    policies: { annual: [], longTerm: [] },
    measures: [{ id: 'k-m', rank: 1, name: '道路の長寿命化', content: '橋梁点検の計画づくり', sections: [], partners: ['企画財政課', '関係課'], indicators: [] }],
    projects: [{ id: 'k-p', rank: 1, name: '庁舎改修事業', content: '防災拠点としての改修', sections: [], partners: ['somu'], budget: 900, indicators: [] }],
  })
  kensetsu2025 = (await stores.sheets.create({ departmentId: 'kensetsu', fiscalYear: 2025, state: Y.encodeStateAsUpdate(doc) })).id
})

describe('the 連携課 inbox', () => {
  it('lists the rows of other departments that name the caller’s department by id, by a legacy name, or 全課', async () => {
    const rows = await inbox('kikaku')
    expect(rows.map((r) => `${r.department.name}/${r.rowId}`).sort()).toEqual(['建設課/k-m', '総務課/somu-measure-1', '総務課/somu-measure-2', '総務課/somu-project-3'])
    expect(rows.find((r) => r.rowId === 'somu-project-3')).toEqual({
      sheetId: somu2025,
      department: { id: 'somu', name: '総務課' },
      kind: 'project',
      rowId: 'somu-project-3',
      rank: 3,
      name: '文書管理システム更新事業',
      content: '電子決裁・文書管理システムの更新',
      acknowledged: false,
      acknowledgedAt: null,
    })
    // The same for everyone of the department, whatever their role.
    expect(await inbox('kakaricho')).toEqual(rows)
    expect(await inbox('kacho')).toEqual(rows)

    // 総務課: 企画財政課's 全課 rows and 建設課's row naming it by id; never 関係課, never its own sheet.
    const somu = await inbox('somu')
    expect(somu.filter((r) => r.sheetId === kikaku2025).map((r) => r.rowId).sort()).toEqual(['measure-1', 'measure-4', 'measure-5'])
    expect(somu.filter((r) => r.sheetId === kensetsu2025).map((r) => r.rowId)).toEqual(['k-p'])
    expect(somu.some((r) => r.sheetId === somu2025)).toBe(false)
    // 議会事務局 is named by nobody: the 全課 rows alone.
    expect((await inbox('gikai')).map((r) => r.rowId).sort()).toEqual(['measure-1', 'measure-4', 'measure-5', 'somu-measure-1'])
    // Planning and admin belong to no department; another year has nothing.
    expect(await inbox('planner')).toEqual([])
    expect(await inbox('admin')).toEqual([])
    expect(await inbox('kikaku', 2024)).toEqual([])
  })

  it('refuses a missing or impossible year', async () => {
    for (const query of ['', '?year=abc', '?year=1800', '?year=2025.5']) {
      const res = await (await as('kikaku')).get<ApiErrorBody>(`/api/partner-rows${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.error.code).toBe('validation_failed')
    }
  })

  it('follows live edits: a row that starts naming the department appears, one that stops disappears', async () => {
    const client = collabClient(server.url, somu2025, await as('somu'))
    await client.synced()
    const partners = (list: string, id: string) => (client.doc.getMap(list).get(id) as Y.Map<unknown>).get('partners') as Y.Array<string>
    client.doc.transact(() => partners('projects', 'somu-project-1').push(['gikai']))
    await eventually(async () => (await inbox('gikai')).some((r) => r.rowId === 'somu-project-1'))
    client.doc.transact(() => partners('projects', 'somu-project-1').delete(0, 1))
    await eventually(async () => !(await inbox('gikai')).some((r) => r.rowId === 'somu-project-1'))
    // What no longer names them cannot be acknowledged by them.
    expect((await ack('gikai', 'somu-project-1')).status).toBe(400)
  })
})

describe('了承', () => {
  it('a department acknowledges once for all its people; the asking department sees who did; undone with DELETE', async () => {
    expect((await ack('kikaku', 'somu-measure-2')).status).toBe(204)
    // Idempotent, and any member's word is the department's.
    expect((await ack('kakaricho', 'somu-measure-2')).status).toBe(204)
    const seen = (await inbox('chiiki')).find((r) => r.rowId === 'somu-measure-2')!
    expect(seen.acknowledged).toBe(true)
    expect(seen.acknowledgedAt).toBeTruthy()
    expect((await inbox('chiiki')).find((r) => r.rowId === 'somu-project-3')?.acknowledged).toBe(false)
    // Acknowledged by 企画財政課 only: 議会事務局's line of the same 全課 row is its own.
    expect((await ack('gikai', 'somu-measure-1')).status).toBe(204)
    expect((await inbox('kikaku')).find((r) => r.rowId === 'somu-measure-1')?.acknowledged).toBe(false)

    const list = await acks(somu2025)
    expect(list.map((a) => `${a.rowId}:${a.department.name}`).sort()).toEqual(['somu-measure-1:議会事務局', 'somu-measure-2:企画財政課'])
    expect(list.every((a) => !Number.isNaN(Date.parse(a.at)))).toBe(true)

    expect((await unack('chiiki', 'somu-measure-2')).status).toBe(204)
    expect((await unack('chiiki', 'somu-measure-2')).status).toBe(204)
    expect((await acks(somu2025)).map((a) => a.rowId)).toEqual(['somu-measure-1'])
    expect((await inbox('kikaku')).find((r) => r.rowId === 'somu-measure-2')?.acknowledged).toBe(false)
    // The older form of undoing, as the web app sends it.
    expect((await (await as('gikai')).post('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-measure-1', acknowledged: false })).status).toBe(204)
    expect(await acks(somu2025)).toEqual([])
  })

  it('a row named by a legacy department name is acknowledged like one named by id', async () => {
    expect((await ack('kacho', 'k-m', kensetsu2025)).status).toBe(204)
    expect((await inbox('kikaku')).find((r) => r.rowId === 'k-m')?.acknowledged).toBe(true)
    const res = await (await as('admin')).get<PartnerAcksResponse>(`/api/sheets/${kensetsu2025}/partner-acks`)
    expect(res.body.acks).toMatchObject([{ rowId: 'k-m', department: { id: 'kikaku-zaisei', name: '企画財政課' } }])
  })

  it('refuses a row that does not name the department, the department’s own rows, people of no department, and bad bodies', async () => {
    const notNamed = await ack('kikaku', 'somu-project-1')
    expect(notNamed.status).toBe(400)
    expect(notNamed.body.error.code).toBe('target_not_found')
    expect((await ack('kikaku', 'no-such-row')).status).toBe(400)
    // 関係課 names nobody.
    expect((await ack('somu', 'measure-2', kikaku2025)).status).toBe(400)
    expect((await ack('kikaku', 'measure-1', kikaku2025)).status).toBe(403)
    expect((await ack('kikaku', 'x', 'sh-unknown')).status).toBe(404)
    // A sheet they may not read at all.
    expect((await ack('kikaku', 'g-m', gikai2025)).status).toBe(403)
    for (const user of ['planner', 'admin']) {
      expect((await ack(user, 'somu-measure-2')).status, user).toBe(403)
      expect((await unack(user, 'somu-measure-2')).status, user).toBe(403)
    }
    const kikaku = await as('kikaku')
    for (const body of [{}, { sheetId: somu2025 }, { sheetId: somu2025, rowId: 'r'.repeat(101) }, { sheetId: somu2025, rowId: 'somu-measure-2', acknowledged: 'yes' }]) {
      const res = await kikaku.post<ApiErrorBody>('/api/partner-rows/ack', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code).toBe('validation_failed')
    }
    expect(await acks(somu2025)).toEqual([])
  })
})

describe('who may use the 連携課 routes', () => {
  it('answers staff, lead, head, planning, admin and no session as the rules say', async () => {
    const who = ['none', 'kikaku', 'kakaricho', 'kacho', 'planner', 'admin'] as const
    const table: [string, string, unknown, number[]][] = [
      //                                                                      none kik  lead head plan admn
      ['GET', '/api/partner-rows?year=2025', undefined, /*                 */ [401, 200, 200, 200, 200, 200]],
      ['POST', '/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-project-3' }, [401, 204, 204, 204, 403, 403]],
      ['DELETE', '/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-project-3' }, [401, 204, 204, 204, 403, 403]],
      ['GET', `/api/sheets/${somu2025}/partner-acks`, undefined, /*         */ [401, 200, 200, 200, 200, 200]],
      ['GET', `/api/sheets/${gikai2025}/partner-acks`, undefined, /*        */ [401, 403, 403, 403, 200, 200]],
      ['GET', '/api/sheets/sh-unknown/partner-acks', undefined, /*          */ [401, 404, 404, 404, 404, 404]],
    ]
    const mismatches: string[] = []
    for (const [method, route, body, expected] of table) {
      for (const [i, user] of who.entries()) {
        const client = user === 'none' ? new TestClient(server.url) : await as(user)
        const { status } = await client.request(method, route, body === undefined ? {} : { json: body })
        if (status !== expected[i]) mismatches.push(`${method} ${route} as ${user}: ${status}, expected ${expected[i]}`)
      }
    }
    expect(mismatches).toEqual([])
  })
})
