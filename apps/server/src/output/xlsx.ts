import { fiscalYearLabel, newRowId, parseBudgetCell, type Sheet, SHEET_FORMAT, sheetSchema } from '@hoshin/sheet'
import type ExcelJS from 'exceljs'
import { placeOf, problemOf } from './import-rows.js'
import { checkZip, ZipRefused } from './zip-guard.js'

/**
 * exceljs is loaded on the first export or import, not at start: it is ~28 MiB of resident memory that a
 * server busy with co-editing never needs.
 */
async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default
}

/** Columns of every table: A rank, B name, C content (or outcome), D 担当係名, E 連携課名, F 事業費, G row id (hidden). */
const widths = [9, 30, 44, 18, 14, 13, 12]
const MARKER_SHEET = '_hoshin'

const headings = {
  situation: '■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）',
  issues: '■解決すべき行政課題（現状の問題等点）',
  policies: '■課題解決のための課等の方針（単年度方針と中長期方針）',
  annual: '【単年度方針】',
  longTerm: '【中長期方針】',
  measures: '■今年度の課における施策（重要度順）',
  projects: '■今年度の課における事務事業（重要度順）（単位：千円）',
} as const

const thin = { style: 'thin' as const, color: { argb: 'FF808080' } }
const box = { top: thin, left: thin, bottom: thin, right: thin }
const wrap = { wrapText: true, vertical: 'top' as const }

/** Rows of a multi-line cell grow so that the text shows (Excel does not autofit merged or wrapped cells). */
function fitHeight(row: ExcelJS.Row, texts: string[], chars: number[]): void {
  const lines = Math.max(1, ...texts.map((t, i) => t.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil([...line].length / chars[i]!)), 0)))
  row.height = Math.max(18, lines * 15)
}

/** Adds one department's sheet as a worksheet laid out like the printed 課等の方針. */
export function addSheetWorksheet(workbook: ExcelJS.Workbook, sheet: Sheet, name: string, footer: string): ExcelJS.Worksheet {
  const ws = workbook.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: `&L${footer}&R&P / &N` },
    properties: { defaultRowHeight: 18 },
  })
  ws.columns = widths.map((width) => ({ width }))
  ws.getColumn(7).hidden = true
  const font = { name: 'BIZ UDPGothic', size: 10 }
  const add = (values: (string | number | null)[]) => {
    const row = ws.addRow(values)
    row.font = font
    row.alignment = wrap
    return row
  }
  const heading = (text: string) => {
    const row = add([text])
    row.font = { ...font, bold: true }
    ws.mergeCells(row.number, 1, row.number, 6)
    return row
  }
  const title = add([`${fiscalYearLabel(sheet.fiscalYear)} 課等の方針　${sheet.department.name}`])
  title.font = { ...font, size: 14, bold: true }
  ws.mergeCells(title.number, 1, title.number, 6)
  add([])

  heading(headings.situation)
  const situation = add([sheet.situation])
  ws.mergeCells(situation.number, 1, situation.number, 6)
  fitHeight(situation, [sheet.situation], [120])
  add([])

  heading(headings.issues)
  for (const [i, issue] of sheet.issues.entries()) {
    const row = add([i + 1, issue.text, null, null, null, null, issue.id])
    ws.mergeCells(row.number, 2, row.number, 6)
    fitHeight(row, [issue.text], [100])
  }
  add([])

  heading(headings.policies)
  heading(headings.annual)
  for (const [i, p] of sheet.policies.annual.entries()) {
    const row = add([i + 1, p.text, null, null, null, null, p.id])
    ws.mergeCells(row.number, 2, row.number, 6)
    fitHeight(row, [p.text], [100])
  }
  heading(headings.longTerm)
  for (const [i, p] of sheet.policies.longTerm.entries()) {
    const row = add([i + 1, p.text, p.outcome, null, null, null, p.id])
    ws.mergeCells(row.number, 3, row.number, 6)
    fitHeight(row, [p.text, p.outcome], [28, 70])
  }
  add([])

  const table = (head: string[]) => {
    const row = add(head)
    row.font = { ...font, bold: true }
    row.alignment = { ...wrap, horizontal: 'center' }
    row.eachCell((cell) => {
      cell.border = box
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F6' } }
    })
    return row
  }
  heading(headings.measures)
  table(['重要度順位', '施策名', '施策の内容', '担当係名', '連携課名'])
  for (const m of sheet.measures) {
    const row = add([m.rank, m.name, m.content, m.sections.join('\n'), m.partners.join('\n'), null, m.id])
    for (let c = 1; c <= 5; c++) row.getCell(c).border = box
    row.getCell(1).alignment = { ...wrap, horizontal: 'center' }
    fitHeight(row, [m.name, m.content, m.sections.join('\n')], [28, 42, 16])
  }
  add([])

  heading(headings.projects)
  const projectHead = table(['重要度順位', '事務事業名', '事務事業の内容', '担当係名', '連携課名', '事業費'])
  ws.pageSetup.printTitlesRow = `${projectHead.number}:${projectHead.number}`
  const first = projectHead.number + 1
  for (const p of sheet.projects) {
    const row = add([p.rank, p.name, p.content, p.sections.join('\n'), p.partners.join('\n'), p.budget, p.id])
    for (let c = 1; c <= 6; c++) row.getCell(c).border = box
    row.getCell(1).alignment = { ...wrap, horizontal: 'center' }
    row.getCell(6).numFmt = '#,##0;"△"#,##0'
    row.getCell(6).alignment = { vertical: 'top', horizontal: 'right' }
    fitHeight(row, [p.name, p.content, p.sections.join('\n')], [28, 42, 16])
  }
  const last = first + sheet.projects.length - 1
  const total = add(['合計', null, null, null, null, null])
  ws.mergeCells(total.number, 1, total.number, 5)
  const sum = sheet.projects.reduce((s, p) => s + (p.budget ?? 0), 0)
  total.getCell(6).value = sheet.projects.length ? { formula: `SUM(F${first}:F${last})`, result: sum } : 0
  total.getCell(6).numFmt = '#,##0;"△"#,##0'
  total.font = { ...font, bold: true }
  total.getCell(1).alignment = { horizontal: 'right' }
  for (let c = 1; c <= 6; c++) total.getCell(c).border = box
  return ws
}

/** The marker that says "this workbook came from Hoshin", with which sheet each worksheet is. */
function addMarker(workbook: ExcelJS.Workbook, entries: { worksheet: string; sheet: Sheet }[]): void {
  const marker = workbook.addWorksheet(MARKER_SHEET, { state: 'veryHidden' })
  marker.addRow(['format', SHEET_FORMAT])
  for (const { worksheet, sheet } of entries) marker.addRow(['sheet', worksheet, sheet.department.id, sheet.department.name, sheet.fiscalYear])
}

export async function workbookFor(entries: { sheet: Sheet; footer: string }[]): Promise<Buffer> {
  const workbook = new (await loadExcel()).Workbook()
  workbook.creator = 'Hoshin'
  const named = entries.map(({ sheet, footer }) => {
    const worksheet = sheet.department.name.slice(0, 31)
    addSheetWorksheet(workbook, sheet, worksheet, footer)
    return { worksheet, sheet }
  })
  addMarker(workbook, named)
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

export class ImportError extends Error {
  constructor(
    readonly code: 'invalid_file' | 'wrong_sheet' | 'validation_failed',
    message: string,
    readonly path?: string,
  ) {
    super(message)
  }
}

function text(cell: ExcelJS.Cell): string {
  const v = cell.value
  if (v === null || v === undefined) return ''
  if (typeof v === 'object' && 'richText' in v) return v.richText.map((r) => r.text).join('')
  if (typeof v === 'object' && 'result' in v) return String(v.result ?? '')
  return String(v).replace(/\r\n?/g, '\n')
}

function names(cell: ExcelJS.Cell): string[] {
  return text(cell)
    .split(/\n|、|,/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * A 事業費 cell as the editor takes it ([S11]): a number, or text typed the way staff type (３４，０１０,
 * △54,317, ▲1,000, 34,010 with the IME on); blank is no amount. `where` names the cell for the message.
 */
function budgetOf(cell: ExcelJS.Cell, path: string, where: () => string): number | null {
  const v = cell.value
  const value = typeof v === 'object' && v !== null && 'result' in v ? v.result : v
  if (value === null || value === undefined) return null
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value
    throw new ImportError('validation_failed', `${where()}：事業費は千円単位の整数で入力してください（小数は使えません）。`, path)
  }
  const parsed = parseBudgetCell(text(cell))
  if (parsed.ok) return parsed.value
  throw new ImportError('validation_failed', `${where()}：${parsed.message}`, path)
}

/** A sheet has tens of rows; a worksheet past this is no sheet of ours (and would cost memory to read). */
const MAX_WORKSHEET_ROWS = 2000

/** Reads a Hoshin-exported workbook (after staff edited it) back into canonical JSON. */
export async function sheetFromWorkbook(data: Uint8Array, expected: { departmentId: string; fiscalYear: number }): Promise<Sheet> {
  try {
    checkZip(data)
  } catch (error) {
    if (!(error instanceof ZipRefused)) throw error
    throw new ImportError('invalid_file', 'このファイルは展開すると大きすぎるか、壊れています。Hoshin から書き出した .xlsx を選んでください。')
  }
  const workbook = new (await loadExcel()).Workbook()
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer)
  } catch {
    throw new ImportError('invalid_file', 'Excel ファイルとして読み取れません。Hoshin から書き出した .xlsx を選んでください。')
  }
  const marker = workbook.getWorksheet(MARKER_SHEET)
  if (!marker || text(marker.getCell('B1')) !== SHEET_FORMAT) {
    throw new ImportError('invalid_file', 'Hoshin から書き出したファイルではありません（識別情報がありません）。')
  }
  let worksheetName: string | undefined
  let department: { id: string; name: string } | undefined
  marker.eachRow((row) => {
    if (text(row.getCell(1)) === 'sheet' && text(row.getCell(3)) === expected.departmentId && Number(text(row.getCell(5))) === expected.fiscalYear) {
      worksheetName = text(row.getCell(2))
      department = { id: text(row.getCell(3)), name: text(row.getCell(4)) }
    }
  })
  const ws = worksheetName ? workbook.getWorksheet(worksheetName) : undefined
  if (!ws || !department) throw new ImportError('wrong_sheet', 'このファイルには、このシート（課・年度）の内容が入っていません。')
  if (ws.rowCount > MAX_WORKSHEET_ROWS) throw new ImportError('invalid_file', `行が多すぎます（${MAX_WORKSHEET_ROWS.toLocaleString('ja-JP')} 行まで）。`)

  type Part = 'situation' | 'issues' | 'annual' | 'longTerm' | 'measures' | 'projects' | null
  const sheet: Sheet = {
    format: SHEET_FORMAT,
    department,
    fiscalYear: expected.fiscalYear,
    situation: '',
    issues: [],
    policies: { annual: [], longTerm: [] },
    measures: [],
    projects: [],
  }
  let part: Part = null
  const byHeading = new Map<string, Part>([
    [headings.situation, 'situation'],
    [headings.issues, 'issues'],
    [headings.policies, null],
    [headings.annual, 'annual'],
    [headings.longTerm, 'longTerm'],
    [headings.measures, 'measures'],
    [headings.projects, 'projects'],
  ])
  /** Where each row came from in the worksheet (list.index → Excel row number), for messages. */
  const excelRow = new Map<string, number>()
  /** Ids seen per list: a row copied in Excel repeats its hidden id, and gets a new one. */
  const seen = new Map<string, Set<string>>()
  const rowId = (list: string, written: string): string => {
    const ids = seen.get(list) ?? new Set<string>()
    seen.set(list, ids)
    const id = written && !ids.has(written) ? written : newRowId()
    ids.add(id)
    return id
  }
  const at = (list: string, index: number, rowNumber: number) => excelRow.set(`${list}.${index}`, rowNumber)
  const where = (path: readonly (string | number)[]): string => {
    const list = path[0] === 'policies' ? path[1] : path[0]
    const index = path[0] === 'policies' ? path[2] : path[1]
    const n = excelRow.get(`${String(list)}.${String(index)}`)
    return `${placeOf(sheet, path)}${n ? `（Excel の ${n} 行目）` : ''}`
  }
  ws.eachRow((row) => {
    const first = text(row.getCell(1)).trim()
    if (byHeading.has(first)) {
      part = byHeading.get(first) ?? null
      return
    }
    if (first === '重要度順位' || first === '合計' || !part) return
    const cells = [1, 2, 3, 4, 5, 6, 7].map((c) => row.getCell(c))
    const [, b, c, d, e, f, g] = cells as [ExcelJS.Cell, ExcelJS.Cell, ExcelJS.Cell, ExcelJS.Cell, ExcelJS.Cell, ExcelJS.Cell, ExcelJS.Cell]
    const written = text(g).trim()
    if (part === 'situation') {
      if (first) sheet.situation = text(row.getCell(1))
    } else if (part === 'issues' && text(b)) {
      at('issues', sheet.issues.length, row.number)
      sheet.issues.push({ id: rowId(part, written), text: text(b) })
    } else if (part === 'annual' && text(b)) {
      at('annual', sheet.policies.annual.length, row.number)
      sheet.policies.annual.push({ id: rowId(part, written), text: text(b) })
    } else if (part === 'longTerm' && text(b)) {
      at('longTerm', sheet.policies.longTerm.length, row.number)
      sheet.policies.longTerm.push({ id: rowId(part, written), text: text(b), outcome: text(c) })
    } else if ((part === 'measures' || part === 'projects') && (text(b) || text(c))) {
      const list = part === 'measures' ? sheet.measures : sheet.projects
      at(part, list.length, row.number)
      // Ranked in the file's order below: a rank typed, left blank or out of date in column A does not matter.
      const base = { id: rowId(part, written), rank: list.length + 1, name: text(b), content: text(c), sections: names(d), partners: names(e), indicators: [] }
      if (part === 'measures') sheet.measures.push(base)
      else {
        const index = sheet.projects.length
        sheet.projects.push({ ...base, budget: null })
        sheet.projects[index]!.budget = budgetOf(f, `projects.${index}.budget`, () => where(['projects', index, 'budget']))
      }
    }
  })
  const result = sheetSchema.safeParse(sheet)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol')
    throw new ImportError('validation_failed', `${where(path)}：${problemOf(issue)}`, path.join('.'))
  }
  return result.data
}
