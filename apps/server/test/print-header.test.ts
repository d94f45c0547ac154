import type { ApiErrorBody, DepartmentResponse, SheetSummary, VersionResponse } from '@hoshin/protocol'
import { type SheetChange, townDateJa } from '@hoshin/sheet'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { logins, startTestServer } from './harness.js'

/**
 * What the sheet prints above its parts (issue 19): 課長名, 職員数, 予算規模 (the sum of 事業費) and 承認日 —
 * the 職員数 an admin keeps on the department, the 課長 and 職員数 recorded with each approved version, and the
 * same fields in the Excel export, which an import reads past.
 */
let server: RunningServer
let sheetId: string
const as = logins(() => server)
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

async function setStaff(staffCount: unknown, who = 'admin') {
  return (await as(who)).request<DepartmentResponse & ApiErrorBody>('PATCH', '/api/admin/departments/kikaku-zaisei', { json: { staffCount } })
}
async function summary(who = 'kikaku') {
  return (await (await as(who)).get<SheetSummary>(`/api/sheets/${sheetId}?refresh=1`)).body
}
async function xlsx(query = ''): Promise<Buffer> {
  const client = await as('kikaku')
  const res = await fetch(new URL(`/api/sheets/${sheetId}/export.xlsx${query}`, server.url), { headers: { cookie: client.cookieHeader()! } })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}
/** The header block of the worksheet: labels and values, B–E of the two rows under the title. */
async function headerCells(data: Buffer): Promise<{ labels: string[]; values: string[] }> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(data as unknown as ArrayBuffer)
  const ws = wb.getWorksheet('企画財政課')!
  const row = (n: number) => [2, 3, 4, 5].map((c) => ws.getRow(n).getCell(c).text)
  expect(ws.getRow(1).getCell(1).text).toBe('令和7年度 課等の方針　企画財政課')
  return { labels: row(2), values: row(3) }
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
})

describe('the printed header', () => {
  it('職員数 is kept on the department by admins only, a whole number or none, audited', async () => {
    expect((await setStaff(24, 'kacho')).status).toBe(403)
    expect((await setStaff(24, 'planning')).status).toBe(403)
    for (const bad of [-1, 2.5, 'abc', 100_001]) {
      const res = await setStaff(bad)
      expect(res.status, String(bad)).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'validation_failed', path: 'staffCount' })
    }
    const ok = await setStaff(24)
    expect(ok.status).toBe(200)
    expect(ok.body.department.staffCount).toBe(24)
    const audit = await server.db.all<{ detail: string }>("SELECT detail FROM audit_log WHERE action = 'org.department.staff'")
    expect(audit.map((a) => a.detail)).toEqual(['企画財政課 職員数 — → 24'])
  })

  it('a draft shows the department’s 課長 and 職員数 now; Excel carries them with 予算規模 and 未承認, and its import ignores them', async () => {
    const head = (await server.services.stores.users.list()).find((u) => u.username === 'kacho')!
    expect((await summary()).header).toEqual({ headName: head.displayName, staffCount: 24 })
    const data = await xlsx()
    expect(await headerCells(data)).toEqual({
      labels: ['課長名', '職員数', '予算規模', '承認日'],
      values: [head.displayName, '24人', '394,502千円', '未承認'],
    })
    // The exported file imported back changes nothing: the header rows are not part of the sheet.
    const client = await as('kikaku')
    const preview = await client.request<{ changes: SheetChange[] }>('POST', `/api/sheets/${sheetId}/import/preview`, {
      body: data as unknown as string,
      headers: { 'content-type': XLSX },
    })
    expect(preview.status).toBe(200)
    expect(preview.body.changes).toEqual([])
  })

  it('an approved version keeps the 課長 and 職員数 of its approval, whatever changes after', async () => {
    const kikaku = await as('kikaku')
    expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    const approved = await (await as('kacho')).post<VersionResponse>(`/api/sheets/${sheetId}/approve`)
    expect(approved.status).toBe(201)
    const head = (await server.services.stores.users.list()).find((u) => u.username === 'kacho')!
    expect(approved.body).toMatchObject({ number: 1, headName: head.displayName, staffCount: 24 })
    // Later: the department grows and the 課長's account is renamed.
    expect((await setStaff(30)).status).toBe(200)
    const renamed = await (await as('admin')).request('PATCH', `/api/admin/users/${head.id}`, { json: { displayName: '新しい 名前' } })
    expect(renamed.status).toBe(200)
    const v1 = (await kikaku.get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect(v1).toMatchObject({ headName: head.displayName, staffCount: 24, approvedBy: { name: '新しい 名前' } })
    const s = await summary()
    expect(s.latestVersion).toMatchObject({ headName: head.displayName, staffCount: 24 })
    // The live header follows the department now.
    expect(s.header).toEqual({ headName: '新しい 名前', staffCount: 30 })
    expect((await headerCells(await xlsx('?version=1'))).values).toEqual([
      head.displayName,
      '24人',
      '394,502千円',
      townDateJa(v1.approvedAt, server.services.config.timeZone),
    ])
  })
})
