import type { CsvLineError, PlanStructureInput } from '@hoshin/protocol'
import { PLAN_LIMITS } from '@hoshin/protocol'
import { fiscalYearLabel, parseIndicatorNumber } from '@hoshin/sheet'
import { type CsvRow, normalise, readCsv } from '../org/csv.js'

/**
 * The plan as a file (CSV from Excel, UTF-8 or Shift_JIS, or the .xlsx itself), one line per KPI:
 *
 *   基本目標番号,基本目標,施策番号,施策,KPI,単位,基準値,基準年度,2025,2026,…
 *
 * The year columns (2025, 2025年度, 令和7年度, R7, 目標値2025) hold that year's target. A line may leave the
 * 基本目標 and 施策 cells blank: they continue from the line above, as a sheet with merged cells reads. A line
 * without KPI declares its 基本目標 / 施策 only (a 施策 with no KPI yet).
 */
export const PLAN_COLUMNS = {
  goalNumber: ['基本目標番号', 'goal_number'],
  goal: ['基本目標', '基本目標名', 'goal'],
  measureNumber: ['施策番号', 'measure_number'],
  measure: ['施策', '施策名', 'measure'],
  kpi: ['kpi', 'kpi名', '指標', '指標名'],
  unit: ['単位', 'unit'],
  baseline: ['基準値', 'baseline'],
  baselineYear: ['基準年度', '基準年', 'baseline_year'],
} as const
type Column = keyof typeof PLAN_COLUMNS

export interface ParsedPlanFile {
  input: PlanStructureInput
  errors: CsvLineError[]
}

const eraStart: Record<string, number> = { 令和: 2018, r: 2018, 平成: 1988, h: 1988 }

/** 2025 / 2025年度 / 令和7年度 / R7 / 令和元年度 → 2025; null when it is no year. */
export function yearOf(raw: string): number | null {
  const s = normalise(raw).toLowerCase().replace(/^目標値?/, '').replace(/^[（(]|[）)]$/g, '').replace(/年度?$/, '')
  if (/^\d{4}$/.test(s)) return Number(s)
  const era = /^(令和|平成|r|h)\s*(\d{1,2}|元)$/.exec(s)
  if (era) return eraStart[era[1]!]! + (era[2] === '元' ? 1 : Number(era[2]))
  return null
}

/** 「1－２」「1ー2」「１‐２」 → "1-2": numbers as typed with the IME on. */
export function planNumber(raw: string): string {
  return normalise(raw).replace(/[‐‑‒–—−ー－]/g, '-').replace(/\s+/g, '')
}
const NUMBER_SHAPE = /^[0-9A-Za-z]+(-[0-9A-Za-z]+)*$/

/**
 * Reads the file's lines into the plan's structure, every problem with its line (in Japanese). `span` is
 * the plan's years: a target outside it is an error, not silently dropped.
 */
export function parsePlanRows(rows: readonly CsvRow[], span: { startYear: number; endYear: number }): ParsedPlanFile {
  const errors: CsvLineError[] = []
  const input: PlanStructureInput = { goals: [], measures: [], kpis: [] }
  const [header, ...body] = rows
  if (!header) return { input, errors: [{ line: 1, message: 'ファイルが空です。' }] }
  const at = new Map<Column, number>()
  const years: { index: number; year: number }[] = []
  header.cells.forEach((cell, index) => {
    const name = normalise(cell).toLowerCase()
    const column = (Object.keys(PLAN_COLUMNS) as Column[]).find((c) => (PLAN_COLUMNS[c] as readonly string[]).includes(name))
    if (column) {
      if (at.has(column)) errors.push({ line: header.line, message: `見出し「${cell.trim()}」が 2 回あります。` })
      at.set(column, index)
      return
    }
    const year = yearOf(cell)
    if (year !== null) {
      if (year < span.startYear || year > span.endYear) {
        errors.push({ line: header.line, message: `見出し「${cell.trim()}」の年度（${fiscalYearLabel(year)}）は計画期間（${fiscalYearLabel(span.startYear)}〜${fiscalYearLabel(span.endYear)}）の外です。` })
      } else if (years.some((y) => y.year === year)) errors.push({ line: header.line, message: `${fiscalYearLabel(year)}の目標値の列が 2 つあります。` })
      else years.push({ index, year })
      return
    }
    if (name) errors.push({ line: header.line, message: `見出し「${cell.trim()}」は使えません（基本目標番号,基本目標,施策番号,施策,KPI,単位,基準値,基準年度 と年度の列）。` })
  })
  for (const required of ['goalNumber', 'goal', 'measureNumber', 'measure'] as const) {
    if (!at.has(required)) errors.push({ line: header.line, message: `見出しに「${PLAN_COLUMNS[required][0]}」の列がありません。` })
  }
  if (errors.length) return { input, errors }
  const cell = (row: CsvRow, column: Column) => {
    const i = at.get(column)
    return i === undefined ? '' : (row.cells[i] ?? '').trim()
  }
  const goalNames = new Map<string, { name: string; line: number }>()
  const measureOf = new Map<string, { goal: string; name: string; line: number }>()
  const measureSeen = new Map<string, number>()
  let goal: string | null = null
  let measure: string | null = null
  for (const row of body) {
    const fail = (message: string) => errors.push({ line: row.line, message })
    const goalNumber = planNumber(cell(row, 'goalNumber'))
    const goalName = cell(row, 'goal')
    if (goalNumber) {
      if (!NUMBER_SHAPE.test(goalNumber) || goalNumber.length > PLAN_LIMITS.number) {
        fail(`基本目標番号「${goalNumber}」は数字と英字を「-」でつないだ ${PLAN_LIMITS.number} 文字までの番号にしてください（例: 1）。`)
        continue
      }
      if (goalNumber !== goal) measure = null
      goal = goalNumber
    } else if (goalName && goalName !== goalNames.get(goal ?? '')?.name) {
      fail('基本目標番号がありません。')
      continue
    }
    if (goalName) {
      const known = goalNames.get(goal!)
      if (known && known.name !== goalName) fail(`基本目標 ${goal} の名前が ${known.line} 行目（「${known.name}」）と違います。`)
      else if (!known) {
        if (goalName.length > PLAN_LIMITS.name) fail(`基本目標の名前が長すぎます（${PLAN_LIMITS.name} 文字まで）。`)
        goalNames.set(goal!, { name: goalName, line: row.line })
        input.goals.push({ number: goal!, name: goalName })
      }
    }
    const measureNumber = planNumber(cell(row, 'measureNumber'))
    const measureName = cell(row, 'measure')
    if (measureNumber) {
      if (!NUMBER_SHAPE.test(measureNumber) || measureNumber.length > PLAN_LIMITS.number) {
        fail(`施策番号「${measureNumber}」は数字と英字を「-」でつないだ ${PLAN_LIMITS.number} 文字までの番号にしてください（例: 1-2）。`)
        continue
      }
      if (!goal) {
        fail('基本目標番号がありません（この施策がどの基本目標のものか分かりません）。')
        continue
      }
      measure = measureNumber
      if (!measureSeen.has(measure)) measureSeen.set(measure, row.line)
    } else if (measureName && measureName !== measureOf.get(measure ?? '')?.name) {
      fail('施策番号がありません。')
      continue
    }
    if (measureName) {
      const known = measureOf.get(measure!)
      if (known && known.name !== measureName) fail(`施策 ${measure} の名前が ${known.line} 行目（「${known.name}」）と違います。`)
      else if (known && known.goal !== goal) fail(`施策 ${measure} は ${known.line} 行目で基本目標 ${known.goal} の施策です。`)
      else if (!known) {
        if (measureName.length > PLAN_LIMITS.name) fail(`施策の名前が長すぎます（${PLAN_LIMITS.name} 文字まで）。`)
        measureOf.set(measure!, { goal: goal!, name: measureName, line: row.line })
        input.measures.push({ goal: goal!, number: measure!, name: measureName })
      }
    }
    const kpiName = cell(row, 'kpi')
    const rest = (['unit', 'baseline', 'baselineYear'] as const).some((c) => cell(row, c)) || years.some((y) => (row.cells[y.index] ?? '').trim())
    if (!kpiName) {
      if (rest) fail('KPI の名前がありません（単位・基準値・目標値は KPI の行に書いてください）。')
      continue
    }
    if (!measure) {
      fail('施策番号がありません（この KPI がどの施策のものか分かりません）。')
      continue
    }
    if (kpiName.length > PLAN_LIMITS.name) fail(`KPI の名前が長すぎます（${PLAN_LIMITS.name} 文字まで）。`)
    if (input.kpis.some((k) => k.measure === measure && k.name === kpiName)) fail(`施策 ${measure} に KPI「${kpiName}」が 2 回あります。`)
    const unit = normalise(cell(row, 'unit'))
    if (unit.length > PLAN_LIMITS.unit) fail(`単位が長すぎます（${PLAN_LIMITS.unit} 文字まで）。`)
    const number = (raw: string, what: string): number | null => {
      const parsed = parseIndicatorNumber(raw)
      if (parsed.ok) return parsed.value
      fail(`${what}「${raw}」: ${parsed.message}`)
      return null
    }
    const baseline = number(cell(row, 'baseline'), '基準値')
    const yearCell = cell(row, 'baselineYear')
    const baselineYear = yearCell ? yearOf(yearCell) : null
    if (yearCell && (baselineYear === null || baselineYear < 1989 || baselineYear > 2200)) fail(`基準年度「${yearCell}」を年度として読めません（例: 2023 または 令和5年度）。`)
    const targets = years.map((y) => ({ year: y.year, value: number((row.cells[y.index] ?? '').trim(), `${fiscalYearLabel(y.year)}の目標値`) })).filter((t) => t.value !== null)
    input.kpis.push({ measure, name: kpiName, unit, baseline, baselineYear: baselineYear !== null && baselineYear >= 1989 && baselineYear <= 2200 ? baselineYear : null, targets: targets.sort((a, b) => a.year - b.year) })
  }
  for (const [number, line] of measureSeen) if (!measureOf.has(number)) errors.push({ line, message: `施策 ${number} の名前（施策の列）がどの行にもありません。` })
  for (const m of input.measures) if (!goalNames.has(m.goal)) errors.push({ line: measureOf.get(m.number)!.line, message: `基本目標 ${m.goal} の名前（基本目標の列）がどの行にもありません。` })
  const count = (what: string, n: number, max: number) => {
    if (n > max) errors.push({ line: header.line, message: `${what}が多すぎます（${n.toLocaleString('ja-JP')} 件。${max.toLocaleString('ja-JP')} 件まで）。` })
  }
  count('基本目標', input.goals.length, PLAN_LIMITS.goals)
  count('施策', input.measures.length, PLAN_LIMITS.measures)
  count('KPI', input.kpis.length, PLAN_LIMITS.kpis)
  if (!errors.length && !input.measures.length) errors.push({ line: header.line, message: '施策が 1 つもありません。' })
  return { input, errors: errors.sort((a, b) => a.line - b.line) }
}

/** Reads a CSV plan file into lines (encoding detected per line, as the organisation import). */
export function readPlanCsv(data: Uint8Array): { ok: true; rows: CsvRow[]; encoding: 'utf-8' | 'shift_jis' } | { ok: false; errors: CsvLineError[] } {
  return readCsv(data)
}
