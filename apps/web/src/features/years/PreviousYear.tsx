import type { EvaluationState, PreviousEvaluationRow, PreviousYearResponse } from '@hoshin/protocol'
import { fiscalYearLabel, formatBudget, type Measure, type Project, type Sheet } from '@hoshin/sheet'
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react'
import { api } from '../../api/client'
import { fill } from '../../i18n/fill'
import { useI18n } from '../../i18n/I18nProvider'

type PreviousRow = (Measure & { budget?: undefined }) | Project

export interface PreviousYear {
  fiscalYear: number
  version: number | null
  rows: Map<string, PreviousRow>
  continued: Set<string>
  /** Last year's 年度末評価 by row (approved, or still open), or null when it has none. */
  yearend: { state: EvaluationState; rows: Map<string, PreviousEvaluationRow> } | null
}

/**
 * Last year's approved sheet this draft was carried forward from, or null (not carried forward).
 * `refresh` changes when the rows' 継続 marks should be asked again (they end as rows are edited).
 */
export function usePreviousYear(sheetId: string, refresh: unknown): PreviousYear | null {
  const [answer, setAnswer] = useState<{ sheetId: string; data: PreviousYearResponse } | null>(null)
  useEffect(() => {
    let cancelled = false
    api<PreviousYearResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/previous`).then(
      (data) => !cancelled && setAnswer({ sheetId, data }),
      () => undefined,
    )
    return () => {
      cancelled = true
    }
  }, [sheetId, refresh])
  const data = answer?.sheetId === sheetId ? answer.data : null
  return useMemo(() => {
    const sheet = data?.sheet as Sheet | null | undefined
    if (!data || !sheet) return null
    const rows = new Map<string, PreviousRow>()
    for (const row of [...sheet.measures, ...sheet.projects]) rows.set(row.id, row)
    const yearend = data.yearend ? { state: data.yearend.state, rows: new Map(data.yearend.rows.map((r) => [r.rowId, r])) } : null
    return { fiscalYear: sheet.fiscalYear, version: data.version, rows, continued: new Set(data.continued), yearend }
  }, [data])
}

/** Set while the 「前年度」 toggle is on; the editor's rows read it to show last year's text. */
const PreviousYearContext = createContext<PreviousYear | null>(null)

export function PreviousYearProvider({ value, children }: { value: PreviousYear | null; children: ReactNode }) {
  return <PreviousYearContext.Provider value={value}>{children}</PreviousYearContext.Provider>
}

/** 「前年度」: shows or hides last year's approved text beside each row. */
export function PreviousYearToggle({ previous, on, onChange }: { previous: PreviousYear; on: boolean; onChange: (on: boolean) => void }) {
  const { t, locale } = useI18n()
  return (
    <button type="button" className="previous-toggle" aria-pressed={on} onClick={() => onChange(!on)}>
      {t('years.previousToggle')}
      <span className="muted">
        （{fiscalYearLabel(previous.fiscalYear, locale)}
        {previous.version ? ` v${previous.version}` : ''}）
      </span>
    </button>
  )
}

/**
 * Beside a row of 施策 or 事務事業 while the toggle is on: 継続 (carried over, untouched), 変更あり (carried
 * over, edited since) or 新規 (not in last year's sheet), and last year's approved text.
 */
export function PreviousYearNote({ rowId }: { rowId: string }) {
  const { t } = useI18n()
  const previous = useContext(PreviousYearContext)
  if (!previous) return null
  const row = previous.rows.get(rowId)
  const state = !row ? 'new' : previous.continued.has(rowId) ? 'continued' : 'changed'
  return (
    <div className={`previous-year previous-${state}`}>
      <span className={`row-badge badge-${state}`}>{t(`years.row.${state}`)}</span>
      {row && (
        <div className="previous-text">
          <span className="previous-label">{t('years.previousText')}</span>
          <span className="previous-name">{row.name}</span>
          {row.content.split('\n').map((line, i) => (
            <span key={i} className="line">
              {line}
            </span>
          ))}
          {row.budget !== undefined && row.budget !== null && (
            <span className="line">
              {t('years.previousBudget')}: {formatBudget(row.budget)}
            </span>
          )}
          {previous.yearend && <PreviousEvaluation state={previous.yearend.state} row={previous.yearend.rows.get(rowId)} />}
        </div>
      )}
    </div>
  )
}

/**
 * Last year's 年度末評価 of the row (its status and 課題・改善), which this year's row answers; one still being
 * written or reviewed is marked so, since it may yet change.
 */
function PreviousEvaluation({ state, row }: { state: EvaluationState; row: PreviousEvaluationRow | undefined }) {
  const { t } = useI18n()
  if (!row) return null
  return (
    <span className="previous-evaluation">
      <span className="line">
        <span className="previous-label">{t('years.previousEvaluation')}</span>
        {row.status ? (
          <strong className={`previous-status eval-${row.status}`}>{t(`boardEval.status.${row.status}`)}</strong>
        ) : (
          <span className="previous-status">{t('years.previousNoStatus')}</span>
        )}
        {state !== 'approved' && <span className="previous-open">{fill(t('years.previousEvaluationOpen'), { state: t(`boardEval.state.${state}`) })}</span>}
      </span>
      {row.next && (
        <span className="line previous-next">
          <span className="previous-label">{t('years.previousNext')}</span>
          {row.next.split('\n').map((line, i) => (
            <span key={i} className="line">
              {line}
            </span>
          ))}
        </span>
      )}
    </span>
  )
}
