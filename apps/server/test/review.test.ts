import type {
  ApiErrorBody,
  AuditEntryView,
  NotificationsResponse,
  OverviewResponse,
  SheetSummary,
  TownSettingsResponse,
  VersionListResponse,
  VersionResponse,
} from '@hoshin/protocol'
import { townIsoDate } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { eventually } from './collab-harness.js'
import { logins, startTestServer } from './harness.js'

/**
 * The review above the 課長 (issue 19): 企画確認 with its send-back, then 庁議報告, a town setting that is off
 * by default. One real server; every step through the HTTP API as the people who take it.
 */
let server: RunningServer
let sheetId: string
const as = logins(() => server)
type Answer = SheetSummary & ApiErrorBody

async function step(username: string, action: string, body?: unknown) {
  return (await as(username)).post<Answer>(`/api/sheets/${sheetId}/${action}`, body)
}
async function summary(username: string): Promise<SheetSummary> {
  return (await (await as(username)).get<SheetSummary>(`/api/sheets/${sheetId}?refresh=1`)).body
}
async function setReviewStep(username: string, reviewStep: boolean) {
  return (await as(username)).request<TownSettingsResponse & ApiErrorBody>('PUT', '/api/town-settings', { json: { reviewStep } })
}
async function board(): Promise<OverviewResponse> {
  return (await (await as('planning')).get<OverviewResponse>('/api/fiscal-years/2025/overview')).body
}
async function notices(username: string) {
  return (await (await as(username)).get<NotificationsResponse>('/api/notifications')).body.notifications
}
async function audit(action: string): Promise<AuditEntryView[]> {
  return (await (await as('kacho')).get<{ entries: AuditEntryView[] }>(`/api/sheets/${sheetId}/audit?action=${action}`)).body.entries
}
async function approveAs(kacho = 'kacho') {
  expect((await step('kikaku', 'submit')).status).toBe(200)
  expect((await step(kacho, 'approve')).status).toBe(201)
}
const expectCode = (res: { status: number; body: ApiErrorBody }, status: number, code: string) => {
  expect(res.status).toBe(status)
  expect(res.body.error.code).toBe(code)
  // Every refusal says why in Japanese.
  expect(res.body.error.message).toMatch(/[ぁ-んァ-ン一-龥]/)
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
})

describe('the review step above the 課長', () => {
  it('is off by default: approval is the last step, nothing waits for 企画, the board shows no review', async () => {
    const settings = (await (await as('kikaku')).get<TownSettingsResponse>('/api/town-settings')).body
    expect(settings).toEqual({ reviewStep: false, canChange: false })
    expect((await (await as('planning')).get<TownSettingsResponse>('/api/town-settings')).body.canChange).toBe(true)
    await approveAs()
    const s = await summary('planning')
    expect(s.status).toBe('approved')
    expect(s.review).toMatchObject({ required: false, state: null, actions: [], publishable: true })
    expectCode(await step('planning', 'review/confirm'), 409, 'invalid_transition')
    expect(await server.services.reviews.publishable(sheetId, 1)).toBe(true)
    const overview = await board()
    expect(overview.reviewStep).toBe(false)
    expect(overview.sheets.find((r) => r.id === sheetId)?.review).toBeNull()
    // Back to a draft for the next test: the 課長's own 改訂.
    expect((await step('kacho', 'reopen')).status).toBe(200)
  })

  it('is turned on by 企画 or an admin only, and each change is audited', async () => {
    expectCode(await setReviewStep('kikaku', true), 403, 'forbidden')
    expectCode(await setReviewStep('kacho', true), 403, 'forbidden')
    const bad = await (await as('planning')).request<ApiErrorBody>('PUT', '/api/town-settings', { json: { reviewStep: 'yes' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('validation_failed')
    const on = await setReviewStep('planning', true)
    expect(on.status).toBe(200)
    expect(on.body).toEqual({ reviewStep: true, canChange: true })
    expect((await setReviewStep('admin', true)).body.reviewStep).toBe(true)
    const rows = await server.db.all<{ action: string; detail: string; username: string }>(
      "SELECT action, detail, username FROM audit_log WHERE action = 'town.settings' ORDER BY id",
    )
    // Setting what is already set writes nothing.
    expect(rows).toEqual([{ action: 'town.settings', detail: 'review_step=on', username: 'planning' }])
  })

  it('on: approval leads to 企画確認待ち, planning hears of it, and only planning may take the step', async () => {
    await approveAs()
    const s = await summary('kacho')
    expect(s.status).toBe('approved')
    expect(s.review).toMatchObject({ required: true, state: 'pending', version: 2, actions: [], publishable: false })
    expect((await summary('planning')).review.actions).toEqual(['confirm', 'sendBack'])
    await eventually(async () => expect((await notices('planning')).some((n) => n.kind === 'review' && n.text.includes('企画確認を待っています'))).toBe(true))
    expect(await server.services.reviews.publishable(sheetId, 2)).toBe(false)
    expect((await board()).sheets.find((r) => r.id === sheetId)?.review).toEqual({ state: 'pending', reportedOn: null })

    for (const who of ['kacho', 'kikaku', 'admin', 'somu']) {
      const res = await step(who, 'review/confirm')
      expect(res.status, who).toBe(403)
      expect(res.body.error.code).toBe('forbidden')
      expectCode(await step(who, 'review/return', { reason: 'x' }), 403, 'forbidden')
      expectCode(await step(who, 'review/report', { date: '2025-06-10' }), 403, 'forbidden')
    }
    // Each refusal is audited (総務課 reads the sheet through its 全課 rows, and is refused as the others).
    expect((await audit('sheet.review.confirm.refused')).map((e) => e.username)).toEqual(['kacho', 'kikaku', 'admin', 'somu'])
    expect((await audit('sheet.review.return.refused')).map((e) => e.username)).toEqual(['kacho', 'kikaku', 'admin', 'somu'])
    expect((await audit('sheet.review.report.refused')).map((e) => e.username)).toEqual(['kacho', 'kikaku', 'admin', 'somu'])
    // Pending: no 庁議報告 before 企画確認.
    expectCode(await step('planning', 'review/report', { date: '2025-06-10' }), 409, 'invalid_transition')
  })

  it('send-back by planning reopens the sheet as the next revision with the reason; the approved version stays exactly as it was', async () => {
    const before = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/2`)).body
    expectCode(await step('planning', 'review/return', { reason: '   ' }), 400, 'validation_failed')
    const reason = '事務事業 3 の事業費の根拠を、総合計画の施策と合わせて書いてください'
    const res = await step('planning', 'review/return', { reason })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'draft', revision: 3, returnedReason: reason, canEdit: false })
    const dept = await summary('kikaku')
    expect(dept).toMatchObject({ status: 'draft', revision: 3, returnedReason: reason, canEdit: true, actions: ['submit'] })
    expect(dept.review.sentBack).toMatchObject({ version: 2, reason, by: { name: '山口 由紀' } })
    expect(dept.review.state).toBeNull()
    // Version 2 is still there, byte for byte; there is no version 3 until the 課長 approves again.
    const after = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/2`)).body
    expect(after.sha256).toBe(before.sha256)
    expect(after.sheet).toEqual(before.sheet)
    expect((await (await as('kikaku')).get<VersionListResponse>(`/api/sheets/${sheetId}/versions`)).body.versions.map((v) => v.number)).toEqual([1, 2])
    expect(await server.services.reviews.publishable(sheetId, 2)).toBe(false)
    // Sent back once: the step is gone.
    expectCode(await step('planning', 'review/return', { reason }), 409, 'invalid_transition')
    expect((await audit('sheet.review.return')).filter((e) => e.action === 'sheet.review.return').map((e) => e.detail)).toEqual([`v2 revision 3: ${reason}`])
    await eventually(async () =>
      expect((await notices('kikaku')).some((n) => n.kind === 'returned' && n.text.includes('企画確認で差し戻されました') && n.text.includes(reason))).toBe(true),
    )
    expect((await board()).sheets.find((r) => r.id === sheetId)?.review).toEqual({ state: 'returned', reportedOn: null })
    // A new submission clears the reason, as after a 課長's 差し戻し.
    expect((await step('kikaku', 'submit')).body).toMatchObject({ status: 'submitted', returnedReason: null })
    expect((await summary('kikaku')).review.sentBack).toBeNull()
  })

  it('planning confirms the revised version, then records 庁議報告 with a validated date; then it is publishable', async () => {
    const approved = await step('kacho', 'approve')
    expect(approved.status, JSON.stringify(approved.body)).toBe(201)
    expect((await summary('kikaku')).review).toMatchObject({ state: 'pending', version: 3 })
    const confirmed = await step('planning', 'review/confirm')
    expect(confirmed.status).toBe(200)
    expect(confirmed.body.review).toMatchObject({ state: 'confirmed', confirmed: { by: { name: '山口 由紀' } }, actions: ['report'], publishable: false })
    expectCode(await step('planning', 'review/confirm'), 409, 'invalid_transition')
    // Confirmed: no more send-back at this step.
    expectCode(await step('planning', 'review/return', { reason: 'やはり' }), 409, 'invalid_transition')
    await eventually(async () => expect((await notices('kacho')).some((n) => n.kind === 'review' && n.text.includes('企画確認されました'))).toBe(true))
    expect((await board()).sheets.find((r) => r.id === sheetId)?.review?.state).toBe('confirmed')

    const bad = async (date: unknown, message: RegExp) => {
      const res = await step('planning', 'review/report', { date })
      expectCode(res, 400, 'validation_failed')
      expect(res.body.error.path).toBe('date')
      expect(res.body.error.message).toMatch(message)
    }
    await bad('2025/06/10', /2025-06-10 の形/)
    await bad('2025-02-30', /正しい日付/)
    await bad('2025-03-31', /令和7年度の始まり（2025年4月1日）以降/)
    const today = townIsoDate(new Date(), server.services.config.timeZone)
    const tomorrow = townIsoDate(new Date(Date.now() + 86_400_000), server.services.config.timeZone)
    await bad(tomorrow, /今日より後/)
    const approvedDay = townIsoDate((await summary('kikaku')).latestVersion!.approvedAt, server.services.config.timeZone)
    if (approvedDay > '2025-04-01') await bad('2025-04-01', /承認の日/)
    const reported = await step('planning', 'review/report', { date: today })
    expect(reported.status).toBe(200)
    expect(reported.body.review).toMatchObject({ state: 'reported', reported: { on: today }, actions: [], publishable: true })
    expectCode(await step('planning', 'review/report', { date: today }), 409, 'invalid_transition')
    expect(await server.services.reviews.publishable(sheetId, 3)).toBe(true)
    // The version sent back never went through: not publishable while the step is on.
    expect(await server.services.reviews.publishable(sheetId, 2)).toBe(false)
    expect(await server.services.reviews.publishable(sheetId, 9)).toBe(false)
    expect((await audit('sheet.review.')).filter((e) => !e.action.endsWith('.refused')).map((e) => [e.action, e.username])).toEqual([
      ['sheet.review.return', 'planning'],
      ['sheet.review.confirm', 'planning'],
      ['sheet.review.report', 'planning'],
    ])
    await eventually(async () => expect((await notices('kikaku')).some((n) => n.kind === 'review' && n.text.includes('庁議に報告しました'))).toBe(true))
    expect((await board()).sheets.find((r) => r.id === sheetId)?.review).toEqual({ state: 'reported', reportedOn: today })
  })

  it('a 課長 may still open a revision of a version waiting for review; turned off, the step vanishes and approved versions publish', async () => {
    expect((await step('kacho', 'reopen')).status).toBe(200)
    await approveAs()
    expect((await summary('kacho')).review.state).toBe('pending')
    expect((await setReviewStep('admin', false)).body.reviewStep).toBe(false)
    const s = await summary('planning')
    expect(s.review).toMatchObject({ required: false, state: null, actions: [], publishable: true })
    expect(await server.services.reviews.publishable(sheetId, 4)).toBe(true)
    expect(await server.services.reviews.publishable(sheetId, 2)).toBe(true)
    expect((await board()).reviewStep).toBe(false)
  })
})
