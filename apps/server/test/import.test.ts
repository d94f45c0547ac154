// The server's clock is set far from the town: every date people see must still be Tokyo's.
process.env.TZ = 'America/Los_Angeles'

import type { ApiErrorBody, MeResponse, OverviewResponse } from '@hoshin/protocol'
import type { Sheet, SheetChange } from '@hoshin/sheet'
import ExcelJS from 'exceljs'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/env.js'
import type { RunningServer } from '../src/server.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let kikaku: TestClient

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

async function download(path: string, client = kikaku): Promise<{ data: Buffer; disposition: string }> {
  const res = await fetch(new URL(path, server.url), { headers: { cookie: client.cookieHeader()! } })
  expect(res.status).toBe(200)
  return { data: Buffer.from(await res.arrayBuffer()), disposition: decodeURIComponent(res.headers.get('content-disposition') ?? '') }
}

async function upload(path: string, body: Uint8Array | string, contentType: string, client = kikaku) {
  return client.request<{ changes: SheetChange[] } & ApiErrorBody>('POST', path, { body: body as string, headers: { 'content-type': contentType } })
}

async function exported(): Promise<{ wb: ExcelJS.Workbook; ws: ExcelJS.Worksheet }> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load((await download(`/api/sheets/${sheetId}/export.xlsx`)).data as unknown as ArrayBuffer)
  return { wb, ws: wb.getWorksheet('企画財政課')! }
}

const bytes = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer())
const live = async () => (await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body

/** The worksheet row of the 事務事業 named `name`. */
function projectRow(ws: ExcelJS.Worksheet, name: string): ExcelJS.Row {
  let found: ExcelJS.Row | undefined
  ws.eachRow((row) => {
    if (row.getCell(2).text === name && row.getCell(6).value !== null && !found) found = row
  })
  return found!
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  kikaku = await new TestClient(server.url).login('kikaku')
})

afterEach(() => {
  vi.useRealTimers()
})

describe('Excel cells accept what the editor accepts', () => {
  it('takes 事業費 typed as text: full-width digits and commas, △ and ▲ negatives', async () => {
    const before = await live()
    const { wb, ws } = await exported()
    projectRow(ws, 'デジタル推進業務').getCell(6).value = '２３０，０００'
    projectRow(ws, '結婚相談業務').getCell(6).value = '△54,317'
    projectRow(ws, '国勢調査他統計調査業務').getCell(6).value = '▲１，０００'
    const res = await upload(`/api/sheets/${sheetId}/import`, await bytes(wb), XLSX)
    expect(res.status).toBe(200)
    const after = await live()
    const budget = (name: string) => after.projects.find((p) => p.name === name)!.budget
    expect(budget('デジタル推進業務')).toBe(230000)
    expect(budget('結婚相談業務')).toBe(-54317)
    expect(budget('国勢調査他統計調査業務')).toBe(-1000)
    // Put the seed back for the next tests (a JSON import of what was there).
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(before), 'application/json')).status).toBe(200)
    expect(await live()).toEqual(before)
  })

  it('names a bad cell as staff count it: the table’s row (1-based) with its name, and the column in Japanese', async () => {
    const before = await live()
    const { wb, ws } = await exported()
    const row = projectRow(ws, '国勢調査他統計調査業務')
    row.getCell(6).value = '12,34'
    const res = await upload(`/api/sheets/${sheetId}/import/preview`, await bytes(wb), XLSX)
    expect(res.status).toBe(400)
    const n = before.projects.findIndex((p) => p.name === '国勢調査他統計調査業務') + 1
    expect(res.body.error.code).toBe('validation_failed')
    expect(res.body.error.path).toBe(`projects.${n - 1}.budget`)
    expect(res.body.error.message).toContain(`事務事業 行 ${n}「国勢調査他統計調査業務」の 事業費`)
    expect(res.body.error.message).toContain(`Excel の ${row.number} 行目`)
    expect(res.body.error.message).toContain('桁区切り')

    const json = structuredClone(before) as unknown as { projects: Record<string, unknown>[] }
    json.projects[1]!.budget = '34,010'
    const bad = await upload(`/api/sheets/${sheetId}/import/preview`, JSON.stringify(json), 'application/json')
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', path: 'projects.1.budget' })
    expect(bad.body.error.message).toContain(`事務事業 行 2「${before.projects[1]!.name}」の 事業費：事業費は数字で入力してください`)
    json.projects[1]!.budget = 12.5
    const fraction = await upload(`/api/sheets/${sheetId}/import/preview`, JSON.stringify(json), 'application/json')
    expect(fraction.body.error.message).toContain(`事務事業 行 2「${before.projects[1]!.name}」の 事業費：事業費は千円単位の整数`)
  })
})

describe('rows removed, added or without ranks are re-ranked, not refused', () => {
  it('JSON: ranks dropped, a row removed, a row added without id or rank, a copied row with the same id', async () => {
    const before = await live()
    const json = structuredClone(before) as unknown as { projects: Record<string, unknown>[]; measures: Record<string, unknown>[] }
    for (const p of json.projects) delete p.rank
    json.projects.splice(1, 1)
    json.projects.push({ name: '新しい事業', content: '追加した行', sections: [], partners: [], budget: 1200 })
    json.projects.push({ ...json.projects[0]!, name: '複写した行' })
    json.measures.reverse()
    const res = await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')
    expect(res.status).toBe(200)
    const after = await live()
    expect(after.projects.map((p) => p.rank)).toEqual(after.projects.map((_, i) => i + 1))
    expect(after.projects.map((p) => p.name)).toEqual(json.projects.map((p) => p.name))
    expect(after.projects[0]!.id).toBe(before.projects[0]!.id)
    expect(after.projects.find((p) => p.name === before.projects[1]!.name)).toBeUndefined()
    const ids = new Set(after.projects.map((p) => p.id))
    expect(ids.size).toBe(after.projects.length)
    expect(after.measures.map((m) => m.name)).toEqual([...before.measures].reverse().map((m) => m.name))
    expect(after.measures.map((m) => m.rank)).toEqual(after.measures.map((_, i) => i + 1))
    await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(before), 'application/json')
    expect(await live()).toEqual(before)
  })

  it('Excel: a row deleted, a row copied (same hidden id), ranks blank', async () => {
    const before = await live()
    const { wb, ws } = await exported()
    const first = projectRow(ws, before.projects[0]!.name)
    ws.getRow(first.number + 1).getCell(2).value = null // the second project's name and content emptied = row removed
    ws.getRow(first.number + 1).getCell(3).value = null
    const copied = projectRow(ws, before.projects[2]!.name)
    copied.getCell(1).value = null
    const extra = projectRow(ws, before.projects[3]!.name)
    extra.getCell(2).value = '複写した行'
    extra.getCell(7).value = before.projects[0]!.id // a copy of row 1, hidden id and all
    const res = await upload(`/api/sheets/${sheetId}/import`, await bytes(wb), XLSX)
    expect(res.status).toBe(200)
    const after = await live()
    expect(after.projects).toHaveLength(before.projects.length - 1)
    expect(after.projects.map((p) => p.rank)).toEqual(after.projects.map((_, i) => i + 1))
    expect(new Set(after.projects.map((p) => p.id)).size).toBe(after.projects.length)
    expect(after.projects[0]!.id).toBe(before.projects[0]!.id)
    expect(after.projects.map((p) => p.name)).toContain('複写した行')
    await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(before), 'application/json')
    expect(await live()).toEqual(before)
  })
})

describe('an applied import is one step that can be undone', () => {
  it('undo brings the content back as a new edit, audited; a second undo has nothing to undo', async () => {
    const before = await live()
    const { wb, ws } = await exported()
    projectRow(ws, 'デジタル推進業務').getCell(6).value = 1
    ws.getCell('A4').value = '取り込みで書き換えた現状'
    const res = await upload(`/api/sheets/${sheetId}/import`, await bytes(wb), XLSX)
    expect(res.status).toBe(200)
    expect(await live()).not.toEqual(before)
    const undo = await kikaku.post<{ changes: SheetChange[] }>(`/api/sheets/${sheetId}/import/undo`)
    expect(undo.status).toBe(200)
    expect(undo.body.changes.length).toBeGreaterThan(0)
    expect(await live()).toEqual(before)
    const again = await kikaku.post<ApiErrorBody>(`/api/sheets/${sheetId}/import/undo`)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('invalid_transition')
    const audit = await server.db.all<{ action: string }>("SELECT action FROM audit_log WHERE target = ? AND action LIKE 'sheet.import%' ORDER BY id", [sheetId])
    expect(audit.map((a) => a.action).slice(-2)).toEqual(['sheet.import', 'sheet.import.undo'])
  })

  it('is refused once someone edited the sheet after the import: their edit is not lost', async () => {
    const before = await live()
    const json = structuredClone(before)
    json.measures[0]!.content = '取り込んだ施策の内容'
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')).status).toBe(200)
    // A colleague types into the imported text in the editor.
    const editor = collabClient(server.url, sheetId, kikaku)
    await editor.synced()
    cellText(editor.doc, 'measures', before.measures[0]!.id, 'content').insert(0, '【追記】')
    await eventually(async () => expect((await live()).measures[0]!.content).toBe('【追記】取り込んだ施策の内容'))
    const refused = await kikaku.post<ApiErrorBody>(`/api/sheets/${sheetId}/import/undo`)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('invalid_transition')
    expect((await live()).measures[0]!.content).toBe('【追記】取り込んだ施策の内容')
    editor.destroy()
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(before), 'application/json')).status).toBe(200)
    expect(await live()).toEqual(before)
  })

  it('is one transaction, counted on the board as the importer’s edit (not an anonymous server change)', async () => {
    const before = await live()
    const json = structuredClone(before)
    json.situation = '取り込んだ現状'
    json.projects[0]!.budget = 7
    json.measures.reverse()
    const admin = await new TestClient(server.url).login('admin')
    // Someone has the sheet open: they receive the import as one update, not one per field.
    const watcher = collabClient(server.url, sheetId, kikaku)
    await watcher.synced()
    let updates = 0
    watcher.doc.on('update', () => updates++)
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')).status).toBe(200)
    await eventually(() => expect(watcher.doc.getXmlFragment('situation').toString()).toContain('取り込んだ現状'))
    expect(updates).toBe(1)
    watcher.destroy()
    await eventually(async () => {
      const overview = await admin.get<OverviewResponse>('/api/fiscal-years/2025/overview')
      expect(overview.body.sheets.find((s) => s.id === sheetId)?.editedBy?.name).toBe('佐藤 美咲')
    })
    expect((await kikaku.post(`/api/sheets/${sheetId}/import/undo`)).status).toBe(200)
    expect(await live()).toEqual(before)
  })

  it('is refused to readers', async () => {
    const before = await live()
    const json = structuredClone(before)
    json.situation = '承認前に取り込んだ現状'
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')).status).toBe(200)
    const somu = await new TestClient(server.url).login('somu')
    const refused = await somu.post<ApiErrorBody>(`/api/sheets/${sheetId}/import/undo`)
    expect(refused.status).toBe(403)
    expect((await live()).situation).toBe('承認前に取り込んだ現状')
  })
})

describe('the town’s time zone, whatever the server’s clock zone', () => {
  it('dates the Excel footer and the file name of an approval at 07:19 JST on that day, not the day before', async () => {
    expect(new Date('2026-05-28T22:19:00.000Z').getDate()).toBe(28) // this process really runs on Los Angeles time
    const kacho = await new TestClient(server.url).login('kacho')
    expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    // Approved at 07:19 in Tokyo, which is the day before in UTC and on this server's Los Angeles clock.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-05-28T22:19:00.000Z'))
    expect((await kacho.post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    vi.useRealTimers()
    const { data, disposition } = await download(`/api/sheets/${sheetId}/export.xlsx?version=1`)
    expect(disposition).toContain('2025_企画財政課_課等の方針_v1_20260529.xlsx')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(data as unknown as ArrayBuffer)
    expect(wb.getWorksheet('企画財政課')!.headerFooter.oddFooter).toContain('承認済 v1（2026年5月29日）')
  })

  it('an import is not undone once the sheet is approved (frozen)', async () => {
    const frozen = await kikaku.post<ApiErrorBody>(`/api/sheets/${sheetId}/import/undo`)
    expect(frozen.status).toBe(409)
    expect(frozen.body.error.code).toBe('sheet_frozen')
    expect((await live()).situation).toBe('承認前に取り込んだ現状')
  })

  it('an import from before an approval is not undone after the sheet is reopened', async () => {
    const kacho = await new TestClient(server.url).login('kacho')
    expect((await kacho.post(`/api/sheets/${sheetId}/reopen`)).status).toBe(200)
    const refused = await kikaku.post<ApiErrorBody>(`/api/sheets/${sheetId}/import/undo`)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('invalid_transition')
    expect((await live()).situation).toBe('承認前に取り込んだ現状')
  })

  it('tells the web app the town’s zone, and refuses to start with an unknown one', async () => {
    const me = await kikaku.get<MeResponse>('/api/me')
    expect(me.body.timeZone).toBe('Asia/Tokyo')
    expect(loadConfig({ HOSHIN_TIME_ZONE: 'Pacific/Honolulu' }).timeZone).toBe('Pacific/Honolulu')
    expect(() => loadConfig({ HOSHIN_TIME_ZONE: 'Asia/Takahata' })).toThrow(/HOSHIN_TIME_ZONE/)
  })
})
