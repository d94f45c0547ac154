import type {
  ApiErrorBody,
  NotificationsResponse,
  OpenYearResponse,
  OverviewResponse,
  PartnerAcksResponse,
  PartnerRowsResponse,
  PreviousYearResponse,
  SheetListResponse,
  ThreadView,
  VersionResponse,
} from '@hoshin/protocol'
import { budgetTotal, type Sheet, type SheetChange } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { logins, startTestServer, type TestClient } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let kikaku2025: string
let somu2025: string

/** Reads a server-sent event stream and keeps every event's JSON, as the web app's EventSource does. */
function eventStream(client: TestClient) {
  const controller = new AbortController()
  const events: { kind: string; unread?: number; year?: number }[] = []
  let opened = false
  const done = fetch(new URL('/api/events', client.baseUrl), { headers: { cookie: client.cookieHeader() ?? '' }, signal: controller.signal })
    .then(async (res) => {
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done: ended } = await reader.read()
        if (ended) return
        buffer += decoder.decode(value, { stream: true })
        opened ||= buffer.includes(': ready')
        let cut = buffer.indexOf('\n\n')
        while (cut >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const data = block.split('\n').find((l) => l.startsWith('data: '))
          if (data) events.push(JSON.parse(data.slice(6)))
          cut = buffer.indexOf('\n\n')
        }
      }
    })
    .catch(() => undefined)
  return {
    events,
    ready: () => eventually(() => opened),
    close: async () => {
      controller.abort()
      await done
    },
  }
}

const rowOf = (doc: Y.Doc, list: string, id: string) => doc.getMap(list).get(id) as Y.Map<unknown>

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: null, sectionId: null, passwordHash })
  await stores.users.create({ username: 'kakaricho', displayName: '係長 太郎', role: 'lead', departmentId: 'kikaku-zaisei', sectionId: 'kikaku-chosei', passwordHash })
  await stores.users.create({ username: 'somu-kacho', displayName: '総務 課長', role: 'head', departmentId: 'somu', sectionId: null, passwordHash })
})

describe('notifications for the approval steps and the bell stream', () => {
  it('確認依頼 reaches the head, 差し戻し and 承認 the staff, live on their event streams', async () => {
    const kacho = await as('kacho')
    const stream = eventStream(kacho)
    await stream.ready()
    const before = (await kacho.get<NotificationsResponse>('/api/notifications')).body.unread
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
    await eventually(() => stream.events.some((e) => e.kind === 'notifications' && e.unread === before + 1))
    const mine = (await kacho.get<NotificationsResponse>('/api/notifications')).body
    expect(mine.notifications[0]).toMatchObject({ kind: 'submitted', sheetId: kikaku2025, read: false, link: `/sheets/${kikaku2025}` })
    expect(mine.notifications[0]!.text).toBe('「企画財政課 令和7年度 課等の方針」の確認依頼が届きました（佐藤 美咲）。')
    // Nobody outside the department hears of it.
    expect((await (await as('somu')).get<NotificationsResponse>('/api/notifications')).body.unread).toBe(0)
    await stream.close()

    expect((await kacho.post(`/api/sheets/${kikaku2025}/return`, { reason: '数値を確認してください' })).status).toBe(200)
    for (const staff of ['kikaku', 'chiiki', 'kakaricho']) {
      const list = (await (await as(staff)).get<NotificationsResponse>('/api/notifications')).body
      expect(list.notifications[0]?.kind, staff).toBe('returned')
    }
    expect((await kacho.get<NotificationsResponse>('/api/notifications')).body.notifications.some((n) => n.kind === 'returned')).toBe(false)

    await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)
    expect((await kacho.post(`/api/sheets/${kikaku2025}/approve`)).status).toBe(201)
    const staffList = (await (await as('zero')).get<NotificationsResponse>('/api/notifications')).body
    expect(staffList.notifications[0]).toMatchObject({ kind: 'approved', sheetId: kikaku2025 })

    // Marking read: one, then all; another person's id is ignored.
    const id = staffList.notifications[0]!.id
    expect((await (await as('chiiki')).post(`/api/notifications/${id}/read`)).status).toBe(200)
    expect((await (await as('zero')).get<NotificationsResponse>('/api/notifications')).body.notifications[0]!.read).toBe(false)
    const after = (await (await as('zero')).post<NotificationsResponse>(`/api/notifications/${id}/read`)).body
    expect(after.notifications[0]!.read).toBe(true)
    expect((await (await as('zero')).post<NotificationsResponse>('/api/notifications/read', { all: true })).body.unread).toBe(0)
  })

  it('an @mention reaches the person and the sheet list shows it per sheet', async () => {
    const thread = await (await as('somu')).post<ThreadView>(`/api/sheets/${somu2025}/comments`, {
      target: { kind: 'measure', id: 'somu-measure-2' },
      body: '@joho システムの件、ご確認ください',
    })
    expect(thread.status).toBe(201)
    const joho = await as('joho')
    const list = (await joho.get<NotificationsResponse>('/api/notifications')).body
    expect(list.notifications[0]).toMatchObject({ kind: 'mention', sheetId: somu2025, link: `/sheets/${somu2025}#thread-${thread.body.id}` })
    const sheets = (await joho.get<SheetListResponse>('/api/sheets')).body.sheets
    expect(sheets.find((s) => s.id === somu2025)?.unreadMentions).toBe(1)
    expect(sheets.find((s) => s.id === kikaku2025)?.unreadMentions).toBe(0)
    // Opening the thread reads the mention: the badge and the bell clear.
    expect((await joho.post(`/api/sheets/${somu2025}/comments/${thread.body.id}/read`)).status).toBe(204)
    expect((await joho.get<SheetListResponse>('/api/sheets')).body.sheets.find((s) => s.id === somu2025)?.unreadMentions).toBe(0)
    expect((await joho.get<NotificationsResponse>('/api/notifications')).body.notifications[0]!.read).toBe(true)
  })

  it('the event stream refuses strangers and ends when the session is ended by an admin', async () => {
    const res = await fetch(new URL('/api/events', server.url))
    expect(res.status).toBe(401)
    const zero = await as('zero')
    const stream = eventStream(zero)
    await stream.ready()
    const id = (await zero.get<{ user: { id: string } }>('/api/me')).body.user.id
    const reset = await (await as('admin')).post(`/api/admin/users/${id}/password`)
    expect(reset.status).toBe(200)
    await eventually(() => stream.events.some((e) => e.kind === 'session-ended'))
    await stream.close()
  })
})

describe('opening a fiscal year', () => {
  let opened: OpenYearResponse
  let kikaku2026: string

  it('is for planning and admins only', async () => {
    for (const user of ['kikaku', 'kakaricho', 'kacho']) {
      const res = await (await as(user)).post<ApiErrorBody>('/api/fiscal-years', { year: 2026, deadline: '2026-05-29', carryForward: true })
      expect(res.status, user).toBe(403)
    }
    expect((await (await as('planner')).post<ApiErrorBody>('/api/fiscal-years', { year: 2026, deadline: '2026-02-30' })).status).toBe(400)
  })

  it('creates one draft per department, carried forward from the approved version with the same row ids', async () => {
    const version = (await (await as('kacho')).get<VersionResponse>(`/api/sheets/${kikaku2025}/versions/1`)).body
    const res = await (await as('planner')).post<OpenYearResponse>('/api/fiscal-years', { year: 2026, deadline: '2026-05-29', carryForward: true })
    expect(res.status).toBe(201)
    opened = res.body
    expect(opened.sheets.map((s) => s.department.id).sort()).toEqual(['kikaku-zaisei', 'somu'])
    kikaku2026 = opened.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    expect(opened.sheets.find((s) => s.department.id === 'kikaku-zaisei')).toMatchObject({ status: 'draft', fiscalYear: 2026, previous: { sheetId: kikaku2025, version: 1 } })

    const carried = (await (await as('kikaku')).get<Sheet>(`/api/sheets/${kikaku2026}/export.json`)).body
    const approved = version.sheet as Sheet
    expect(carried).toEqual({ ...approved, fiscalYear: 2026 })
    // 総務課 had no approved sheet: it starts empty.
    const somu2026 = opened.sheets.find((s) => s.department.id === 'somu')!.id
    const empty = (await (await as('somu')).get<Sheet>(`/api/sheets/${somu2026}/export.json`)).body
    expect(empty).toMatchObject({ fiscalYear: 2026, issues: [], measures: [], projects: [], situation: '' })
    // Last year's approved version is untouched.
    const still = (await (await as('kacho')).get<VersionResponse>(`/api/sheets/${kikaku2025}/versions/1`)).body
    expect(still.sha256).toBe(version.sha256)
    expect(still.sheet).toEqual(version.sheet)

    const previous = (await (await as('kikaku')).get<PreviousYearResponse>(`/api/sheets/${kikaku2026}/previous`)).body
    expect(previous.sheet).toEqual(approved)
    expect(previous.continued.sort()).toEqual([...approved.issues, ...approved.policies.annual, ...approved.policies.longTerm, ...approved.measures, ...approved.projects].map((r) => r.id).sort())
  })

  it('opening again creates nothing; two browsers at once create each sheet once', async () => {
    const again = await (await as('planner')).post<OpenYearResponse>('/api/fiscal-years', { year: 2026, carryForward: true })
    expect(again.status).toBe(201)
    expect(again.body.sheets).toEqual([])
    const [a, b] = await Promise.all([
      (await as('planner')).post<OpenYearResponse>('/api/fiscal-years', { year: 2027, carryForward: false }),
      (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2027, carryForward: false }),
    ])
    expect(a.body.sheets.length + b.body.sheets.length).toBe(2)
    expect(await server.services.stores.sheets.listYear(2027)).toHaveLength(2)
    // One department only.
    const one = await (await as('admin')).post<OpenYearResponse>('/api/fiscal-years', { year: 2028, carryForward: false, departmentIds: ['somu'] })
    expect(one.body.sheets.map((s) => s.department.id)).toEqual(['somu'])
  })

  it('a continued row is marked until edited; the diff compares with the previous year', async () => {
    const client = collabClient(server.url, kikaku2026, await as('kikaku'))
    await client.synced()
    client.doc.transact(() => rowOf(client.doc, 'projects', 'project-1').set('budget', 40000))
    await eventually(async () => {
      const previous = (await (await as('kikaku')).get<PreviousYearResponse>(`/api/sheets/${kikaku2026}/previous`)).body
      return !previous.continued.includes('project-1') && previous.continued.includes('project-2')
    })
    const diff = await (await as('kikaku')).get<{ changes: SheetChange[] } | SheetChange[]>(`/api/sheets/${kikaku2026}/diff?from=previous&to=current`)
    expect(diff.status).toBe(200)
    expect(JSON.stringify(diff.body)).toContain('40,000')
    expect((await (await as('somu')).get(`/api/sheets/${(await server.services.stores.sheets.findByDepartmentYear('somu', 2026))!.id}/diff?from=previous&to=current`)).status).toBe(404)
  })
})

describe('the board', () => {
  const expectMatches = async (overview: OverviewResponse) => {
    let town = 0
    for (const line of overview.sheets) {
      const sheet = (await (await as('planner')).get<Sheet>(`/api/sheets/${line.id}/export.json`)).body
      expect(line.budgetTotal, line.department.name).toBe(budgetTotal(sheet.projects))
      expect(line.measures).toBe(sheet.measures.length)
      expect(line.projects).toBe(sheet.projects.length)
      town += line.budgetTotal
    }
    expect(overview.budgetTotal).toBe(town)
  }

  it('shows every department to planning, with figures equal to the sheets, following live edits', async () => {
    const overview = async () => (await (await as('planner')).get<OverviewResponse>('/api/fiscal-years/2026/overview')).body
    // The previous test's edit reaches the projection within its refresh (at most a second).
    await eventually(async () => (await overview()).sheets.find((s) => s.department.id === 'kikaku-zaisei')?.editedBy?.name === '佐藤 美咲')
    const res = await (await as('planner')).get<OverviewResponse>('/api/fiscal-years/2026/overview')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ year: 2026, deadline: '2026-05-29' })
    expect(res.body.sheets.map((s) => s.department.name)).toEqual(['企画財政課', '総務課'])
    await expectMatches(res.body)
    const kikaku = res.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!

    // A budget typed in now reaches the board once its projection refreshes.
    const sheetId = kikaku.id
    const client = collabClient(server.url, sheetId, await as('chiiki'))
    await client.synced()
    client.doc.transact(() => rowOf(client.doc, 'projects', 'project-2').set('budget', 12345))
    await eventually(async () => {
      const now = (await (await as('planner')).get<OverviewResponse>('/api/fiscal-years/2026/overview')).body
      return now.sheets.find((s) => s.id === sheetId)!.editedBy?.name === '鈴木 健太'
    })
    await expectMatches((await (await as('planner')).get<OverviewResponse>('/api/fiscal-years/2026/overview')).body)
  })

  it('counts open comment threads and approvals', async () => {
    const overview = (await (await as('admin')).get<OverviewResponse>('/api/fiscal-years/2025/overview')).body
    const somu = overview.sheets.find((s) => s.id === somu2025)!
    expect(somu.openThreads).toBe(1)
    const kikaku = overview.sheets.find((s) => s.id === kikaku2025)!
    expect(kikaku.status).toBe('approved')
    expect(kikaku.approvedAt).toBeTruthy()
    expect(somu.approvedAt).toBeNull()
  })

  it('shows a head only their own line and the town total; staff and leads are refused', async () => {
    const town = (await (await as('planner')).get<OverviewResponse>('/api/fiscal-years/2026/overview')).body
    const head = (await (await as('somu-kacho')).get<OverviewResponse>('/api/fiscal-years/2026/overview')).body
    expect(head.sheets.map((s) => s.department.id)).toEqual(['somu'])
    expect(head.budgetTotal).toBe(town.budgetTotal)
    for (const user of ['kikaku', 'kakaricho']) expect((await (await as(user)).get('/api/fiscal-years/2026/overview')).status, user).toBe(403)
    expect((await (await as('planner')).get('/api/fiscal-years/2031/overview')).status).toBe(404)
    expect((await (await as('planner')).get('/api/fiscal-years/abc/overview')).status).toBe(400)
  })
})

describe('連携課 requests', () => {
  it('lists the rows that name the department (by id, by a legacy name, or 全課), with acknowledgement', async () => {
    const kikaku = await as('kikaku')
    const rows = (await kikaku.get<PartnerRowsResponse>('/api/partner-rows?year=2025')).body.rows
    expect(rows.map((r) => r.rowId).sort()).toEqual(['somu-measure-1', 'somu-measure-2', 'somu-project-3'])
    expect(rows.every((r) => r.department.name === '総務課' && !r.acknowledged)).toBe(true)
    expect(rows.find((r) => r.rowId === 'somu-measure-2')).toMatchObject({ kind: 'measure', rank: 2 })

    expect((await kikaku.post('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-measure-2' })).status).toBe(204)
    expect((await kikaku.post('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-measure-2' })).status).toBe(204)
    const after = (await (await as('chiiki')).get<PartnerRowsResponse>('/api/partner-rows?year=2025')).body.rows
    expect(after.find((r) => r.rowId === 'somu-measure-2')?.acknowledged).toBe(true)
    // The asking department sees who acknowledged what.
    const acks = (await (await as('somu')).get<PartnerAcksResponse>(`/api/sheets/${somu2025}/partner-acks`)).body.acks
    expect(acks).toMatchObject([{ rowId: 'somu-measure-2', department: { id: 'kikaku-zaisei', name: '企画財政課' } }])
    // Undo.
    await kikaku.post('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-measure-2', acknowledged: false })
    expect((await (await as('somu')).get<PartnerAcksResponse>(`/api/sheets/${somu2025}/partner-acks`)).body.acks).toEqual([])
  })

  it('refuses to acknowledge a row that does not name the department, or for planning', async () => {
    const res = await (await as('kikaku')).post<ApiErrorBody>('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-project-1' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('target_not_found')
    expect((await (await as('planner')).post('/api/partner-rows/ack', { sheetId: somu2025, rowId: 'somu-measure-2' })).status).toBe(403)
    expect((await (await as('planner')).get<PartnerRowsResponse>('/api/partner-rows?year=2025')).body.rows).toEqual([])
  })

  it('a row that starts naming a department notifies its members', async () => {
    const client = collabClient(server.url, somu2025, await as('somu'))
    await client.synced()
    client.doc.transact(() => (rowOf(client.doc, 'projects', 'somu-project-1').get('partners') as Y.Array<string>).push(['kikaku-zaisei']))
    await eventually(async () => {
      const list = (await (await as('joho')).get<NotificationsResponse>('/api/notifications')).body.notifications
      return list.some((n) => n.kind === 'partner' && n.sheetId === somu2025 && n.link === '/partners?year=2025')
    })
    const partner = (await (await as('joho')).get<NotificationsResponse>('/api/notifications')).body.notifications.find((n) => n.kind === 'partner')!
    expect(partner.text).toContain('「総務課 令和7年度 課等の方針」で連携課に指定されました')
    // The asking department's own people are not told.
    expect((await (await as('somu')).get<NotificationsResponse>('/api/notifications')).body.notifications.some((n) => n.kind === 'partner')).toBe(false)
    const rows = (await (await as('joho')).get<PartnerRowsResponse>('/api/partner-rows?year=2025')).body.rows
    expect(rows.map((r) => r.rowId)).toContain('somu-project-1')
  })
})

describe('who may use the year routes', () => {
  it('answers each role as the rules say', async () => {
    const sheet2026 = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id
    const table: [string, string, unknown, Record<string, number>][] = [
      ['POST', '/api/fiscal-years', { year: 2029, carryForward: false }, { none: 401, kikaku: 403, kakaricho: 403, kacho: 403, somu: 403, planner: 201, admin: 201 }],
      ['GET', '/api/fiscal-years', undefined, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
      ['GET', '/api/fiscal-years/2026/overview', undefined, { none: 401, kikaku: 403, kakaricho: 403, kacho: 200, somu: 403, planner: 200, admin: 200 }],
      ['GET', '/api/partner-rows?year=2026', undefined, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
      // 総務課 reads the sheet: its carried-forward rows name 全課.
      ['GET', `/api/sheets/${sheet2026}/previous`, undefined, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
      ['GET', `/api/sheets/${sheet2026}/partner-acks`, undefined, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
      ['GET', '/api/sheets/nope/previous', undefined, { none: 401, kikaku: 404, planner: 404 }],
      ['GET', '/api/notifications', undefined, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
      ['POST', '/api/notifications/read-all', {}, { none: 401, kikaku: 200, kakaricho: 200, kacho: 200, somu: 200, planner: 200, admin: 200 }],
    ]
    const { TestClient } = await import('./harness.js')
    for (const [method, route, body, expected] of table) {
      for (const [who, status] of Object.entries(expected)) {
        const client = who === 'none' ? new TestClient(server.url) : await as(who)
        const res = await client.request(method, route, body === undefined ? {} : { json: body })
        expect(res.status, `${method} ${route} as ${who}`).toBe(status)
      }
    }
  })
})
