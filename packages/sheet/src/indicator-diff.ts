import type { PlanLabels, SheetChange } from './diff.js'
import { fiscalYearLabel } from './fiscal-year.js'
import { formatIndicatorNumber } from './indicator-value.js'
import type { Indicator, Sheet } from './schema.js'

/** The column heads of an indicator ([S18]), as the editor, the print and the Excel sheet name them. */
export const indicatorFieldNames = {
  name: '指標名',
  unit: '単位',
  kind: '種別',
  baseline: '基準値',
  baselineYear: '基準年度',
  target: '目標値',
  longTermTarget: '長期目標値',
  source: '出典',
  kpi: '総合計画の KPI',
} as const satisfies Record<Exclude<keyof Indicator, 'id'>, string>

/** 成果 (outcome) / 活動 (activity). */
export const indicatorKindNames = { outcome: '成果', activity: '活動' } as const

const partNames = { measures: '施策', projects: '事務事業' } as const

function show(indicator: Indicator, field: Exclude<keyof Indicator, 'id'>, labels: PlanLabels = {}): string {
  const value = indicator[field]
  if (field === 'kpi') return value === undefined ? '（なし）' : (labels.kpi?.(value as string) ?? (value as string))
  if (field === 'kind') return indicatorKindNames[indicator.kind]
  if (field === 'baselineYear') return value === null ? '（空欄）' : fiscalYearLabel(value as number)
  if (typeof value === 'number' || value === null) return value === null ? '（空欄）' : formatIndicatorNumber(value)
  return value === '' ? '（空欄）' : `「${value}」`
}

const short = (text: string) => {
  const line = (text.split('\n')[0] ?? '').trim()
  return line.length > 30 ? `${line.slice(0, 30)}…` : line
}

/**
 * What changed in the measures' and projects' indicators from `a` to `b`, in the words of [S14]'s
 * changes: 「施策 2 子育て支援 ／ 成果指標「出生数」の 目標値: 100 → 120」. Rows are matched by id, indicators
 * by id within their row; a row added or removed as a whole is `diffSheets`'s change, not repeated here.
 */
export function diffIndicators(a: Sheet, b: Sheet, labels: PlanLabels = {}): SheetChange[] {
  const changes: SheetChange[] = []
  for (const part of ['measures', 'projects'] as const) {
    const before = new Map<string, { rank: number; indicators: Indicator[] }>(a[part].map((r, i) => [r.id, { rank: i + 1, indicators: r.indicators }]))
    for (const [j, row] of b[part].entries()) {
      const old = before.get(row.id)
      if (!old) continue
      const toRank = j + 1
      const rowLabel = `${partNames[part]} ${toRank}${short(row.name) ? ` ${short(row.name)}` : ''} ／ 成果指標`
      const push = (indicator: Indicator, what: string, from?: string, to?: string, field?: string) => {
        const label = `${rowLabel}「${short(indicator.name)}」${field ? `の ${field}` : ''}`
        changes.push({
          part,
          kind: 'changed',
          rowId: row.id,
          fromRank: old.rank,
          toRank,
          field: 'indicators',
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          label,
          summary: `${label}: ${what}`,
        })
      }
      const after = new Map(row.indicators.map((x) => [x.id, x]))
      const was = new Map(old.indicators.map((x) => [x.id, x]))
      for (const indicator of old.indicators) if (!after.has(indicator.id)) push(indicator, '削除')
      for (const indicator of row.indicators) {
        const prior = was.get(indicator.id)
        if (!prior) {
          push(indicator, '追加')
          continue
        }
        for (const field of Object.keys(indicatorFieldNames) as (keyof typeof indicatorFieldNames)[]) {
          if (prior[field] === indicator[field]) continue
          const x = show(prior, field, labels)
          const y = show(indicator, field, labels)
          push(indicator, `${x} → ${y}`, x, y, indicatorFieldNames[field])
        }
      }
      const order = (list: Indicator[]) => list.filter((x) => after.has(x.id) && was.has(x.id)).map((x) => x.id).join('\u0000')
      if (order(old.indicators) !== order(row.indicators)) {
        changes.push({ part, kind: 'changed', rowId: row.id, fromRank: old.rank, toRank, field: 'indicators', label: rowLabel, summary: `${rowLabel}: 並び順を変更` })
      }
    }
  }
  return changes
}
