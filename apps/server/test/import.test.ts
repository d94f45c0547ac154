// The server's clock is set far from the town: every date people see must still be Tokyo's.
process.env.TZ = 'America/Los_Angeles'

import type { ApiErrorBody, MeResponse, OverviewResponse } from '@hoshin/protocol'
import { readFileSync } from 'node:fs'
import { type Indicator, type Sheet, type SheetChange, type SheetV1, upgradeSheetV1 } from '@hoshin/sheet'
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

/** The line of the 成果指標 worksheet holding the indicator named `name`. */
function indicatorLine(ws: ExcelJS.Worksheet, name: string): ExcelJS.Row {
  let found: ExcelJS.Row | undefined
  ws.eachRow((row) => {
    if (row.getCell(5).text === name && !found) found = row
  })
  return found!
}

const indicator = (over: Partial<Indicator> & { id: string; name: string }): Indicator => ({
  unit: '',
  kind: 'outcome',
  baseline: null,
  baselineYear: null,
  target: null,
  longTermTarget: null,
  source: '',
  ...over,
})

/** The seed with 成果指標 on the first measure and the fifth project, as staff would set them. */
function withIndicators(sheet: Sheet): Sheet {
  const out = structuredClone(sheet)
  out.measures[0]!.indicators = [
    indicator({ id: 'ind-m1', name: '移住者数', unit: '人', baseline: 45, baselineYear: 2024, target: 60, longTermTarget: 100, source: '住民基本台帳' }),
    indicator({ id: 'ind-m2', name: '関係人口の登録者', unit: '人', kind: 'activity', baseline: -3, target: 12.5 }),
  ]
  out.projects[4]!.indicators = [indicator({ id: 'ind-p1', name: '電子申請の利用率', unit: '%', baseline: 12.25, baselineYear: 2019, target: 30, longTermTarget: 80.5 })]
  return out
}

describe('成果指標 in Excel and JSON ([S18])', () => {
  it('round-trips: JSON with indicators → Excel → imported back changes nothing; the 成果指標 worksheet reads as staff expect', async () => {
    const seed = await live()
    const json = withIndicators(seed)
    const res = await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(json), 'application/json')
    expect(res.status).toBe(200)
    expect(res.body.changes.map((c) => c.summary)).toContain(`施策 1 ${seed.measures[0]!.name} ／ 成果指標「移住者数」: 追加`)
    expect(await live()).toEqual(json)
    const { wb } = await exported()
    const ws = wb.getWorksheet('成果指標')!
    expect(ws).toBeDefined()
    const line = indicatorLine(ws, '移住者数')
    expect([1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12].map((c) => line.getCell(c).text)).toEqual([
      '企画財政課',
      '施策',
      '1',
      seed.measures[0]!.name,
      '人',
      '成果',
      '45',
      '令和6年度',
      '60',
      '100',
      '住民基本台帳',
    ])
    expect(line.getCell(8).value).toBe(45)
    expect(indicatorLine(ws, '関係人口の登録者').getCell(8).numFmt).toContain('"△"')
    expect(indicatorLine(ws, '電子申請の利用率').getCell(9).text).toBe('令和元年度')
    // A row without indicators has one empty line to fill in.
    let slots = 0
    ws.eachRow((row) => {
      if (row.getCell(4).text === seed.projects[0]!.name && row.getCell(5).text === '') slots++
    })
    expect(slots).toBe(1)
    const again = await upload(`/api/sheets/${sheetId}/import/preview`, await bytes(wb), XLSX)
    expect(again.status).toBe(200)
    expect(again.body.changes).toEqual([])
    expect((await upload(`/api/sheets/${sheetId}/import`, await bytes(wb), XLSX)).body.changes).toEqual([])
    expect(await live()).toEqual(json)
  })

  it('takes numbers as the editor does (△, full-width, commas, decimals), 和暦 years, a line added to a row’s empty line or copied', async () => {
    const before = await live()
    const { wb } = await exported()
    const ws = wb.getWorksheet('成果指標')!
    const line = indicatorLine(ws, '移住者数')
    line.getCell(8).value = '△１，２００'
    line.getCell(10).value = '１２．５'
    line.getCell(11).value = 1234.567
    line.getCell(9).value = 'Ｒ５'
    // A copy of the line (hidden ids and all), renamed: a second indicator of the same row.
    const copy = ws.addRow(line.values as ExcelJS.CellValue[])
    copy.getCell(5).value = '転入者数'
    copy.getCell(9).value = '平成30年度'
    copy.getCell(7).value = '活動'
    // The empty line of a project without indicators, filled in.
    let slot: ExcelJS.Row | undefined
    ws.eachRow((row) => {
      if (row.getCell(4).text === before.projects[0]!.name && row.getCell(5).text === '') slot = row
    })
    slot!.getCell(5).value = '協議会の開催回数'
    slot!.getCell(6).value = '回'
    slot!.getCell(10).value = '4'
    // A line typed by hand, without ids: found by its 区分 and the row's name.
    ws.addRow(['', '事務事業', '', before.projects[1]!.name, '視察の受入件数', '件', '', '', '2024', '３'])
    const preview = await upload(`/api/sheets/${sheetId}/import/preview`, await bytes(wb), XLSX)
    expect(preview.status).toBe(200)
    expect(preview.body.changes.map((c) => c.summary)).toContain(`施策 1 ${before.measures[0]!.name} ／ 成果指標「移住者数」の 基準値: 45 → △1,200`)
    expect((await upload(`/api/sheets/${sheetId}/import`, await bytes(wb), XLSX)).status).toBe(200)
    const after = await live()
    const [moved, copied] = after.measures[0]!.indicators.filter((i) => i.name !== '関係人口の登録者')
    expect(moved).toMatchObject({ id: 'ind-m1', baseline: -1200, target: 12.5, longTermTarget: 1234.567, baselineYear: 2023 })
    expect(copied).toMatchObject({ name: '転入者数', kind: 'activity', baselineYear: 2018, baseline: -1200 })
    expect(copied!.id).not.toBe('ind-m1')
    expect(after.projects[0]!.indicators).toMatchObject([{ name: '協議会の開催回数', unit: '回', target: 4, kind: 'outcome' }])
    expect(after.projects[1]!.indicators).toMatchObject([{ name: '視察の受入件数', unit: '件', baselineYear: 2024, target: 3 }])
    expect((await upload(`/api/sheets/${sheetId}/import`, JSON.stringify(before), 'application/json')).status).toBe(200)
    expect(await live()).toEqual(before)
  })

  it('refuses junk naming the row as staff count it (1-based, its name), the indicator and the column in Japanese', async () => {
    const before = await live()
    const m = before.measures[0]!.name
    const refused = async (edit: (ws: ExcelJS.Worksheet) => ExcelJS.Row) => {
      const { wb } = await exported()
      const row = edit(wb.getWorksheet('成果指標')!)
      const res = await upload(`/api/sheets/${sheetId}/import/preview`, await bytes(wb), XLSX)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('validation_failed')
      return { message: res.body.error.message, path: res.body.error.path, row: row.number }
    }
    const target = await refused((ws) => {
      const line = indicatorLine(ws, '関係人口の登録者')
      line.getCell(10).value = 'abc'
      return line
    })
    expect(target.message).toContain(`施策 行 1「${m}」の 成果指標 2「関係人口の登録者」の 目標値`)
    expect(target.message).toContain(`「成果指標」シートの ${target.row} 行目`)
    expect(target.message).toContain('数値で入力してください')
    expect(target.path).toBe('measures.0.indicators.1.target')
    const grouping = await refused((ws) => {
      const line = indicatorLine(ws, '電子申請の利用率')
      line.getCell(8).value = '12,34'
      return line
    })
    expect(grouping.message).toContain(`事務事業 行 5「${before.projects[4]!.name}」の 成果指標 1「電子申請の利用率」の 基準値`)
    expect(grouping.message).toContain('桁区切り')
    const precise = await refused((ws) => {
      const line = indicatorLine(ws, '電子申請の利用率')
      line.getCell(10).value = { formula: '100/3', result: 100 / 3 }
      return line
    })
    expect(precise.message).toContain('の 目標値')
    expect(precise.message).toContain('小数は3桁まで')
    const year = await refused((ws) => {
      const line = indicatorLine(ws, '移住者数')
      line.getCell(9).value = '昨年度'
      return line
    })
    expect(year.message).toContain(`成果指標 1「移住者数」の 基準年度`)
    const kind = await refused((ws) => {
      const line = indicatorLine(ws, '移住者数')
      line.getCell(7).value = 'KPI'
      return line
    })
    expect(kind.message).toContain('成果指標 1「移住者数」の 種別（Excel の「成果指標」シートの')
    expect(kind.message).toContain('：種別は「成果」か「活動」で入力してください。')
    const nameless = await refused((ws) => {
      const line = indicatorLine(ws, '移住者数')
      line.getCell(5).value = null
      return line
    })
    expect(nameless.message).toContain(`施策 行 1「${m}」の 成果指標 1 の 指標名`)
    expect(nameless.message).toContain('指標名を入力してください')
    const orphan = await refused((ws) => ws.addRow(['', '施策', '', 'ない施策', '迷子の指標', '', '', '', '', '5']))
    expect(orphan.message).toContain(`「成果指標」シートの ${orphan.row} 行目`)
    expect(orphan.message).toContain('「ない施策」が、方針にありません')
    expect(await live()).toEqual(before)
  })

  it('JSON: an indicator without a name or with a target of "abc" is refused in Japanese, named by its row', async () => {
    const before = await live()
    const m = before.measures[0]!.name
    const json = structuredClone(before) as unknown as { measures: { indicators: Record<string, unknown>[] }[] }
    json.measures[0]!.indicators[1]!.target = 'abc'
    const abc = await upload(`/api/sheets/${sheetId}/import/preview`, JSON.stringify(json), 'application/json')
    expect(abc.status).toBe(400)
    expect(abc.body.error).toMatchObject({ code: 'validation_failed', path: 'measures.0.indicators.1.target' })
    expect(abc.body.error.message).toBe(`施策 行 1「${m}」の 成果指標 2「関係人口の登録者」の 目標値：目標値は数値で入力してください（例: 1,200 / 45.5 / △3）。`)
    json.measures[0]!.indicators[1]!.target = 3
    json.measures[0]!.indicators[0]!.name = '  '
    const nameless = await upload(`/api/sheets/${sheetId}/import/preview`, JSON.stringify(json), 'application/json')
    expect(nameless.body.error).toMatchObject({ code: 'validation_failed', path: 'measures.0.indicators.0.name' })
    expect(nameless.body.error.message).toBe(`施策 行 1「${m}」の 成果指標 1 の 指標名：指標名を入力してください。`)
    // An indicator added by hand without an id gets one, as rows do.
    json.measures[0]!.indicators[0]!.name = '移住者数'
    json.measures[0]!.indicators.push({ name: '手で足した指標', unit: '', kind: 'outcome', baseline: null, baselineYear: null, target: 1, longTermTarget: null, source: '' })
    const added = await upload(`/api/sheets/${sheetId}/import/preview`, JSON.stringify(json), 'application/json')
    expect(added.status).toBe(200)
    expect(added.body.changes.map((c) => c.summary)).toEqual([`施策 1 ${m} ／ 成果指標「関係人口の登録者」の 目標値: 12.5 → 3`, `施策 1 ${m} ／ 成果指標「手で足した指標」: 追加`])
    expect(await live()).toEqual(before)
  })

  it('a workbook exported before indicators (hoshin.sheet/v1, no 成果指標 worksheet) imports as rows without indicators', async () => {
    const before = await live()
    const old = readFileSync(new URL('./fixtures/kikaku-zaisei-2025.before-indicators.xlsx', import.meta.url))
    const v1 = upgradeSheetV1(JSON.parse(readFileSync(new URL('../../../packages/sheet/src/fixtures/kikaku-zaisei-2025.v1.json', import.meta.url), 'utf8')) as SheetV1)
    const preview = await upload(`/api/sheets/${sheetId}/import/preview`, old, XLSX)
    expect(preview.status).toBe(200)
    expect(preview.body.changes.map((c) => c.summary)).toEqual([
      `施策 1 ${before.measures[0]!.name} ／ 成果指標「移住者数」: 削除`,
      `施策 1 ${before.measures[0]!.name} ／ 成果指標「関係人口の登録者」: 削除`,
      `事務事業 5 ${before.projects[4]!.name} ／ 成果指標「電子申請の利用率」: 削除`,
    ])
    expect((await upload(`/api/sheets/${sheetId}/import`, old, XLSX)).status).toBe(200)
    const after = await live()
    expect([...after.measures, ...after.projects].every((r) => r.indicators.length === 0)).toBe(true)
    expect(after).toEqual(v1)
    // Put the indicators back for the tests after (undo of the import).
    expect((await kikaku.post(`/api/sheets/${sheetId}/import/undo`)).status).toBe(200)
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
