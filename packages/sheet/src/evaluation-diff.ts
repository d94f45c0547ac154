import { diffText, type TextPart } from './diff.js'
import { type Actual, type EvaluationRow, evaluationStatusLabels } from './evaluation.js'
import { formatIndicatorNumber } from './indicator-value.js'
import type { Indicator, Sheet } from './schema.js'

/** The fields of an evaluation row as the editor, the print and the Excel sheet name them ([S20]). */
export const evaluationFieldNames = { status: '評価', done: '実績', next: '課題・改善', actual: '実績値' } as const

/**
 * One field of an evaluation that differs between two states of it (as submitted, and now or as approved),
 * in the words of [S14]'s changes: 「施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 評価: 計画どおり → 計画未満」.
 */
export interface EvaluationChange {
  /** The row's part: a 施策 (measure) or a 事務事業 (project). */
  kind: 'measure' | 'project'
  rowId: string
  /** The row's rank in the evaluated plan version. */
  rank: number
  field: keyof typeof evaluationFieldNames
  /** The indicator, for a 実績値. */
  indicatorId?: string
  /** The value as stored on each side (a status, a text, or an actual with its day). */
  before: unknown
  after: unknown
  /** Each side in words: 「計画どおり」, 「64 件（2025年9月30日）」, the text; 「（未評価）」/「（空欄）」 when empty. */
  from: string
  to: string
  /** Word-level changes inside 実績 and 課題・改善. */
  parts?: TextPart[]
  /** Where: 「施策 2 移住定住… ／ 実績値「移住相談件数」」. */
  label: string
  /** `label`, then what changed. */
  summary: string
}

const partNames = { measure: '施策', project: '事務事業' } as const
const EMPTY = '（空欄）'
const UNEVALUATED = '（未評価）'
const HEADLINE_MAX = 30

function short(text: string): string {
  const line = (text.split('\n')[0] ?? '').trim()
  return line.length > HEADLINE_MAX ? `${line.slice(0, HEADLINE_MAX)}…` : line
}

/** 2025-09-30 → 2025年9月30日 (a day of the fiscal year, no time zone involved). */
function dayJa(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/** 「64 件（2025年9月30日）」, 「△3」, 「（空欄）」. */
export function actualText(actual: Pick<Actual, 'value' | 'date'> | null | undefined, unit = ''): string {
  const value = actual?.value ?? null
  const date = actual?.date ?? null
  if (value === null && date === null) return EMPTY
  const number = value === null ? EMPTY : `${formatIndicatorNumber(value)}${unit ? ` ${unit}` : ''}`
  return date ? `${number}（${dayJa(date)}）` : number
}

const statusText = (status: EvaluationRow['status'] | undefined) => (status ? evaluationStatusLabels[status] : UNEVALUATED)

/**
 * What changed in an evaluation from `before` (as submitted) to `after`, row by row in the evaluated plan's
 * order, each row named by its part, rank and name in `plan` (the approved version evaluated), each
 * 実績値 by its indicator's name and unit. Rows are matched by id; a row missing on one side reads as
 * unevaluated and empty there.
 */
export function diffEvaluations(plan: Sheet, before: readonly EvaluationRow[], after: readonly EvaluationRow[]): EvaluationChange[] {
  const named = new Map<string, { rank: number; name: string; indicators: Indicator[] }>([
    ...plan.measures.map((r, i) => [`measure:${r.id}`, { rank: i + 1, name: r.name, indicators: r.indicators }] as const),
    ...plan.projects.map((r, i) => [`project:${r.id}`, { rank: i + 1, name: r.name, indicators: r.indicators }] as const),
  ])
  const old = new Map(before.map((r) => [`${r.kind}:${r.rowId}`, r]))
  const changes: EvaluationChange[] = []
  for (const row of after) {
    const key = `${row.kind}:${row.rowId}`
    const was = old.get(key)
    const info = named.get(key)
    const rank = info?.rank ?? 0
    const name = info ? short(info.name) : ''
    const rowLabel = `${partNames[row.kind]}${rank ? ` ${rank}` : ''}${name ? ` ${name}` : ''}`
    const push = (field: EvaluationChange['field'], what: string, change: Omit<EvaluationChange, 'kind' | 'rowId' | 'rank' | 'field' | 'label' | 'summary'>) => {
      const label = `${rowLabel} ／ ${what}`
      // A text reads in quotes in the sentence: 「…」 → 「…」.
      const side = (text: string, raw: unknown) => (change.parts && raw !== '' ? `「${text}」` : text)
      const summary = `${label}: ${side(change.from, change.before)} → ${side(change.to, change.after)}`
      changes.push({ kind: row.kind, rowId: row.rowId, rank, field, ...change, label, summary })
    }
    const status = was?.status ?? null
    if (status !== row.status) push('status', evaluationFieldNames.status, { before: status, after: row.status, from: statusText(status), to: statusText(row.status) })
    const actuals = new Map((was?.actuals ?? []).map((a) => [a.indicatorId, a]))
    for (const actual of row.actuals) {
      const prior = actuals.get(actual.indicatorId)
      if ((prior?.value ?? null) === actual.value && (prior?.date ?? null) === actual.date) continue
      const indicator = info?.indicators.find((i) => i.id === actual.indicatorId)
      const what = `${evaluationFieldNames.actual}${indicator && short(indicator.name) ? `「${short(indicator.name)}」` : ''}`
      const unit = indicator?.unit ?? ''
      push('actual', what, {
        indicatorId: actual.indicatorId,
        before: prior ? { value: prior.value, date: prior.date } : null,
        after: { value: actual.value, date: actual.date },
        from: actualText(prior, unit),
        to: actualText(actual, unit),
      })
    }
    for (const field of ['done', 'next'] as const) {
      const x = was?.[field] ?? ''
      const y = row[field]
      if (x === y) continue
      push(field, evaluationFieldNames[field], { before: x, after: y, from: x || EMPTY, to: y || EMPTY, parts: diffText(x, y) })
    }
  }
  return changes
}
