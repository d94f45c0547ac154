import type { ApiErrorBody, AuditEntryView, SheetViewsResponse, ThreadView } from '@hoshin/protocol'
import type { Sheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
const as = logins(() => server)
const sheetOf = async (department: string) => (await server.services.stores.sheets.findByDepartmentYear(department, 2025))!.id

beforeAll(async () => {
  server = await startTestServer()
})

describe('who may reopen an approved sheet', () => {
  it('its own 課長 only: an admin is refused (403, recorded), although admins read every sheet', async () => {
    const sheetId = await sheetOf('kikaku-zaisei')
    expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)

    const admin = await (await as('admin')).post<ApiErrorBody>(`/api/sheets/${sheetId}/reopen`)
    expect(admin.status).toBe(403)
    expect(admin.body.error.code).toBe('forbidden')
    const summary = await (await as('admin')).get<{ status: string; actions: string[] }>(`/api/sheets/${sheetId}`)
    expect(summary.body.status).toBe('approved')
    expect(summary.body.actions).not.toContain('reopen')
    const audit = await (await as('kacho')).get<{ entries: AuditEntryView[] }>(`/api/sheets/${sheetId}/audit?action=sheet.reopen`)
    expect(audit.body.entries.map((e) => [e.username, e.action])).toEqual([['admin', 'sheet.reopen.refused']])

    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/reopen`)).status).toBe(200)
  })
})

describe('who may resolve or reopen a comment thread', () => {
  it('the owning department and the thread’s author; a reader from another department (連携課) or 企画 may not', async () => {
    const sheetId = await sheetOf('somu')
    const sheet = (await (await as('somu')).get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
    const target = { kind: 'measure', id: sheet.measures[0]!.id }
    const base = `/api/sheets/${sheetId}/comments`

    // 総務課's own thread: 企画財政課 reads the sheet as 連携課 and may reply, not close it.
    const own = await (await as('somu')).post<ThreadView>(base, { target, body: '進め方を確認します' })
    expect(own.status).toBe(201)
    expect(own.body.canResolve).toBe(true)
    const partner = await (await as('kikaku')).get<{ threads: ThreadView[] }>(base)
    expect(partner.body.threads.find((t) => t.id === own.body.id)?.canResolve).toBe(false)
    for (const username of ['kikaku', 'planning']) {
      const refused = await (await as(username)).post<ApiErrorBody>(`${base}/${own.body.id}/resolve`)
      expect(refused.status, username).toBe(403)
      expect(refused.body.error.code).toBe('forbidden')
    }
    expect((await (await as('kikaku')).post(`${base}/${own.body.id}/replies`, { body: '了解しました' })).status).toBe(201)
    expect((await (await as('somu')).post<ThreadView>(`${base}/${own.body.id}/resolve`)).body.state).toBe('resolved')
    expect((await (await as('kikaku')).post(`${base}/${own.body.id}/reopen`)).status).toBe(403)

    // A thread the partner started: its author may close it, and so may the owning department.
    const asked = await (await as('kikaku')).post<ThreadView>(base, { target, body: '連携の範囲を教えてください' })
    expect(asked.body.canResolve).toBe(true)
    expect((await (await as('kikaku')).post<ThreadView>(`${base}/${asked.body.id}/resolve`)).body.state).toBe('resolved')
    expect((await (await as('somu')).post<ThreadView>(`${base}/${asked.body.id}/reopen`)).body.state).toBe('open')
  })
})

describe('the view log', () => {
  it('records who opened the live sheet and which version, once per visit, for the 課長 and admins only', async () => {
    const sheetId = await sheetOf('kikaku-zaisei')
    const versions = await (await as('joho')).get<{ versions: { number: number }[] }>(`/api/sheets/${sheetId}/versions`)
    const version = versions.body.versions[0]!.number
    const before = (await (await as('admin')).get<SheetViewsResponse>(`/api/sheets/${sheetId}/views`)).body.views.length

    expect((await (await as('joho')).get(`/api/sheets/${sheetId}`)).status).toBe(200)
    expect((await (await as('joho')).get(`/api/sheets/${sheetId}`)).status).toBe(200) // the same visit
    expect((await (await as('joho')).get(`/api/sheets/${sheetId}/versions/${version}`)).status).toBe(200)
    expect((await (await as('planning')).get(`/api/sheets/${sheetId}`)).status).toBe(200)

    const views = (await (await as('kacho')).get<SheetViewsResponse>(`/api/sheets/${sheetId}/views`)).body.views
    const fresh = views.slice(0, views.length - before)
    expect(fresh.map((v) => [v.user.name, v.department, v.version])).toEqual([
      ['山口 由紀', null, null],
      ['高橋 誠', '企画財政課', version],
      ['高橋 誠', '企画財政課', null],
    ])
    expect(fresh.every((v) => !Number.isNaN(Date.parse(v.at)))).toBe(true)
    expect((await (await as('admin')).get<SheetViewsResponse>(`/api/sheets/${sheetId}/views`)).status).toBe(200)

    for (const username of ['joho', 'planning']) {
      const refused = await (await as(username)).get<ApiErrorBody>(`/api/sheets/${sheetId}/views`)
      expect(refused.status, username).toBe(403)
    }
    // Another department's 課長 cannot read this sheet at all.
    expect((await (await as('somu')).get(`/api/sheets/${sheetId}/views`)).status).toBe(403)
  })

  it('keeps rows for a year and more: a prune at start-up removes only those older than 400 days', async () => {
    const sheetId = await sheetOf('somu')
    const user = (await server.services.stores.users.findByUsername('somu'))!
    const day = 24 * 60 * 60 * 1000
    const now = Date.now()
    for (const age of [366, 399, 401]) await server.services.stores.views.record(sheetId, user.id, null, new Date(now - age * day))
    const removed = await server.services.stores.views.prune(400)
    expect(removed).toBe(1)
    const ages = (await server.services.stores.views.list(sheetId, 500)).map((v) => Math.round((now - Date.parse(v.at)) / day))
    expect(ages).toEqual(expect.arrayContaining([366, 399]))
    expect(ages).not.toContain(401)
  })
})
