import {
  type EvaluationKind,
  evaluationEntry,
  evaluationKindLabels,
  evaluationMap,
  evaluationRoots,
  evaluationStatuses,
  evaluationStatusLabels,
  evaluationText,
  fiscalYearDates,
  type IndicatorListName,
  actualOf,
  setActual,
  setEvaluationStatus,
} from '@hoshin/sheet'
import { useCallback, useId, useState, useSyncExternalStore } from 'react'
import * as Y from 'yjs'
import { CollabText, type FieldRef } from '../../editor/CollabText'
import { CellVisitors, enterCell, leaveCell, useCellVisitors } from '../../editor/cellPresence'
import { ChoiceCell, type IndicatorExtra } from '../../editor/Indicators'
import { NumberCell } from '../../editor/NumberCell'
import { indicatorLabel, listNames } from '../../editor/rows'
import { useYValue } from '../../editor/useY'
import { fill } from '../../i18n/fill'
import { useI18n } from '../../i18n/I18nProvider'
import type { SheetSession } from '../../sync/useSheetSession'

/** The evaluation the sheet shows with the plan ([S20]). */
export interface ActiveEvaluation {
  kind: EvaluationKind
  status: 'draft' | 'submitted' | 'approved'
  /** This person may write it now (the server says so, and it is not approved). */
  editable: boolean
}

/** A row's entry in the evaluation, live: the server makes it when the evaluation opens, it arrives by sync. */
function useEntry(doc: Y.Doc, kind: EvaluationKind, rowId: string): Y.Map<unknown> | undefined {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const map = evaluationMap(doc, kind)
      map.observe(onChange)
      return () => map.unobserve(onChange)
    },
    [doc, kind],
  )
  return useSyncExternalStore(subscribe, () => evaluationEntry(doc, kind, rowId))
}

const editableIn = (session: SheetSession, evaluation: ActiveEvaluation) => evaluation.editable && session.readOnly === null

const rowName = (list: IndicatorListName, rank: number) => `${listNames[list]} ${rank}`

interface FieldsProps {
  session: SheetSession
  evaluation: ActiveEvaluation
  list: IndicatorListName
  rowId: string
  rank: number
}

/** 評価 (four levels), 実績 and 課題・改善 of one measure or project, co-edited live. */
export function EvaluationFields({ session, evaluation, list, rowId, rank }: FieldsProps) {
  const { t } = useI18n()
  const { doc } = session
  const { kind } = evaluation
  const entry = useEntry(doc, kind, rowId)
  const status = useYValue<string | null>(entry, 'status') ?? null
  const readOnly = !editableIn(session, evaluation)
  const root = evaluationRoots[kind]
  const base = `${evaluationKindLabels[kind]} ${rowName(list, rank)}`
  if (!entry) return <p className="muted evaluation-fields">{t('evaluation.rowMissing')}</p>
  const text = (field: 'done' | 'next', heading: string) => {
    const fragment = evaluationText(entry, field)
    return (
      <div className={`evaluation-text eval-${field}`}>
        <span className="eval-label" aria-hidden="true">
          {heading}
        </span>
        {fragment && <CollabText session={session} fragment={fragment} label={`${base} ${heading}`} field={{ list: root, rowId, field }} readOnly={readOnly} />}
      </div>
    )
  }
  return (
    <div className="evaluation-fields" data-evaluation-row={rowId}>
      <div className="evaluation-status">
        <span className="eval-label" aria-hidden="true">
          評価
        </span>
        <ChoiceCell
          session={session}
          field={{ list: root, rowId, field: 'status' }}
          label={`${base} 評価`}
          readOnly={readOnly}
          value={status ?? ''}
          options={[{ value: '', name: t('evaluation.noStatus') }, ...evaluationStatuses.map((s) => ({ value: s, name: evaluationStatusLabels[s] }))]}
          onStore={(v) => setEvaluationStatus(doc, kind, rowId, v === '' ? null : (v as (typeof evaluationStatuses)[number]))}
        />
        {readOnly && status === null && <span className="muted">{t('evaluation.noStatus')}</span>}
      </div>
      {text('done', '実績')}
      {text('next', '課題・改善')}
    </div>
  )
}

interface ActualProps {
  session: SheetSession
  evaluation: ActiveEvaluation
  list: IndicatorListName
  rowId: string
  rank: number
  indicatorId: string
  number: number
  unit: string
  fiscalYear: number | undefined
}

type ActualValue = { value: number | null; date: string | null }

/** One indicator's actual, live: its value and date (each under a key of its own, [S20]). */
function useActual(actuals: Y.Map<unknown> | undefined, indicatorId: string): ActualValue {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!actuals) return () => undefined
      const keys = new Set([indicatorId, `${indicatorId}:value`, `${indicatorId}:date`])
      const handler = (event: Y.YMapEvent<unknown>) => {
        for (const key of event.keysChanged) if (keys.has(key)) return onChange()
      }
      actuals.observe(handler)
      return () => actuals.unobserve(handler)
    },
    [actuals, indicatorId],
  )
  const read = () => {
    const { value, date } = actualOf(actuals, indicatorId)
    return `${value ?? ''}\u0000${date ?? ''}`
  }
  const [value, date] = useSyncExternalStore(subscribe, read).split('\u0000')
  return { value: value ? Number(value) : null, date: date || null }
}

/** 実績値 of one indicator and the day it was measured (within the fiscal year), set together as a whole. */
function ActualCells({ session, evaluation, list, rowId, rank, indicatorId, number, unit, fiscalYear }: ActualProps) {
  const { t } = useI18n()
  const { doc } = session
  const { kind } = evaluation
  const entry = useEntry(doc, kind, rowId)
  const actuals = entry?.get('actuals')
  const actual = useActual(actuals instanceof Y.Map ? (actuals as Y.Map<unknown>) : undefined, indicatorId)
  const value = actual.value
  const date = actual.date ?? ''
  const readOnly = !editableIn(session, evaluation)
  const root = evaluationRoots[kind]
  const label = `${evaluationKindLabels[kind]} ${indicatorLabel(list, rank, number)}`
  const dateField: FieldRef = { list: root, rowId, field: `date:${indicatorId}` }
  const visitors = useCellVisitors(session, dateField)
  const [dateError, setDateError] = useState(false)
  const [draftDate, setDraftDate] = useState<string | null>(null)
  const errorId = useId()
  const year = fiscalYear ? fiscalYearDates(fiscalYear) : undefined
  // Each part under its own key: someone writing the other part at the same moment keeps theirs.
  const store = (patch: Partial<ActualValue>) => setActual(doc, kind, rowId, indicatorId, patch)
  const inYear = (d: string) => !year || (d >= year.first && d <= year.last)
  return (
    <>
      <td className="ind-actual">
        <NumberCell
          session={session}
          field={{ list: root, rowId, field: `actual:${indicatorId}` }}
          value={value}
          onStore={(next) => store({ value: next })}
          label={`${label} 実績値`}
          readOnly={readOnly}
          unit={unit}
        />
      </td>
      <td className="ind-date">
        {readOnly ? (
          <span>{date}</span>
        ) : (
          <div className={`value-cell ${visitors.length ? 'visited' : ''}`} style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}>
            <CellVisitors visitors={visitors} />
            <input
              type="date"
              aria-label={`${label} 実績値の時点`}
              aria-invalid={dateError ? true : undefined}
              aria-describedby={dateError ? errorId : undefined}
              min={year?.first}
              max={year?.last}
              value={draftDate ?? date}
              onFocus={() => enterCell(session, dateField)}
              onChange={(e) => {
                // '' while a day is half typed; a whole day outside the fiscal year is refused, never stored.
                const next = e.currentTarget.value
                setDraftDate(next)
                if (!next) return
                if (!inYear(next)) {
                  setDateError(true)
                  return
                }
                setDateError(false)
                setDraftDate(null)
                if (next !== date) store({ date: next })
              }}
              onBlur={(e) => {
                leaveCell(session, dateField)
                const input = e.currentTarget
                // Emptied on purpose (not half typed): the date goes.
                if (input.value === '' && !input.validity.badInput && date) store({ date: null })
                if (!dateError) setDraftDate(null)
              }}
            />
            {dateError && year && (
              <span id={errorId} role="alert" className="cell-error">
                {fill(t('evaluation.error.dateOutside'), { first: year.first, last: year.last })}
              </span>
            )}
          </div>
        )}
      </td>
    </>
  )
}

/** The evaluation's columns of an indicator table: 実績値 and its 時点. */
export function evaluationActualsColumns(
  session: SheetSession,
  evaluation: ActiveEvaluation,
  rowId: string,
  list: IndicatorListName,
  rank: number,
  fiscalYear: number | undefined,
): IndicatorExtra {
  return {
    heads: ['実績値', '時点'],
    cells: (indicatorId, number, unit) => (
      <ActualCells
        key={indicatorId}
        session={session}
        evaluation={evaluation}
        list={list}
        rowId={rowId}
        rank={rank}
        indicatorId={indicatorId}
        number={number}
        unit={unit}
        fiscalYear={fiscalYear}
      />
    ),
  }
}
