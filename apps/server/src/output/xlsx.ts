import {
  type EvaluationKind,
  type EvaluationRow,
  evaluationKindLabels,
  evaluationStatusLabels,
  fiscalYearLabel,
  type Indicator,
  indicatorKindNames,
  newRowId,
  parseBudgetCell,
  type PlanLabels,
  type Sheet,
  SHEET_FORMAT,
  SHEET_FORMAT_V1,
  type SheetHeaderInput,
  sheetHeaderFields,
  sheetSchema,
} from '@hoshin/sheet'
import type ExcelJS from 'exceljs'
import { fiscalYearCell, indicatorKindCell, indicatorNumberCell } from './indicator-cells.js'
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
export function addSheetWorksheet(
  workbook: ExcelJS.Workbook,
  sheet: Sheet,
  name: string,
  footer: string,
  labels: PlanLabels = {},
  header?: SheetHeaderInput,
  timeZone?: string,
): ExcelJS.Worksheet {
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
  if (header) {
    // The form's header (課長名, 職員数, 予算規模, 承認日), labels over values in B–E as the print shows them.
    // Column A stays empty: an import reads nothing before the first ■ heading, so these rows never come back in.
    const fields = sheetHeaderFields(sheet, header, timeZone)
    const labelsRow = add([null, ...fields.map((f) => f.label)])
    const valuesRow = add([null, ...fields.map((f) => f.value)])
    for (let c = 2; c <= 5; c++) {
      labelsRow.getCell(c).border = box
      labelsRow.getCell(c).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F6' } }
      labelsRow.getCell(c).alignment = { horizontal: 'center' }
      valuesRow.getCell(c).border = box
    }
  }
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
  const measureHead = table(['重要度順位', '施策名', '施策の内容', '担当係名', '連携課名'])
  for (const m of sheet.measures) {
    const row = add([m.rank, m.name, m.content, m.sections.join('\n'), m.partners.join('\n'), null, m.id])
    for (let c = 1; c <= 5; c++) row.getCell(c).border = box
    row.getCell(1).alignment = { ...wrap, horizontal: 'center' }
    planLinkCells(row, m.planLinks, labels)
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
    planLinkCells(row, p.planLinks, labels)
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
  // Links to the 総合計画 ([S21]) beside the form, outside what prints: H the 施策 as people read them,
  // I (hidden) their ids, which an import reads back. Links are chosen in the app.
  ws.getColumn(PLAN_LABEL_COLUMN).width = 30
  ws.getColumn(PLAN_IDS_COLUMN).hidden = true
  for (const head of [measureHead, projectHead]) {
    const cell = head.getCell(PLAN_LABEL_COLUMN)
    cell.value = '総合計画の施策（アプリで選択）'
    cell.border = box
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F6' } }
  }
  ws.pageSetup.printArea = `A1:F${total.number}`
  return ws
}

const PLAN_LABEL_COLUMN = 8
const PLAN_IDS_COLUMN = 9

function planLinkCells(row: ExcelJS.Row, links: readonly string[] | undefined, labels: PlanLabels): void {
  if (!links?.length) return
  row.getCell(PLAN_LABEL_COLUMN).value = links.map((id) => labels.measure?.(id) ?? id).join('\n')
  row.getCell(PLAN_LABEL_COLUMN).alignment = wrap
  row.getCell(PLAN_IDS_COLUMN).value = links.join('\n')
}

/** The marker that says "this workbook came from Hoshin", with which sheet each worksheet is. */
function addMarker(workbook: ExcelJS.Workbook, entries: { worksheet: string; sheet: Sheet }[], indicators: string | undefined): void {
  const marker = workbook.addWorksheet(MARKER_SHEET, { state: 'veryHidden' })
  marker.addRow(['format', SHEET_FORMAT])
  for (const { worksheet, sheet } of entries) marker.addRow(['sheet', worksheet, sheet.department.id, sheet.department.name, sheet.fiscalYear])
  // Workbooks from before indicators have no such row: their rows import with no indicators ([S19]).
  if (indicators) marker.addRow(['indicators', indicators])
}

/** The worksheet of every measure's and project's 成果指標 ([S18]): one indicator a line, as staff keep a KPI list. */
export const INDICATOR_SHEET = '成果指標'

/**
 * Columns of the 成果指標 worksheet: what staff read and fill (A–L), then the hidden ids (M–O) that tie a
 * line to its department, row and indicator. A line copied in Excel repeats the ids and gets new ones.
 */
const indicatorHead = ['課', '区分', '順位', '施策名・事務事業名', '指標名', '単位', '種別', '基準値', '基準年度', '目標値', '長期目標値', '出典', '課の識別子', '行の識別子', '指標の識別子']
const indicatorWidths = [14, 9, 6, 28, 30, 8, 7, 11, 11, 11, 11, 24, 10, 10, 10]
const partWords = { measures: '施策', projects: '事務事業' } as const
/** After the hidden ids: the KPI of the 総合計画 an indicator reports on ([S21]), its name, then (hidden) its id. */
const KPI_LABEL_COLUMN = 16
const KPI_ID_COLUMN = 17

/** 1,200 / 45.5 / △3 as Excel shows them, the value staying a number. */
function numberFormat(value: number): string {
  return Number.isInteger(value) ? '#,##0;"△"#,##0' : '#,##0.0##;"△"#,##0.0##'
}

function setNumber(cell: ExcelJS.Cell, value: number | null): void {
  cell.value = value
  if (value !== null) cell.numFmt = numberFormat(value)
  cell.alignment = { vertical: 'top', horizontal: 'right' }
}

/** Adds the 成果指標 worksheet: each measure and project with its indicators, a row without any as one empty line to fill. */
function addIndicatorWorksheet(workbook: ExcelJS.Workbook, sheets: Sheet[], name: string, labels: PlanLabels = {}): void {
  const ws = workbook.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: '&L成果指標&R&P / &N' },
    properties: { defaultRowHeight: 18 },
  })
  ws.columns = indicatorWidths.map((width) => ({ width }))
  for (const c of [13, 14, 15, KPI_ID_COLUMN]) ws.getColumn(c).hidden = true
  ws.getColumn(KPI_LABEL_COLUMN).width = 28
  const font = { name: 'BIZ UDPGothic', size: 10 }
  const years = [...new Set(sheets.map((s) => fiscalYearLabel(s.fiscalYear)))].join('・')
  const title = ws.addRow([`${years} 成果指標（施策・事務事業ごと）`])
  title.font = { ...font, size: 14, bold: true }
  ws.mergeCells(title.number, 1, title.number, 12)
  const hint = ws.addRow([
    '1 行に 1 つの指標です。指標を増やすときは行を複写して書き換え、消すときは行ごと削除してください。数値は 1,200・45.5・△3 のように、基準年度は 令和6年度 のように書けます。種別は 成果 か 活動 です。',
  ])
  hint.font = { ...font, size: 9 }
  hint.alignment = wrap
  hint.height = 30
  ws.mergeCells(hint.number, 1, hint.number, 12)
  const head = ws.addRow(indicatorHead)
  head.font = { ...font, bold: true }
  head.alignment = { ...wrap, horizontal: 'center' }
  for (let c = 1; c <= 12; c++) {
    const cell = head.getCell(c)
    cell.border = box
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F6' } }
  }
  head.getCell(KPI_LABEL_COLUMN).value = '総合計画の KPI（アプリで選択）'
  head.getCell(KPI_LABEL_COLUMN).border = box
  ws.views = [{ state: 'frozen', ySplit: head.number }]
  ws.pageSetup.printTitlesRow = `${head.number}:${head.number}`
  ws.autoFilter = { from: { row: head.number, column: 1 }, to: { row: head.number, column: 12 } }
  const line = (sheet: Sheet, part: 'measures' | 'projects', row: { id: string; rank: number; name: string }, indicator: Indicator | undefined) => {
    const r = ws.addRow([sheet.department.name, partWords[part], row.rank, row.name, indicator?.name ?? '', indicator?.unit ?? ''])
    r.font = font
    r.alignment = wrap
    if (indicator) {
      r.getCell(7).value = indicatorKindNames[indicator.kind]
      setNumber(r.getCell(8), indicator.baseline)
      r.getCell(9).value = indicator.baselineYear === null ? null : fiscalYearLabel(indicator.baselineYear)
      setNumber(r.getCell(10), indicator.target)
      setNumber(r.getCell(11), indicator.longTermTarget)
      r.getCell(12).value = indicator.source
      r.getCell(15).value = indicator.id
      if (indicator.kpi) {
        r.getCell(KPI_LABEL_COLUMN).value = labels.kpi?.(indicator.kpi) ?? indicator.kpi
        r.getCell(KPI_ID_COLUMN).value = indicator.kpi
      }
    }
    r.getCell(13).value = sheet.department.id
    r.getCell(14).value = row.id
    r.getCell(3).alignment = { ...wrap, horizontal: 'center' }
    for (let c = 1; c <= 12; c++) r.getCell(c).border = box
    // Only what staff may choose from: the part and the kind.
    r.getCell(2).dataValidation = { type: 'list', allowBlank: true, formulae: ['"施策,事務事業"'] }
    r.getCell(7).dataValidation = { type: 'list', allowBlank: true, formulae: ['"成果,活動"'] }
    fitHeight(r, [row.name, indicator?.name ?? '', indicator?.source ?? ''], [26, 28, 22])
  }
  for (const sheet of sheets) {
    for (const part of ['measures', 'projects'] as const) {
      for (const row of sheet[part]) {
        if (!row.indicators.length) line(sheet, part, row, undefined)
        for (const indicator of row.indicators) line(sheet, part, row, indicator)
      }
    }
  }
}

export async function workbookFor(
  entries: { sheet: Sheet; footer: string; header?: SheetHeaderInput }[],
  options: { indicators?: 'always' | 'whenAny'; planLabels?: PlanLabels; timeZone?: string } = {},
): Promise<Buffer> {
  const workbook = new (await loadExcel()).Workbook()
  workbook.creator = 'Hoshin'
  const named = entries.map(({ sheet, footer, header }) => {
    const worksheet = sheet.department.name.slice(0, 31)
    addSheetWorksheet(workbook, sheet, worksheet, footer, options.planLabels, header, options.timeZone)
    return { worksheet, sheet }
  })
  // One department's file always has the 成果指標 worksheet (to fill in); a year's compilation has it when
  // some department has indicators.
  const sheets = entries.map((e) => e.sheet)
  const withIndicators = (options.indicators ?? 'always') === 'always' || sheets.some((s) => [...s.measures, ...s.projects].some((r) => r.indicators.length))
  const indicatorSheet = withIndicators && !named.some((n) => n.worksheet === INDICATOR_SHEET) ? INDICATOR_SHEET : withIndicators ? `${INDICATOR_SHEET}一覧` : undefined
  if (indicatorSheet) addIndicatorWorksheet(workbook, sheets, indicatorSheet, options.planLabels)
  addMarker(workbook, named, indicatorSheet)
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
  // hoshin.sheet/v1: exported before indicators ([S19]), read as rows without any.
  const format = marker ? text(marker.getCell('B1')) : ''
  if (!marker || (format !== SHEET_FORMAT && format !== SHEET_FORMAT_V1)) {
    throw new ImportError('invalid_file', 'Hoshin から書き出したファイルではありません（識別情報がありません）。')
  }
  let worksheetName: string | undefined
  let department: { id: string; name: string } | undefined
  let indicatorSheetName: string | undefined
  marker.eachRow((row) => {
    if (text(row.getCell(1)) === 'indicators') indicatorSheetName = text(row.getCell(2))
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
  /** Where each indicator came from in the 成果指標 worksheet (measures.2.indicators.0 → Excel row number). */
  const indicatorRow = new Map<string, number>()
  const where = (path: readonly (string | number)[]): string => {
    const list = path[0] === 'policies' ? path[1] : path[0]
    const index = path[0] === 'policies' ? path[2] : path[1]
    if (path[2] === 'indicators' && typeof path[3] === 'number') {
      const n = indicatorRow.get(`${String(list)}.${String(index)}.indicators.${path[3]}`)
      return `${placeOf(sheet, path)}${n ? `（Excel の「${indicatorSheetName}」シートの ${n} 行目）` : ''}`
    }
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
      const links = [...new Set(text(row.getCell(PLAN_IDS_COLUMN)).split('\n').map((l) => l.trim()).filter(Boolean))]
      const base = {
        id: rowId(part, written),
        rank: list.length + 1,
        name: text(b),
        content: text(c),
        sections: names(d),
        partners: names(e),
        ...(links.length ? { planLinks: links } : {}),
        indicators: [],
      }
      if (part === 'measures') sheet.measures.push(base)
      else {
        const index = sheet.projects.length
        sheet.projects.push({ ...base, budget: null })
        sheet.projects[index]!.budget = budgetOf(f, `projects.${index}.budget`, () => where(['projects', index, 'budget']))
      }
    }
  })
  const indicatorWs = indicatorSheetName ? workbook.getWorksheet(indicatorSheetName) : undefined
  if (indicatorWs) readIndicatorWorksheet(indicatorWs, indicatorSheetName!, sheet, indicatorRow, where)
  const result = sheetSchema.safeParse(sheet)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol')
    throw new ImportError('validation_failed', `${where(path)}：${problemOf(issue)}`, path.join('.'))
  }
  return result.data
}

const partOf: Record<string, 'measures' | 'projects'> = { 施策: 'measures', 事務事業: 'projects' }

/**
 * Reads the 成果指標 worksheet into the rows of `sheet` (already read from its own worksheet). A line
 * belongs to this department by its hidden id (or, typed by hand, by the 課 column or none), to its row by
 * the hidden row id, else by the row's name, else by its rank, within the 区分 given. A line with nothing
 * in it (the empty line of a row without indicators, or one cleared) is no indicator.
 */
function readIndicatorWorksheet(
  ws: ExcelJS.Worksheet,
  name: string,
  sheet: Sheet,
  indicatorRow: Map<string, number>,
  where: (path: readonly (string | number)[]) => string,
): void {
  if (ws.rowCount > MAX_WORKSHEET_ROWS) throw new ImportError('invalid_file', `「${name}」シートの行が多すぎます（${MAX_WORKSHEET_ROWS.toLocaleString('ja-JP')} 行まで）。`)
  let head: number | undefined
  const ids = new Set<string>()
  ws.eachRow((row) => {
    const cell = (c: number) => row.getCell(c)
    const t = (c: number) => text(cell(c)).trim()
    if (head === undefined) {
      if (t(1) === '課' && t(5) === '指標名') head = row.number
      return
    }
    const line = `「${name}」シートの ${row.number} 行目`
    const departmentId = t(13)
    if (departmentId ? departmentId !== sheet.department.id : t(1) !== '' && t(1) !== sheet.department.name) return
    const values = [5, 6, 8, 9, 10, 11, 12].map(t)
    if (values.every((v) => v === '')) return
    const written = t(2)
    const part = written ? partOf[written.normalize('NFKC')] : undefined
    if (written && !part) throw new ImportError('validation_failed', `${line}：区分は「施策」か「事務事業」で入力してください。`, '')
    const lists = part ? [part] : (['measures', 'projects'] as const)
    const find = (match: (row: Sheet['measures'][number], index: number) => boolean) => {
      for (const list of lists) {
        const index = sheet[list].findIndex(match)
        if (index >= 0) return { list, index }
      }
      return undefined
    }
    const rowName = t(4)
    const rank = Number(t(3).normalize('NFKC'))
    const target =
      (t(14) ? find((r) => r.id === t(14)) : undefined) ??
      (rowName ? find((r) => r.name.trim() === rowName) : undefined) ??
      (!rowName && part && Number.isInteger(rank) && rank >= 1 ? find((_, i) => i === rank - 1) : undefined)
    if (!target) {
      const label = rowName ? `「${rowName}」` : Number.isInteger(rank) && rank >= 1 ? ` ${rank} 位` : ''
      throw new ImportError(
        'validation_failed',
        `${line}：成果指標「${t(5)}」の${part ? partWords[part] : '施策・事務事業'}${label}が、方針にありません（行を消したときは、その成果指標の行も消してください）。`,
        '',
      )
    }
    const { list, index } = target
    const indicators = sheet[list][index]!.indicators
    const n = indicators.length
    const path = (field: string) => `${list}.${index}.indicators.${n}.${field}`
    const indicatorId = t(15) && !ids.has(t(15)) ? t(15) : newRowId()
    ids.add(indicatorId)
    const indicator: Indicator = {
      id: indicatorId,
      ...(t(KPI_ID_COLUMN) ? { kpi: t(KPI_ID_COLUMN) } : {}),
      name: text(cell(5)).trim(),
      unit: t(6),
      kind: 'outcome',
      baseline: null,
      baselineYear: null,
      target: null,
      longTermTarget: null,
      source: text(cell(12)),
    }
    indicators.push(indicator)
    indicatorRow.set(`${list}.${index}.indicators.${n}`, row.number)
    const value = (c: number) => {
      const v = cell(c).value
      return typeof v === 'object' && v !== null && 'result' in v ? v.result : v
    }
    const take = <T>(field: string, result: { ok: true; value: T } | { ok: false; message: string }): T => {
      if (result.ok) return result.value
      throw new ImportError('validation_failed', `${where([list, index, 'indicators', n, field])}：${result.message}`, path(field))
    }
    indicator.kind = take('kind', indicatorKindCell(t(7)))
    indicator.baseline = take('baseline', indicatorNumberCell(value(8), t(8)))
    indicator.baselineYear = take('baselineYear', fiscalYearCell(value(9), t(9)))
    indicator.target = take('target', indicatorNumberCell(value(10), t(10)))
    indicator.longTermTarget = take('longTermTarget', indicatorNumberCell(value(11), t(11)))
  })
}

/** 2025-09-30 → 2025年9月30日 (a day of the fiscal year, no time zone involved). */
function dayJa(date: string | null): string {
  if (!date) return ''
  const [y, m, d] = date.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/**
 * 「方針（年度評価）」: the approved plan's measures and projects with the evaluation beside each ([S20]):
 * 評価 (計画以上…評価不能), 実績値 per indicator with its day, 実績, 課題・改善. One line per indicator;
 * the row's own cells span its lines. A4 landscape, the footer naming the department, kind and state.
 */
export async function evaluationWorkbook(sheet: Sheet, kind: EvaluationKind, rows: readonly EvaluationRow[], footer: string): Promise<Buffer> {
  const workbook = new (await loadExcel()).Workbook()
  workbook.creator = 'Hoshin'
  const ws = workbook.addWorksheet(`${evaluationKindLabels[kind]}`, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: `&L${footer.replaceAll('&', '&&')}&R&P / &N` },
    properties: { defaultRowHeight: 18 },
  })
  const head = ['区分', '重要度順位', '施策名・事務事業名', '内容', '事業費（千円）', '成果指標', '単位', '目標値', '実績値', '実績値の時点', '評価', '実績', '課題・改善']
  ws.columns = [8, 7, 22, 30, 10, 22, 6, 10, 10, 13, 10, 30, 30].map((width) => ({ width }))
  const font = { name: 'BIZ UDPGothic', size: 10 }
  const title = ws.addRow([`${fiscalYearLabel(sheet.fiscalYear)} 課等の方針（年度評価）　${evaluationKindLabels[kind]}　${sheet.department.name}`])
  title.font = { ...font, size: 14, bold: true }
  ws.mergeCells(title.number, 1, title.number, head.length)
  ws.addRow([])
  const headRow = ws.addRow(head)
  headRow.font = { ...font, bold: true }
  headRow.alignment = { ...wrap, horizontal: 'center' }
  headRow.eachCell((cell) => {
    cell.border = box
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F6' } }
  })
  ws.pageSetup.printTitlesRow = `${headRow.number}:${headRow.number}`
  ws.views = [{ state: 'frozen', ySplit: headRow.number }]
  const byId = new Map(rows.map((r) => [r.rowId, r]))
  for (const part of ['measures', 'projects'] as const) {
    for (const row of sheet[part]) {
      const evaluation = byId.get(row.id)
      const actuals = new Map((evaluation?.actuals ?? []).map((a) => [a.indicatorId, a]))
      const indicators: (Indicator | undefined)[] = row.indicators.length ? row.indicators : [undefined]
      const first = ws.lastRow ? ws.lastRow.number + 1 : 1
      for (const [i, indicator] of indicators.entries()) {
        const actual = indicator ? actuals.get(indicator.id) : undefined
        const budget = part === 'projects' ? (row as Sheet['projects'][number]).budget : null
        const r = ws.addRow(
          i === 0
            ? [
                partWords[part],
                row.rank,
                row.name,
                row.content,
                // Never null in a cell that spans lines (a merged cell's empty master trips some readers).
                budget ?? '',
                indicator?.name ?? '',
                indicator?.unit ?? '',
                null,
                null,
                dayJa(actual?.date ?? null),
                evaluation?.status ? evaluationStatusLabels[evaluation.status] : '',
                evaluation?.done ?? '',
                evaluation?.next ?? '',
              ]
            : [null, null, null, null, null, indicator?.name ?? '', indicator?.unit ?? '', null, null, dayJa(actual?.date ?? null)],
        )
        r.font = font
        r.alignment = wrap
        if (budget !== null && i === 0) {
          r.getCell(5).numFmt = '#,##0;"△"#,##0'
          r.getCell(5).alignment = { vertical: 'top', horizontal: 'right' }
        }
        setNumber(r.getCell(8), indicator?.target ?? null)
        setNumber(r.getCell(9), actual?.value ?? null)
        r.getCell(2).alignment = { ...wrap, horizontal: 'center' }
        r.getCell(11).alignment = { ...wrap, horizontal: 'center' }
        for (let c = 1; c <= head.length; c++) r.getCell(c).border = box
        fitHeight(r, i === 0 ? [row.name, row.content, evaluation?.done ?? '', evaluation?.next ?? ''] : [indicator?.name ?? ''], i === 0 ? [20, 28, 28, 28] : [20])
      }
      const last = first + indicators.length - 1
      if (last > first) for (const c of [1, 2, 3, 4, 5, 11, 12, 13]) ws.mergeCells(first, c, last, c)
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
