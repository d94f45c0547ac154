import { createHash } from 'node:crypto'
import type {
  ApiErrorBody,
  FiscalYearsResponse,
  OpenYearResponse,
  OverviewResponse,
  PreviousYearResponse,
  ThreadView,
  VersionResponse,
} from '@hoshin/protocol'
import { budgetTotal, canonicalJson, type Sheet, type SheetChange, readFieldText, situationFragment, writeFieldText } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { eventStream } from './event-stream.js'
import { logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let kikaku2025: string
let somu2025: string

const rowOf = (doc: Y.Doc, list: string, id: string) => doc.getMap(list).get(id) as Y.Map<unknown>
const allRows = (s: Sheet) => [...s.issues, ...s.policies.annual, ...s.policies.longTerm, ...s.measures, ...s.projects]
/** The approved version exactly as stored: its canonical bytes and their SHA-256. */
async function storedVersion(sheetId: string, n: number) {
  const v = (await server.services.stores.versions.get(sheetId, n))!
  return { canonical: v.canonical, sha256: v.sha256, digest: createHash('sha256').update(v.canonical).digest('hex') }
}

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: null, sectionId: null, passwordHash })
  await stores.users.create({ username: 'kakaricho', displayName: '係長 太郎', role: 'lead', departmentId: 'kikaku-zaisei', sectionId: 'kikaku-chosei', passwordHash })
  await stores.users.create({ username: 'somu-kacho', displayName: '総務 課長', role: 'head', departmentId: 'somu', sectionId: null, passwordHash })
  // 令和7年度: 企画財政課's sheet approved (version 1), 総務課's still a draft.
  expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
  expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/approve`)).status).toBe(201)
})

describe('projections at start-up', () => {
  it('every sheet of the database has one before the first request (the demo seed has none of its own)', async () => {
    const row = await server.db.get<{ sheets: number; projected: number }>(
      'SELECT (SELECT COUNT(*) FROM sheets) AS sheets, (SELECT COUNT(*) FROM sheet_projections) AS projected',
    )
    expect(row!.sheets).toBeGreaterThan(0)
    expect(row!.projected).toBe(row!.sheets)
  })
})

describe('opening a fiscal year', () => {
  let kikaku2026: string
  let somu2026: string

  it('is for planning and admins only, refused before the body is read', async () => {
    for (const user of ['kikaku', 'kakaricho', 'kacho', 'somu']) {
      const res = await (await as(user)).post<ApiErrorBody>('/api/fiscal-years', { year: 'nonsense' })
      expect(res.status, user).toBe(403)
    }
    expect((await new TestClient(server.url).post('/api/fiscal-years', { year: 2026 })).status).toBe(401)
    const planner = await as('planner')
    for (const body of [{ year: 2026, deadline: '2026-02-30' }, { year: 1800 }, { year: 2026, departmentIds: ['no-such'] }, { year: 2026.5 }, {}]) {
      const res = await planner.post<ApiErrorBody>('/api/fiscal-years', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code).toBe('validation_failed')
    }
    expect(await server.services.stores.sheets.listYear(2026)).toEqual([])
  })

  it('carries forward each department’s approved sheet with its row ids; last year’s version stays byte for byte', async () => {
    const before = await storedVersion(kikaku2025, 1)
    expect(before.digest).toBe(before.sha256)
    const approved = JSON.parse(before.canonical) as Sheet

    const res = await (await as('planner')).post<OpenYearResponse>('/api/fiscal-years', { year: 2026, deadline: '2026-05-29', carryForward: true })
    expect(res.status).toBe(201)
    expect(res.body.year).toBe(2026)
    expect(res.body.sheets.map((s) => s.department.id).sort()).toEqual(['kikaku-zaisei', 'somu'])
    const kikaku = res.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!
    expect(kikaku).toMatchObject({ status: 'draft', fiscalYear: 2026, revision: 1, latestVersion: null, previous: { sheetId: kikaku2025, version: 1 } })
    kikaku2026 = kikaku.id
    somu2026 = res.body.sheets.find((s) => s.department.id === 'somu')!.id

    // Every part and row as approved, ids included; only the year is new.
    const carried = (await (await as('kikaku')).get<Sheet>(`/api/sheets/${kikaku2026}/export.json`)).body
    expect(carried).toEqual({ ...approved, fiscalYear: 2026 })
    expect(allRows(carried).map((r) => r.id)).toEqual(allRows(approved).map((r) => r.id))
    // 総務課 had no approved sheet: it starts empty.
    const empty = (await (await as('somu')).get<Sheet>(`/api/sheets/${somu2026}/export.json`)).body
    expect(empty).toEqual({ ...empty, fiscalYear: 2026, department: { id: 'somu', name: '総務課' }, situation: '', issues: [], measures: [], projects: [], policies: { annual: [], longTerm: [] } })
    expect(res.body.sheets.find((s) => s.id === somu2026)?.previous).toBeNull()

    const after = await storedVersion(kikaku2025, 1)
    expect(after).toEqual(before)
    const version = (await (await as('kacho')).get<VersionResponse>(`/api/sheets/${kikaku2025}/versions/1`)).body
    expect(version.sha256).toBe(before.sha256)
    expect(canonicalJson(version.sheet as Sheet)).toBe(before.canonical)

    const years = (await (await as('kikaku')).get<FiscalYearsResponse>('/api/fiscal-years')).body.years
    expect(years.find((y) => y.year === 2026)).toEqual({ year: 2026, deadline: '2026-05-29', sheets: 2 })
    expect(years.find((y) => y.year === 2025)).toEqual({ year: 2025, deadline: null, sheets: 2 })
    const audit = await server.db.all<{ action: string; target: string; detail: string }>("SELECT action, target, detail FROM audit_log WHERE action = 'year.open'")
    expect(audit).toEqual([{ action: 'year.open', target: '2026', detail: '2 sheets' }])
  })

  it('opening again creates nothing new and keeps the sheets as they are', async () => {
    const again = await (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2026, carryForward: true })
    expect(again.status).toBe(201)
    expect(again.body.sheets).toEqual([])
    expect((await server.services.stores.sheets.listYear(2026)).map((s) => s.id).sort()).toEqual([kikaku2026, somu2026].sort())
    // The deadline given earlier stays when none is sent.
    expect((await (await as('planner')).get<FiscalYearsResponse>('/api/fiscal-years')).body.years.find((y) => y.year === 2026)?.deadline).toBe('2026-05-29')
  })

  it('two browsers opening the same year at once create each sheet once', async () => {
    const [a, b] = await Promise.all([
      (await as('planner')).post<OpenYearResponse>('/api/fiscal-years', { year: 2027, carryForward: false }),
      (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2027, carryForward: false }),
    ])
    expect([a.status, b.status]).toEqual([201, 201])
    const ids = [...a.body.sheets, ...b.body.sheets].map((s) => s.department.id).sort()
    expect(ids).toEqual(['kikaku-zaisei', 'somu'])
    expect(await server.services.stores.sheets.listYear(2027)).toHaveLength(2)
    // Without carry-forward even a department with an approved sheet the year before starts empty.
    const sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2027))!.id
    expect((await (await as('kikaku')).get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body.measures).toEqual([])
  })

  it('one department at a time, and never a retired one', async () => {
    const one = await (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2028, carryForward: false, departmentIds: ['somu'] })
    expect(one.body.sheets.map((s) => s.department.id)).toEqual(['somu'])
    await server.services.stores.org.upsertDepartment({ id: 'old-dept', name: '旧課' })
    await server.services.stores.org.setDepartmentRetired('old-dept', true)
    const rest = await (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2028, carryForward: false })
    expect(rest.body.sheets.map((s) => s.department.id)).toEqual(['kikaku-zaisei'])
    expect((await (await as('admin')).post('/api/fiscal-years', { year: 2028, departmentIds: ['old-dept'] })).status).toBe(400)
  })

  it('継続 until edited, 新規 for a new row; the diff compares with the previous year', async () => {
    const previous = async () => (await (await as('kikaku')).get<PreviousYearResponse>(`/api/sheets/${kikaku2026}/previous`)).body
    const start = await previous()
    const approved = JSON.parse((await storedVersion(kikaku2025, 1)).canonical) as Sheet
    expect(start).toMatchObject({ sheetId: kikaku2025, version: 1, sheet: approved })
    expect([...start.continued].sort()).toEqual(allRows(approved).map((r) => r.id).sort())

    const client = collabClient(server.url, kikaku2026, await as('kikaku'))
    await client.synced()
    client.doc.transact(() => rowOf(client.doc, 'projects', 'project-1').set('budget', 40000))
    await eventually(async () => {
      const now = await previous()
      return !now.continued.includes('project-1') && now.continued.includes('project-2')
    })
    const diff = await (await as('kikaku')).get<{ changes: SheetChange[] }>(`/api/sheets/${kikaku2026}/diff?from=previous&to=current`)
    expect(diff.status).toBe(200)
    expect(JSON.stringify(diff.body.changes)).toContain('40,000')
    expect(diff.body.changes.length).toBeGreaterThan(0)
    // A sheet started empty has no previous year.
    expect((await (await as('somu')).get(`/api/sheets/${somu2026}/diff?from=previous&to=current`)).status).toBe(404)
    expect((await (await as('somu')).get<PreviousYearResponse>(`/api/sheets/${somu2026}/previous`)).body).toEqual({ sheetId: null, version: null, sheet: null, continued: [], yearend: null })
  })
})

describe('the board', () => {
  const overview = async (user = 'planner', year = 2026) => (await (await as(user)).get<OverviewResponse>(`/api/fiscal-years/${year}/overview`)).body
  /** Each line's figures against the sheet's canonical JSON as exported. */
  const expectMatches = async (board: OverviewResponse) => {
    let town = 0
    for (const line of board.sheets) {
      const sheet = (await (await as('planner')).get<Sheet>(`/api/sheets/${line.id}/export.json`)).body
      expect(line.budgetTotal, line.department.name).toBe(budgetTotal(sheet.projects))
      expect(line.measures, line.department.name).toBe(sheet.measures.length)
      expect(line.projects, line.department.name).toBe(sheet.projects.length)
      const stored = await server.db.get<{ canonical: string }>('SELECT canonical FROM sheet_projections WHERE sheet_id = ?', [line.id])
      expect(stored!.canonical, line.department.name).toBe(canonicalJson(sheet))
      town += line.budgetTotal
    }
    expect(board.budgetTotal).toBe(town)
  }

  it('shows every department to planning, figures equal to the sheets, following live edits and telling the board viewers', async () => {
    const kikaku2026 = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id
    // The previous test's edit reaches the projection within its refresh (at most a second).
    await eventually(async () => (await overview()).sheets.find((s) => s.id === kikaku2026)?.editedBy?.name === '佐藤 美咲')
    const board = await overview()
    expect(board).toMatchObject({ year: 2026, deadline: '2026-05-29' })
    expect(board.sheets.map((s) => s.department.name)).toEqual(['企画財政課', '総務課'])
    expect(board.sheets.find((s) => s.id === kikaku2026)).toMatchObject({ status: 'draft', revision: 1, openThreads: 0, approvedAt: null })
    await expectMatches(board)

    const [planner, kacho, otherHead, staff] = [eventStream(await as('planner')), eventStream(await as('kacho')), eventStream(await as('somu-kacho')), eventStream(await as('joho'))]
    await Promise.all([planner, kacho, otherHead, staff].map((s) => s.ready()))
    // A budget typed in now (and a project left blank) reaches the board once its projection refreshes.
    const client = collabClient(server.url, kikaku2026, await as('chiiki'))
    await client.synced()
    client.doc.transact(() => {
      rowOf(client.doc, 'projects', 'project-2').set('budget', 12345)
      rowOf(client.doc, 'projects', 'project-3').set('budget', null)
    })
    await eventually(async () => (await overview()).sheets.find((s) => s.id === kikaku2026)!.editedBy?.name === '鈴木 健太')
    await expectMatches(await overview())
    const line = (await overview()).sheets.find((s) => s.id === kikaku2026)!
    expect(Date.parse(line.editedAt!)).toBeLessThanOrEqual(Date.now())
    await planner.next((e) => e.kind === 'board' && e.year === 2026)
    await kacho.next((e) => e.kind === 'board' && e.year === 2026)
    // Staff do not see the board, nor another department's head this line.
    expect(staff.events.some((e) => e.kind === 'board')).toBe(false)
    expect(otherHead.events.some((e) => e.kind === 'board')).toBe(false)

    // A step of the workflow moves the board too.
    const boardEvents = () => planner.events.filter((e) => e.kind === 'board').length
    const seen = boardEvents()
    expect((await (await as('chiiki')).post(`/api/sheets/${kikaku2026}/submit`)).status).toBe(200)
    await eventually(() => boardEvents() > seen)
    expect((await overview()).sheets.find((s) => s.id === kikaku2026)!.status).toBe('submitted')
  })

  it('while people type, a sheet’s projection is rewritten at most once a second, not per update', async () => {
    const sheetId = (await server.services.stores.sheets.findByDepartmentYear('somu', 2026))!.id
    const writes: string[] = []
    server.services.projector.listeners.push(async (events) => {
      for (const event of events) if (event.sheetId === sheetId) writes.push(event.after.situation)
    })
    const client = collabClient(server.url, sheetId, await as('somu'))
    await client.synced()
    const serverText = async () => readFieldText(situationFragment((await server.services.documents.live(sheetId))!.doc))
    const started = Date.now()
    // One edit at a time, each waited for at the server, so they arrive spread out as typing does.
    for (let i = 1; i <= 30; i++) {
      writeFieldText(situationFragment(client.doc), '職'.repeat(i))
      await eventually(async () => (await serverText()) === '職'.repeat(i))
    }
    const typingSeconds = (Date.now() - started) / 1000
    await eventually(() => writes.at(-1) === '職'.repeat(30))
    expect((await overview()).sheets.find((s) => s.id === sheetId)!.editedBy?.name).toBe('渡辺 直子')
    // 30 updates: one write per second of typing, plus one if they straddled a refresh.
    expect(writes.length).toBeGreaterThanOrEqual(1)
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(typingSeconds) + 1)
  })

  it('sheets edited within one refresh are projected together: the listeners hear them at once, each viewer gets one board event', async () => {
    const { documents, projector, stores, years } = server.services
    const ids = [(await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id, (await stores.sheets.findByDepartmentYear('somu', 2026))!.id]
    const clients = await Promise.all(ids.map(async (id, i) => collabClient(server.url, id, await as(['kikaku', 'somu'][i]!))))
    await Promise.all(clients.map((c) => c.synced()))
    const planner = eventStream(await as('planner'))
    await planner.ready()
    const batches: string[][] = []
    projector.listeners.push(async (events) => {
      batches.push(events.map((e) => e.sheetId).filter((id) => ids.includes(id)))
    })
    await projector.flush()
    const seen = planner.events.length
    // Both sheets live: the two server edits run in one turn, before any refresh timer can fire.
    await Promise.all(ids.map((id, i) => documents.change(id, (doc) => writeFieldText(situationFragment(doc), `同時に編集 ${i}`))))
    await projector.flush()
    expect(batches.filter((b) => b.length).map((b) => [...b].sort())).toEqual([[...ids].sort()])
    // Barrier: a board event of another year, published after the refresh's, arrives after it.
    await years.boardChanged(2099)
    await planner.next((e) => e.kind === 'board' && e.year === 2099)
    expect(planner.events.slice(seen).filter((e) => e.kind === 'board' && e.year === 2026)).toHaveLength(1)
    for (const c of clients) c.destroy()
  })

  it('counts open comment threads and the last approval', async () => {
    const somuClient = await as('somu')
    const open = (id: string) => somuClient.post<ThreadView>(`/api/sheets/${somu2025}/comments`, { target: { kind: 'measure', id }, body: '確認をお願いします' })
    expect((await open('somu-measure-1')).status).toBe(201)
    const resolved = await open('somu-measure-2')
    expect((await somuClient.post(`/api/sheets/${somu2025}/comments/${resolved.body.id}/resolve`)).status).toBe(200)
    const board = await overview('admin', 2025)
    const somu = board.sheets.find((s) => s.id === somu2025)!
    // Open threads only: the resolved one does not count.
    expect(somu.openThreads).toBe(1)
    expect(board.sheets.find((s) => s.id === kikaku2025)!.openThreads).toBe(0)
    expect(somu.approvedAt).toBeNull()
    const kikaku = board.sheets.find((s) => s.id === kikaku2025)!
    expect(kikaku.status).toBe('approved')
    const version = (await (await as('kacho')).get<VersionResponse>(`/api/sheets/${kikaku2025}/versions/1`)).body
    expect(kikaku.approvedAt).toBe(version.approvedAt)
    await expectMatches(board)
  })

  it('shows a head only their own line and the town total; staff and leads are refused', async () => {
    const town = await overview('planner')
    const head = await overview('somu-kacho')
    expect(head.sheets.map((s) => s.department.id)).toEqual(['somu'])
    expect(head.budgetTotal).toBe(town.budgetTotal)
    expect((await overview('kacho')).sheets.map((s) => s.department.id)).toEqual(['kikaku-zaisei'])
    for (const user of ['kikaku', 'kakaricho', 'somu']) expect((await (await as(user)).get('/api/fiscal-years/2026/overview')).status, user).toBe(403)
    expect((await (await as('planner')).get('/api/fiscal-years/2031/overview')).status).toBe(404)
    for (const year of ['abc', '1800', '20261']) expect((await (await as('planner')).get(`/api/fiscal-years/${year}/overview`)).status, year).toBe(400)
  })
})

describe('who may use the year routes', () => {
  it('answers staff, lead, head, planning, admin and no session as the rules say', async () => {
    const sheet2026 = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id
    const somuSheet2026 = (await server.services.stores.sheets.findByDepartmentYear('somu', 2026))!.id
    const who = ['none', 'kikaku', 'kakaricho', 'kacho', 'somu', 'planner', 'admin'] as const
    const table: [string, string, unknown, number[]][] = [
      //                                                                  none kik  lead head somu plan admn
      ['POST', '/api/fiscal-years', { year: 2029, carryForward: false }, [401, 403, 403, 403, 403, 201, 201]],
      ['GET', '/api/fiscal-years', undefined, /*                      */ [401, 200, 200, 200, 200, 200, 200]],
      ['GET', '/api/fiscal-years/2026/overview', undefined, /*        */ [401, 403, 403, 200, 403, 200, 200]],
      // 総務課 reads 企画財政課's sheet: its carried-forward rows name 全課. Nobody outside 総務課 reads its empty one.
      ['GET', `/api/sheets/${sheet2026}/previous`, undefined, /*      */ [401, 200, 200, 200, 200, 200, 200]],
      ['GET', `/api/sheets/${somuSheet2026}/previous`, undefined, /*  */ [401, 403, 403, 403, 200, 200, 200]],
      ['GET', `/api/sheets/${sheet2026}/diff?from=previous`, undefined, [401, 200, 200, 200, 200, 200, 200]],
      ['GET', '/api/sheets/nope/previous', undefined, /*              */ [401, 404, 404, 404, 404, 404, 404]],
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
