import { fiscalYearLabel, type IndicatorListName, indicatorMap, orderedIndicatorIds, rowMap } from '@hoshin/sheet'
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState, useSyncExternalStore } from 'react'
import * as Y from 'yjs'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import { CellVisitors, enterCell, leaveCell, useCellVisitors } from './cellPresence'
import { CollabText, type FieldRef } from './CollabText'
import { type Cell, directionOfKey, useFieldNav } from './fieldNav'
import { CloseIcon } from './icons'
import { NumberCell } from './NumberCell'
import { KpiPicker } from './PlanPicker'
import { usePlanForYear } from './usePlan'
import { indicatorFieldLabel, indicatorFieldNames, indicatorLabel, listNames, rowOps } from './rows'
import { useYValue } from './useY'

/** The sheet's words for an indicator's kind ([S18]). */
export const indicatorKindNames = { outcome: '成果', activity: '活動' } as const

/** A row's indicator ids in order, live (added, removed, reordered, also the row's map made anew). */
export function useIndicatorIds(row: Y.Map<unknown> | undefined): string[] {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!row) return () => undefined
      row.observeDeep(onChange)
      return () => row.unobserveDeep(onChange)
    },
    [row],
  )
  const joined = useSyncExternalStore(subscribe, () => orderedIndicatorIds(row).join('\u0000'))
  return joined ? joined.split('\u0000') : []
}

/** What an evaluation adds to each indicator (実績値 and its date), when the table shows one. */
export interface IndicatorExtra {
  heads: string[]
  cells: (indicatorId: string, number: number, unit: string) => ReactNode
}

interface TableProps {
  session: SheetSession
  list: IndicatorListName
  rowId: string
  rank: number
  readOnly: boolean
  onDeleted: (label: string) => void
  fiscalYear: number | undefined
  /** The evaluation's columns: the plan's own then show only what the evaluation is read against. */
  extra?: IndicatorExtra
}

const planColumns = ['name', 'unit', 'kind', 'baseline', 'baselineYear', 'target', 'longTermTarget', 'source'] as const
const evaluationColumns = ['name', 'unit', 'baseline', 'baselineYear', 'target'] as const

/**
 * A measure's or project's 成果指標 ([S18]) as a compact table under its row: names and sources are
 * collaborative text, the unit, kind, numbers and year are set as a whole (last writer wins, as 事業費)
 * with presence on the cell. The row's own 「＋ 指標を追加」 (under its name) adds one.
 */
export function IndicatorTable({ session, list, rowId, rank, readOnly, onDeleted, fiscalYear, extra }: TableProps) {
  const { t } = useI18n()
  const { doc } = session
  const row = rowMap(doc, list).get(rowId)
  const ids = useIndicatorIds(row)
  const columns = extra ? evaluationColumns : planColumns
  const rowName = `${listNames[list]} ${rank}`
  if (!row || !ids.length) return null
  return (
    <div className="indicators">
      {ids.length > 0 && (
        <table className={`indicator-table ${extra ? 'with-actuals' : ''}`}>
          <caption>
            成果指標<span className="visually-hidden">（{rowName}）</span>
          </caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col" className={`ind-${c}`}>
                  {indicatorFieldNames[c]}
                </th>
              ))}
              {extra?.heads.map((h) => (
                <th key={h} scope="col" className="ind-actual">
                  {h}
                </th>
              ))}
              {!readOnly && !extra && (
                <th scope="col" className="ind-tools">
                  <span className="visually-hidden">{t('editor.rowTools')}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {ids.map((id, i) => (
              <IndicatorRow
                key={id}
                session={session}
                list={list}
                rowId={rowId}
                rank={rank}
                id={id}
                number={i + 1}
                columns={columns}
                readOnly={readOnly || !!extra}
                onDeleted={onDeleted}
                fiscalYear={fiscalYear}
                extra={extra}
                showTools={!readOnly && !extra}
              />
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

interface RowProps {
  session: SheetSession
  list: IndicatorListName
  rowId: string
  rank: number
  id: string
  number: number
  columns: readonly string[]
  readOnly: boolean
  showTools: boolean
  onDeleted: (label: string) => void
  fiscalYear: number | undefined
  extra?: IndicatorExtra
}

function IndicatorRow({ session, list, rowId, rank, id, number, columns, readOnly, showTools, onDeleted, fiscalYear, extra }: RowProps) {
  const { t } = useI18n()
  const { doc } = session
  const indicator = indicatorMap(rowMap(doc, list).get(rowId))?.get(id)
  const unit = useYValue<string>(indicator, 'unit') ?? ''
  const kind = useYValue<string>(indicator, 'kind')
  const baseline = useYValue<number | null>(indicator, 'baseline') ?? null
  const baselineYear = useYValue<number | null>(indicator, 'baselineYear') ?? null
  const target = useYValue<number | null>(indicator, 'target') ?? null
  const longTermTarget = useYValue<number | null>(indicator, 'longTermTarget') ?? null
  const plan = usePlanForYear(fiscalYear)
  if (!indicator) return null
  const label = (field: string) => indicatorFieldLabel(list, rank, number, field)
  const ref = (field: string): FieldRef => ({ list: 'indicators', rowId: id, field })
  const cell = (field: string): Cell => ({ list: 'indicators', rowId: id, field })
  const set = (field: 'unit' | 'kind' | 'baseline' | 'baselineYear' | 'target' | 'longTermTarget') => (value: string | number | null) =>
    rowOps.setIndicator(doc, list, rowId, id, field, value)
  const text = (field: 'name' | 'source') => {
    const fragment = indicator.get(field)
    return fragment instanceof Y.XmlFragment ? (
      <CollabText session={session} fragment={fragment} label={label(field)} field={ref(field)} enter="down" readOnly={readOnly} />
    ) : null
  }
  const numberCell = (field: 'baseline' | 'target' | 'longTermTarget', value: number | null) => (
    <NumberCell session={session} field={ref(field)} cell={cell(field)} value={value} onStore={set(field)} label={label(field)} readOnly={readOnly} unit={unit} />
  )
  const cells: Record<string, ReactNode> = {
    name: (
      <>
        {text('name')}
        <KpiPicker session={session} list={list} rowId={rowId} indicator={indicator} indicatorId={id} label={indicatorLabel(list, rank, number)} readOnly={readOnly} plan={plan} />
      </>
    ),
    unit: <UnitCell session={session} field={ref('unit')} cell={cell('unit')} value={unit} onStore={set('unit')} label={label('unit')} readOnly={readOnly} />,
    kind: (
      <ChoiceCell
        session={session}
        field={ref('kind')}
        label={label('kind')}
        readOnly={readOnly}
        value={kind === 'activity' ? 'activity' : 'outcome'}
        options={Object.entries(indicatorKindNames).map(([value, name]) => ({ value, name }))}
        onStore={(v) => set('kind')(v)}
        cell={cell('kind')}
      />
    ),
    baseline: numberCell('baseline', baseline),
    baselineYear: (
      <ChoiceCell
        session={session}
        field={ref('baselineYear')}
        label={label('baselineYear')}
        readOnly={readOnly}
        value={baselineYear === null ? '' : String(baselineYear)}
        options={[{ value: '', name: t('editor.none') }, ...yearChoices(fiscalYear, baselineYear).map((y) => ({ value: String(y), name: fiscalYearLabel(y) }))]}
        onStore={(v) => set('baselineYear')(v === '' ? null : Number(v))}
        cell={cell('baselineYear')}
      />
    ),
    target: numberCell('target', target),
    longTermTarget: numberCell('longTermTarget', longTermTarget),
    source: text('source'),
  }
  return (
    <tr data-indicator-id={id}>
      {columns.map((c) => (
        <td key={c} className={`ind-${c}`}>
          {cells[c]}
        </td>
      ))}
      {extra?.cells(id, number, unit)}
      {showTools && (
        <td className="ind-tools">
          <button
            type="button"
            className="icon danger"
            aria-label={`${indicatorLabel(list, rank, number)} ${t('editor.delete')}`}
            title={t('editor.delete')}
            onClick={() => {
              rowOps.removeIndicator(doc, list, rowId, id)
              onDeleted(indicatorLabel(list, rank, number))
            }}
          >
            <CloseIcon />
          </button>
        </td>
      )}
    </tr>
  )
}

/** 基準年度 choices: the fifteen fiscal years up to this sheet's (a census year is often that old), and the stored one. */
function yearChoices(fiscalYear: number | undefined, current: number | null): number[] {
  const last = fiscalYear ?? new Date().getFullYear()
  const years = Array.from({ length: 16 }, (_, i) => last - i)
  if (current !== null && !years.includes(current)) years.push(current)
  return years.sort((a, b) => b - a)
}

interface ChoiceProps {
  session: SheetSession
  field: FieldRef
  label: string
  readOnly: boolean
  value: string
  options: { value: string; name: string }[]
  onStore: (value: string) => void
  /** Registered with the sheet's navigation: ← → move to the neighbouring cells (↑ ↓ choose, as a list box). */
  cell?: Cell
}

/** A choice stored as soon as it is made (種別, 基準年度, 評価), with who else is on it. */
export function ChoiceCell({ session, field, label, readOnly, value, options, onStore, cell }: ChoiceProps) {
  const visitors = useCellVisitors(session, field)
  const nav = useFieldNav()
  const select = useRef<HTMLSelectElement>(null)
  const { list, rowId, field: name } = field
  useEffect(() => () => leaveCell(session, { list, rowId, field: name }), [session, list, rowId, name])
  const cellList = cell?.list
  const cellRow = cell?.rowId
  const cellField = cell?.field
  useEffect(() => {
    if (readOnly || !nav || !cellList || !cellRow || !cellField) return
    return nav.register({ list: cellList, rowId: cellRow, field: cellField }, () => select.current?.focus())
  }, [nav, readOnly, cellList, cellRow, cellField])
  if (readOnly) return <span>{options.find((o) => o.value === value && o.value !== '')?.name ?? ''}</span>
  return (
    <div className={`value-cell ${visitors.length ? 'visited' : ''}`} style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}>
      <CellVisitors visitors={visitors} />
      <select
        ref={select}
        aria-label={label}
        value={value}
        onKeyDown={(event) => {
          if (!nav || !cell || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return
          if (nav.move(cell, event.key === 'ArrowLeft' ? 'left' : 'right')) event.preventDefault()
        }}
        onFocus={() => enterCell(session, field)}
        onBlur={() => leaveCell(session, field)}
        onChange={(e) => onStore(e.currentTarget.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  )
}

const UNIT_MAX = 20

interface UnitProps {
  session: SheetSession
  field: FieldRef
  cell: Cell
  value: string
  onStore: (value: string) => void
  label: string
  readOnly: boolean
}

/** 単位 (件, 人, %, 千円): free text of up to 20 characters, stored when left or on Enter. */
function UnitCell({ session, field, cell, value, onStore, label, readOnly }: UnitProps) {
  const { t } = useI18n()
  const [draft, setDraft] = useState<string | null>(null)
  const [tooLong, setTooLong] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const errorId = useId()
  const nav = useFieldNav()
  const visitors = useCellVisitors(session, field)
  const { list, rowId, field: name } = cell
  useEffect(() => {
    if (readOnly || !nav) return
    return nav.register({ list, rowId, field: name }, () => input.current?.focus())
  }, [nav, list, rowId, name, readOnly])
  useEffect(() => () => leaveCell(session, { list, rowId, field: name }), [session, list, rowId, name])
  if (readOnly) return <span>{value}</span>

  const commit = (): boolean => {
    if (draft === null) return true
    const next = draft.normalize('NFKC').trim()
    if ([...next].length > UNIT_MAX) {
      setTooLong(true)
      return false
    }
    setTooLong(false)
    setDraft(null)
    if (next !== value) onStore(next)
    return true
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return
    const target = event.currentTarget
    if (event.key === 'Enter') {
      event.preventDefault()
      if (commit()) nav?.move(cell, 'down')
    } else if (event.key === 'Escape') {
      setDraft(null)
      setTooLong(false)
    } else if (nav && event.key !== 'Tab') {
      const direction = directionOfKey(event.key, event.shiftKey)
      const atStart = target.selectionStart === 0 && target.selectionEnd === 0
      const atEnd = target.selectionStart === target.value.length && target.selectionEnd === target.value.length
      const leaves = direction === 'up' || direction === 'down' || (direction === 'left' && atStart) || (direction === 'right' && atEnd)
      if (direction && leaves && nav.move(cell, direction)) event.preventDefault()
    }
  }
  return (
    <div className={`value-cell ${visitors.length ? 'visited' : ''}`} style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}>
      <CellVisitors visitors={visitors} />
      <input
        ref={input}
        type="text"
        aria-label={label}
        aria-invalid={tooLong ? true : undefined}
        aria-describedby={tooLong ? errorId : undefined}
        value={draft ?? value}
        onFocus={() => enterCell(session, field)}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={() => {
          commit()
          leaveCell(session, field)
        }}
        onKeyDown={onKeyDown}
      />
      {tooLong && (
        <span id={errorId} role="alert" className="cell-error">
          {t('indicator.error.unitTooLong')}
        </span>
      )}
    </div>
  )
}
