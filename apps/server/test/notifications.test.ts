import type { ApiErrorBody, NotificationKind, NotificationsResponse, ServerEvent, SheetListResponse, SheetSummary, ThreadView } from '@hoshin/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import { MAX_STREAMS_PER_USER } from '../src/notifications/routes.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { eventStream } from './event-stream.js'
import { addUninvolvedDepartment, logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let kikaku2025: string
let somu2025: string
let gikai2025: string

const bell = async (user: string) => (await (await as(user)).get<NotificationsResponse>('/api/notifications')).body
const kinds = async (user: string) => (await bell(user)).notifications.map((n) => n.kind)
/** A bell event with a higher unread count than `before`: what the web app refetches on. */
const rang = (before: number) => (e: ServerEvent) => e.kind === 'notifications' && e.unread > before
const count = async (user: string, kind: NotificationKind) => (await kinds(user)).filter((k) => k === kind).length

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  gikai2025 = await addUninvolvedDepartment(server)
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: null, sectionId: null, passwordHash })
  await stores.users.create({ username: 'kakaricho', displayName: '係長 太郎', role: 'lead', departmentId: 'kikaku-zaisei', sectionId: 'kikaku-chosei', passwordHash })
  await stores.users.create({ username: 'somu-kacho', displayName: '総務 課長', role: 'head', departmentId: 'somu', sectionId: null, passwordHash })
})

describe('the approval steps', () => {
  it('確認依頼 reaches the department head alone, on the bell and live on the event stream', async () => {
    const stream = eventStream(await as('kacho'))
    await stream.ready()
    const before = (await bell('kacho')).unread
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
    await stream.next(rang(before))
    const mine = await bell('kacho')
    expect(mine.unread).toBe(before + 1)
    expect(mine.notifications[0]).toMatchObject({ kind: 'submitted', sheetId: kikaku2025, read: false, link: `/sheets/${kikaku2025}` })
    expect(mine.notifications[0]!.text).toBe('「企画財政課 令和7年度 課等の方針」の確認依頼が届きました（佐藤 美咲）。')
    for (const other of ['kikaku', 'chiiki', 'kakaricho', 'somu', 'somu-kacho', 'planner', 'admin']) expect(await count(other, 'submitted'), other).toBe(0)
  })

  it('差し戻し reaches every member of the department but the head who returned it', async () => {
    const stream = eventStream(await as('chiiki'))
    await stream.ready()
    expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/return`, { reason: '数値を確認してください' })).status).toBe(200)
    await stream.next(rang(0))
    for (const member of ['kikaku', 'chiiki', 'joho', 'zero', 'kakaricho']) {
      const first = (await bell(member)).notifications[0]
      expect(first, member).toMatchObject({ kind: 'returned', sheetId: kikaku2025, link: `/sheets/${kikaku2025}` })
      expect(first!.text).toBe('「企画財政課 令和7年度 課等の方針」が差し戻されました（伊藤 正和）。')
    }
    for (const other of ['kacho', 'somu', 'somu-kacho', 'planner']) expect(await count(other, 'returned'), other).toBe(0)
  })

  it('承認 reaches every member of the department but the approver', async () => {
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
    const stream = eventStream(await as('zero'))
    await stream.ready()
    const before = (await bell('zero')).unread
    expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/approve`)).status).toBe(201)
    await stream.next(rang(before))
    for (const member of ['kikaku', 'chiiki', 'joho', 'zero', 'kakaricho']) {
      expect((await bell(member)).notifications[0], member).toMatchObject({ kind: 'approved', sheetId: kikaku2025, text: '「企画財政課 令和7年度 課等の方針」が承認されました（伊藤 正和）。' })
    }
    for (const other of ['kacho', 'somu', 'planner']) expect(await count(other, 'approved'), other).toBe(0)
  })
})

describe('@mentions', () => {
  it('a person: their bell, their stream, the unread badge of the sheet in their list; reading the thread clears it', async () => {
    const joho = await as('joho')
    const stream = eventStream(joho)
    await stream.ready()
    const before = (await bell('joho')).unread
    const thread = await (await as('somu')).post<ThreadView>(`/api/sheets/${somu2025}/comments`, {
      target: { kind: 'measure', id: 'somu-measure-2' },
      body: '@joho システムの件、ご確認ください',
    })
    expect(thread.status).toBe(201)
    await stream.next(rang(before))
    expect((await bell('joho')).notifications[0]).toMatchObject({
      kind: 'mention',
      sheetId: somu2025,
      link: `/sheets/${somu2025}#thread-${thread.body.id}`,
      text: '渡辺 直子さんが「総務課 令和7年度 課等の方針」のコメントであなたをメンションしました。',
    })
    const list = (await joho.get<SheetListResponse>('/api/sheets')).body.sheets
    expect(list.find((s) => s.id === somu2025)?.unreadMentions).toBe(1)
    expect(list.find((s) => s.id === kikaku2025)?.unreadMentions).toBe(0)
    expect((await joho.get<SheetSummary>(`/api/sheets/${somu2025}`)).body.unreadMentions).toBe(1)
    // Nobody else's list counts it.
    expect((await (await as('zero')).get<SheetListResponse>('/api/sheets')).body.sheets.find((s) => s.id === somu2025)?.unreadMentions).toBe(0)

    // Editing the comment does not ring the same bell twice.
    const commentId = thread.body.comments[0]!.id
    const edit = await (await as('somu')).request('PATCH', `/api/sheets/${somu2025}/comments/${thread.body.id}/comments/${commentId}`, { json: { body: '@joho システムの件、ご確認をお願いします' } })
    expect(edit.status).toBe(200)
    expect(await count('joho', 'mention')).toBe(1)

    expect((await joho.post(`/api/sheets/${somu2025}/comments/${thread.body.id}/read`)).status).toBe(204)
    expect((await joho.get<SheetListResponse>('/api/sheets')).body.sheets.find((s) => s.id === somu2025)?.unreadMentions).toBe(0)
    expect((await bell('joho')).notifications[0]!.read).toBe(true)
  })

  it('a section: every member of it, live', async () => {
    const stream = eventStream(await as('kakaricho'))
    await stream.ready()
    const before = (await bell('kakaricho')).unread
    const thread = await (await as('kacho')).post<ThreadView>(`/api/sheets/${kikaku2025}/comments`, { target: { kind: 'issue', id: 'issue-1' }, body: '@企画調整係 次年度に向けて整理を' })
    expect(thread.status).toBe(201)
    await stream.next(rang(before))
    for (const member of ['kikaku', 'kakaricho']) {
      expect((await bell(member)).notifications[0], member).toMatchObject({ kind: 'mention', link: `/sheets/${kikaku2025}#thread-${thread.body.id}` })
    }
    for (const other of ['chiiki', 'kacho']) expect(await count(other, 'mention'), other).toBe(0)
  })

  it('only people who may read the sheet', async () => {
    // 議会事務局's sheet names only 関係課: 企画財政課 may not open it, so its people cannot be mentioned
    // there (answered as if they did not exist) and hear nothing of it.
    const refused = await (await as('gikai')).post(`/api/sheets/${gikai2025}/comments`, { target: { kind: 'issue', id: 'g-1' }, body: '@kikaku @planner ご意見ください' })
    expect(refused.status).toBe(400)
    const thread = await (await as('gikai')).post<ThreadView>(`/api/sheets/${gikai2025}/comments`, { target: { kind: 'issue', id: 'g-1' }, body: '@planner ご意見ください' })
    expect(thread.status).toBe(201)
    expect((await bell('kikaku')).notifications.some((n) => n.sheetId === gikai2025)).toBe(false)
    expect((await bell('planner')).notifications[0]).toMatchObject({ kind: 'mention', sheetId: gikai2025 })
  })
})

describe('連携課 requests', () => {
  const partners = (doc: Y.Doc, list: string, id: string) => (doc.getMap(list).get(id) as Y.Map<unknown>).get('partners') as Y.Array<string>

  it('a row that starts naming a department reaches its members; 全課 reaches the other heads only', async () => {
    const staff = eventStream(await as('chiiki'))
    const head = eventStream(await as('kacho'))
    await Promise.all([staff.ready(), head.ready()])
    const [staffBefore, headBefore] = [(await bell('chiiki')).unread, (await bell('kacho')).unread]
    const client = collabClient(server.url, somu2025, await as('somu'))
    await client.synced()

    client.doc.transact(() => partners(client.doc, 'projects', 'somu-project-1').push(['全課']))
    await head.next(rang(headBefore))
    expect((await bell('kacho')).notifications[0]).toMatchObject({
      kind: 'partner',
      sheetId: somu2025,
      link: '/partners?year=2025',
      text: '「総務課 令和7年度 課等の方針」で連携課に指定されました: 職員研修事業',
    })
    // The same refresh told the heads and nobody else.
    expect(await count('chiiki', 'partner')).toBe(0)
    expect(await count('gikai', 'partner')).toBe(0)
    expect(await count('somu-kacho', 'partner')).toBe(0)

    client.doc.transact(() => partners(client.doc, 'projects', 'somu-project-2').push(['kikaku-zaisei']))
    await staff.next(rang(staffBefore))
    for (const member of ['kikaku', 'chiiki', 'joho', 'zero', 'kakaricho', 'kacho']) {
      expect((await bell(member)).notifications[0], member).toMatchObject({ kind: 'partner', text: '「総務課 令和7年度 課等の方針」で連携課に指定されました: 防災訓練実施事業' })
    }
    for (const other of ['somu', 'somu-kacho', 'gikai', 'planner']) expect(await count(other, 'partner'), other).toBe(0)

    // Naming it again (or keeping it) is no new request.
    const kachoPartner = await count('kacho', 'partner')
    client.doc.transact(() => partners(client.doc, 'measures', 'somu-measure-2').push(['kikaku-zaisei']))
    client.doc.transact(() => partners(client.doc, 'projects', 'somu-project-3').push(['gikai']))
    await eventually(async () => (await count('gikai', 'partner')) === 1)
    expect(await count('kacho', 'partner')).toBe(kachoPartner)
  })
})

describe('marking read', () => {
  it('one, several or all; another person’s ids change nothing; the other tabs follow', async () => {
    const list = await bell('zero')
    expect(list.unread).toBeGreaterThan(1)
    const [first, second] = list.notifications
    const stream = eventStream(await as('zero'))
    await stream.ready()
    expect((await (await as('chiiki')).post('/api/notifications/read', { ids: [first!.id] })).status).toBe(200)
    expect((await bell('zero')).notifications[0]!.read).toBe(false)

    const after = (await (await as('zero')).post<NotificationsResponse>('/api/notifications/read', { ids: [first!.id] })).body
    expect(after.unread).toBe(list.unread - 1)
    expect(after.notifications.find((n) => n.id === first!.id)?.read).toBe(true)
    await stream.next((e) => e.kind === 'notifications' && e.unread === list.unread - 1)
    expect((await (await as('zero')).post<NotificationsResponse>(`/api/notifications/${second!.id}/read`)).body.unread).toBe(list.unread - 2)
    expect((await (await as('zero')).post<NotificationsResponse>('/api/notifications/read', { all: true })).body.unread).toBe(0)
    await stream.next((e) => e.kind === 'notifications' && e.unread === 0)
    expect((await (await as('kikaku')).post<NotificationsResponse>('/api/notifications/read-all')).body.unread).toBe(0)
  })

  it('refuses bad bodies with a stable code', async () => {
    const zero = await as('zero')
    for (const body of [{}, { ids: 'x' }, { all: false }, { ids: Array.from({ length: 501 }, (_, i) => `n-${i}`) }, { ids: ['x'.repeat(101)] }]) {
      const res = await zero.post<ApiErrorBody>('/api/notifications/read', body)
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400)
      expect(res.body.error.code).toBe('validation_failed')
    }
    expect((await zero.request('POST', '/api/notifications/read', { body: 'not json', headers: { 'content-type': 'application/json' } })).status).toBe(400)
  })
})

describe('the event stream', () => {
  it('refuses a stranger', async () => {
    expect((await fetch(new URL('/api/events', server.url))).status).toBe(401)
  })

  it(`keeps at most ${MAX_STREAMS_PER_USER} streams a person: the oldest closes`, async () => {
    const joho = await as('joho')
    const streams = Array.from({ length: MAX_STREAMS_PER_USER }, () => eventStream(joho))
    await Promise.all(streams.map((s) => s.ready()))
    expect(streams.some((s) => s.ended)).toBe(false)
    const newest = eventStream(joho)
    await newest.ready()
    await eventually(() => streams[0]!.ended)
    expect(streams.slice(1).some((s) => s.ended)).toBe(false)
    // Another person's streams are theirs: they do not count against joho.
    const other = eventStream(await as('zero'))
    await other.ready()
    expect(streams.slice(1).some((s) => s.ended)).toBe(false)
    for (const s of [...streams, newest, other]) await s.close()
  })

  it('logout ends the streams of that session alone; a password reset ends them all', async () => {
    const laptop = await new TestClient(server.url).login('zero')
    const desktop = await new TestClient(server.url).login('zero')
    const [a, b] = [eventStream(laptop), eventStream(desktop)]
    await Promise.all([a.ready(), b.ready()])
    expect((await laptop.post('/api/auth/logout')).status).toBe(204)
    await a.next((e) => e.kind === 'session-ended')
    await eventually(() => a.ended)
    expect(b.ended).toBe(false)
    expect(b.events.some((e) => e.kind === 'session-ended')).toBe(false)

    const id = (await desktop.get<{ user: { id: string } }>('/api/me')).body.user.id
    expect((await (await as('admin')).post(`/api/admin/users/${id}/password`)).status).toBe(200)
    await b.next((e) => e.kind === 'session-ended')
    await eventually(() => b.ended)
  })
})

describe('who may use the bell', () => {
  it('everyone signed in reads and marks only their own; nobody without a session', async () => {
    const users = ['kikaku', 'kakaricho', 'kacho', 'somu', 'planner', 'admin']
    const routes: [string, string, unknown][] = [
      ['GET', '/api/notifications', undefined],
      ['POST', '/api/notifications/read', { ids: [] }],
      ['POST', '/api/notifications/read', { all: true }],
      ['POST', '/api/notifications/read-all', undefined],
      ['POST', '/api/notifications/n-unknown/read', undefined],
    ]
    for (const [method, route, body] of routes) {
      const anonymous = await new TestClient(server.url).request(method, route, body === undefined ? {} : { json: body })
      expect(anonymous.status, `${method} ${route} without a session`).toBe(401)
      for (const user of users) {
        const res = await (await as(user)).request(method, route, body === undefined ? {} : { json: body })
        expect(res.status, `${method} ${route} as ${user}`).toBe(200)
      }
    }
    for (const user of users) {
      const stream = eventStream(await as(user))
      await stream.ready()
      await stream.close()
    }
  })
})

describe('the evaluation steps', () => {
  let own: RunningServer
  const user = logins(() => own)
  const bellOf = async (name: string) => (await (await user(name)).get<NotificationsResponse>('/api/notifications')).body

  it('中間評価 確認依頼 reaches the head, 差し戻し (with its reason) and 承認 the staff, each linking to the evaluation', async () => {
    own = await startTestServer()
    const sheetId = (await own.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
    const link = `/sheets/${sheetId}?evaluation=midyear`
    const title = '「企画財政課 令和7年度 課等の方針」の中間評価'
    const [kikaku, kacho] = [await user('kikaku'), await user('kacho')]
    expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await kacho.post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })).status).toBe(201)
    const before = { kacho: (await bellOf('kacho')).unread, chiiki: (await bellOf('chiiki')).unread }

    const headStream = eventStream(kacho)
    await headStream.ready()
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations/midyear/submit`)).status).toBe(200)
    await headStream.next(rang(before.kacho))
    expect((await bellOf('kacho')).notifications[0]).toMatchObject({ kind: 'submitted', link, text: `${title}の確認依頼が届きました（佐藤 美咲）。` })

    const staffStream = eventStream(await user('chiiki'))
    await staffStream.ready()
    expect((await kacho.post(`/api/sheets/${sheetId}/evaluations/midyear/return`, { reason: '実績値の日付を入れてください' })).status).toBe(200)
    await staffStream.next(rang(before.chiiki))
    for (const member of ['kikaku', 'chiiki', 'joho', 'zero']) {
      expect((await bellOf(member)).notifications[0], member).toMatchObject({ kind: 'returned', link, text: `${title}が差し戻されました（伊藤 正和）。理由: 実績値の日付を入れてください` })
    }

    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations/midyear/submit`)).status).toBe(200)
    const unread = (await bellOf('chiiki')).unread
    expect((await kacho.post(`/api/sheets/${sheetId}/evaluations/midyear/approve`)).status).toBe(201)
    await staffStream.next(rang(unread))
    expect((await bellOf('chiiki')).notifications[0]).toMatchObject({ kind: 'approved', link, text: `${title}が承認されました（伊藤 正和）。` })
    // Nobody outside the department heard of it; the head was not told of his own steps.
    expect((await bellOf('somu')).notifications.filter((n) => n.link === link)).toEqual([])
    expect((await bellOf('kacho')).notifications.filter((n) => n.link === link).map((n) => n.kind)).toEqual(['submitted', 'submitted'])
  })
})
