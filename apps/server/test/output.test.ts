import { createHash } from 'node:crypto'
import type { ApiErrorBody, EvaluationResponse } from '@hoshin/protocol'
import { canonicalJson, docToSheet, type Sheet, type SheetChange } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { addUninvolvedDepartment, startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let somuSheetId: string
let kikaku: TestClient

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const liveSha = (id = sheetId) =>
  server.services.documents.read(id, (doc) => createHash('sha256').update(canonicalJson(docToSheet(doc))).digest('hex'))

async function download(path: string, client = kikaku): Promise<Buffer> {
  const res = await fetch(new URL(path, server.url), { headers: { cookie: client.cookieHeader()! } })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

async function upload(path: string, body: Uint8Array | string, contentType: string, client = kikaku) {
  return client.request<{ changes: SheetChange[] } & ApiErrorBody>('POST', path, { body: body as string, headers: { 'content-type': contentType } })
}

async function workbook(data: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(data as unknown as ArrayBuffer)
  return wb
}

function allText(ws: ExcelJS.Worksheet): string {
  const out: string[] = []
  ws.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text))))
  return out.join('\n')
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somuSheetId = (await server.services.stores.sheets.findByDepartmentYear('somu', 2025))!.id
  kikaku = await new TestClient(server.url).login('kikaku')
})

describe('Excel export', () => {
  it('holds every part and row of the seed sheet, budgets as numbers and the total 394,502 as a SUM', async () => {
    const wb = await workbook(await download(`/api/sheets/${sheetId}/export.xlsx`))
    const ws = wb.getWorksheet('企画財政課')!
    const text = allText(ws)
    for (const p of kikakuZaisei2025.projects) expect(text).toContain(p.name)
    for (const m of kikakuZaisei2025.measures) expect(text).toContain(m.name)
    for (const i of kikakuZaisei2025.issues) expect(text).toContain(i.text)
    expect(text).toContain('■今年度の課における事務事業（重要度順）（単位：千円）')
    let total: ExcelJS.Cell | undefined
    ws.eachRow((row) => {
      if (row.getCell(1).text === '合計') total = row.getCell(6)
    })
    expect(total!.value).toMatchObject({ formula: expect.stringMatching(/^SUM\(F\d+:F\d+\)$/), result: 394502 })
    expect(total!.numFmt).toContain('#,##0')
    let budget: ExcelJS.Cell | undefined
    ws.eachRow((row) => {
      if (row.getCell(2).text === 'デジタル推進業務') budget = row.getCell(6)
    })
    expect(budget!.value).toBe(227434)
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape' })
    expect(ws.pageSetup.printTitlesRow).toMatch(/^\d+:\d+$/)
  })

  it('puts a fiscal year’s sheets in one workbook, one worksheet per department', async () => {
    const admin = await new TestClient(server.url).login('admin')
    const wb = await workbook(await download('/api/fiscal-years/2025/export.xlsx', admin))
    expect(wb.worksheets.filter((w) => w.state === 'visible').map((w) => w.name)).toEqual(['企画財政課', '総務課'])
  })
})

describe('import into a draft', () => {
  it('an unchanged Excel export imported back changes nothing', async () => {
    const before = await liveSha()
    const data = await download(`/api/sheets/${sheetId}/export.xlsx`)
    const preview = await upload(`/api/sheets/${sheetId}/import/preview`, data, XLSX)
    expect(preview.status).toBe(200)
    expect(preview.body.changes).toEqual([])
    expect((await upload(`/api/sheets/${sheetId}/import`, data, XLSX)).body.changes).toEqual([])
    expect(await liveSha()).toBe(before)
  })

  it('an unchanged JSON export imported back is identical', async () => {
    const json = (await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
    const res = await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')
    expect(res.body.changes).toEqual([])
    expect((await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body).toEqual(json)
  })

  it('previews and applies an Excel file edited offline, field by field', async () => {
    const wb = await workbook(await download(`/api/sheets/${sheetId}/export.xlsx`))
    const ws = wb.getWorksheet('企画財政課')!
    ws.eachRow((row) => {
      if (row.getCell(2).text === 'デジタル推進業務') row.getCell(6).value = 230000
      if (row.getCell(2).text === '結婚相談業務') row.getCell(3).value = '結婚支援事業の実施'
    })
    const edited = Buffer.from(await wb.xlsx.writeBuffer())
    const before = await liveSha()
    const preview = await upload(`/api/sheets/${sheetId}/import/preview`, edited, XLSX)
    expect(preview.body.changes.map((c) => c.summary)).toEqual([
      '事務事業 5 デジタル推進業務 ／ 事業費: 227,434 → 230,000',
      '事務事業 12 結婚相談業務 ／ 事務事業の内容: 「結婚サポーター事業、結婚推進支援事業、婚活サポート事業等の実施による結婚支援」→「結婚支援事業の実施」',
    ])
    expect(await liveSha()).toBe(before)
    await upload(`/api/sheets/${sheetId}/import`, edited, XLSX)
    const after = (await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
    expect(after.projects[4]!.budget).toBe(230000)
    expect(after.projects[11]!.content).toBe('結婚支援事業の実施')
  })

  it('refuses a broken xlsx, a JSON of the wrong format, another sheet’s file and a 50 MB upload, leaving the draft untouched', async () => {
    const before = await liveSha()
    const broken = await upload(`/api/sheets/${sheetId}/import/preview`, new Uint8Array([80, 75, 3, 4, 1, 2, 3]), XLSX)
    expect(broken.status).toBe(400)
    expect(broken.body.error.code).toBe('invalid_file')
    const foreign = new ExcelJS.Workbook()
    foreign.addWorksheet('Sheet1').addRow(['よその表'])
    const notOurs = await upload(`/api/sheets/${sheetId}/import`, Buffer.from(await foreign.xlsx.writeBuffer()), XLSX)
    expect(notOurs.body.error.code).toBe('invalid_file')
    const json = (await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
    const wrongFormat = await upload(`/api/sheets/${sheetId}/import`, JSON.stringify({ ...json, format: 'excel/v9' }), 'application/json')
    expect(wrongFormat.status).toBe(400)
    expect(wrongFormat.body.error).toMatchObject({ code: 'validation_failed', path: 'format' })
    const badBudget = structuredClone(json)
    ;(badBudget.projects[2] as { budget: unknown }).budget = '34,010'
    const bad = await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(badBudget), 'application/json')
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', path: 'projects.2.budget' })
    const somu = await new TestClient(server.url).login('somu')
    const somuFile = await download(`/api/sheets/${somuSheetId}/export.xlsx`, somu)
    const other = await upload(`/api/sheets/${sheetId}/import`, somuFile, XLSX)
    expect(other.body.error.code).toBe('wrong_sheet')
    const huge = await upload(`/api/sheets/${sheetId}/import`, new Uint8Array(50 * 1024 * 1024), XLSX)
    expect(huge.status).toBe(413)
    expect(huge.body.error.code).toBe('payload_too_large')
    expect(await liveSha()).toBe(before)
  })

  it('refuses imports from readers (403) and into an approved sheet (409)', async () => {
    const somu = await new TestClient(server.url).login('somu')
    const data = await download(`/api/sheets/${sheetId}/export.xlsx`)
    expect((await upload(`/api/sheets/${sheetId}/import`, data, XLSX, somu)).status).toBe(403)
    const kacho = await new TestClient(server.url).login('kacho')
    expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await kacho.post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    const frozen = await upload(`/api/sheets/${sheetId}/import`, data, XLSX)
    expect(frozen.status).toBe(409)
    expect(frozen.body.error.code).toBe('sheet_frozen')
    // Versions export too.
    const v1 = await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json?version=1`)
    expect(v1.body.projects[4]!.budget).toBe(230000)
    await download(`/api/sheets/${sheetId}/export.xlsx?version=1`)
  })
})

describe('「方針（年度評価）」 as Excel ([S20])', () => {
  it('shows the approved plan with each row’s evaluation: status in Japanese, 実績値 with its day, 実績, 課題・改善; footer and file name name the kind and state', async () => {
    const kacho = await new TestClient(server.url).login('kacho')
    // The plan gets indicators in a revision, approved again (v2): the evaluation is of v2.
    expect((await kacho.post(`/api/sheets/${sheetId}/reopen`)).status).toBe(200)
    const plan = (await kikaku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
    plan.measures[0]!.indicators = [
      { id: 'ev-m1', name: '移住者数', unit: '人', kind: 'outcome', baseline: 45, baselineYear: 2024, target: 60, longTermTarget: 100, source: '' },
      { id: 'ev-m2', name: '相談件数', unit: '件', kind: 'activity', baseline: null, baselineYear: null, target: 12.5, longTermTarget: null, source: '' },
    ]
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(plan), 'application/json')).status).toBe(200)
    expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    expect((await kacho.post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })).status).toBe(201)
    const evaluation = (await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body
    expect(evaluation.planVersion).toBe(2)
    const rows = evaluation.rows.map((r) => ({ ...r }))
    rows[0] = {
      ...rows[0]!,
      status: 'below',
      actuals: [
        { indicatorId: 'ev-m1', value: -3, date: '2025-09-30' },
        { indicatorId: 'ev-m2', value: 7.25, date: null },
      ],
      done: '移住相談会を2回開催した。',
      next: '相談から移住までの支援を強める。',
    }
    rows[1] = { ...rows[1]!, status: 'onTrack' }
    const last = rows.length - 1
    rows[last] = { ...rows[last]!, status: 'unknown' }
    expect((await kikaku.request('PUT', `/api/sheets/${sheetId}/evaluations/midyear`, { json: { rows } })).status).toBe(200)

    const res = await fetch(new URL(`/api/sheets/${sheetId}/evaluations/midyear/export.xlsx`, server.url), { headers: { cookie: kikaku.cookieHeader()! } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(XLSX)
    expect(decodeURIComponent(res.headers.get('content-disposition') ?? '')).toMatch(/2025_企画財政課_課等の方針（年度評価）_中間評価_作成中_\d{8}\.xlsx/)
    const wb = await workbook(Buffer.from(await res.arrayBuffer()))
    const ws = wb.getWorksheet('中間評価')!
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape' })
    expect(ws.headerFooter.oddFooter).toContain('企画財政課　中間評価　作成中（')
    const text = allText(ws)
    expect(text).toContain('令和7年度 課等の方針（年度評価）　中間評価　企画財政課')
    for (const label of ['計画未満', '計画どおり', '評価不能']) expect(text).toContain(label)
    expect(text).toContain('移住相談会を2回開催した。')
    expect(text).toContain('相談から移住までの支援を強める。')
    let first: ExcelJS.Row | undefined
    let second: ExcelJS.Row | undefined
    ws.eachRow((row) => {
      if (row.getCell(6).text === '移住者数') first = row
      if (row.getCell(6).text === '相談件数') second = row
    })
    expect(first!.getCell(3).text).toBe(plan.measures[0]!.name)
    expect(first!.getCell(9).value).toBe(-3)
    expect(first!.getCell(9).text).toBe('-3')
    expect(first!.getCell(9).numFmt).toContain('"△"')
    expect(first!.getCell(10).text).toBe('2025年9月30日')
    expect(first!.getCell(11).text).toBe('計画未満')
    expect(second!.number).toBe(first!.number + 1)
    expect(second!.getCell(9).value).toBe(7.25)
    expect(second!.getCell(8).value).toBe(12.5)
    // The row's own cells span its indicators' lines.
    expect(ws.getCell(`K${second!.number}`).isMerged).toBe(true)
    // Projects carry their 事業費.
    let budget: ExcelJS.Cell | undefined
    ws.eachRow((row) => {
      if (row.getCell(3).text === 'デジタル推進業務') budget = row.getCell(5)
    })
    expect(budget!.value).toBe(230000)
    const audit = await server.db.all<{ detail: string }>("SELECT detail FROM audit_log WHERE target = ? AND action = 'evaluation.export'", [sheetId])
    expect(audit.map((a) => a.detail)).toEqual(['xlsx midyear'])
  })

  it('is refused as the other exports are: 401 signed out, 403 to who may not read the sheet, 404 for an evaluation not opened or an unknown kind', async () => {
    const gikaiSheet = await addUninvolvedDepartment(server)
    const status = async (path: string, client?: TestClient) =>
      (await fetch(new URL(path, server.url), { headers: client ? { cookie: client.cookieHeader()! } : {} })).status
    expect(await status(`/api/sheets/${sheetId}/evaluations/midyear/export.xlsx`)).toBe(401)
    expect(await status(`/api/sheets/${gikaiSheet}/evaluations/midyear/export.xlsx`, kikaku)).toBe(403)
    expect(await status(`/api/sheets/${sheetId}/evaluations/yearend/export.xlsx`, kikaku)).toBe(404)
    expect(await status(`/api/sheets/${sheetId}/evaluations/quarterly/export.xlsx`, kikaku)).toBe(404)
    expect(await status(`/api/sheets/no-such-sheet/evaluations/midyear/export.xlsx`, kikaku)).toBe(404)
    // Another department reads a sheet naming 全課, and its evaluation with it.
    const somu = await new TestClient(server.url).login('somu')
    expect(await status(`/api/sheets/${sheetId}/evaluations/midyear/export.xlsx`, somu)).toBe(200)
  })
})
