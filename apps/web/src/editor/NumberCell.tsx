import { formatIndicatorNumber, parseIndicatorNumber } from '@hoshin/sheet'
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'
import type { MessageKey } from '../i18n/catalog'
import { fill } from '../i18n/fill'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import { CellVisitors, enterCell, leaveCell, useCellVisitors } from './cellPresence'
import type { FieldRef } from './CollabText'
import { type Cell, directionOfKey, useFieldNav } from './fieldNav'

interface Props {
  session: SheetSession
  /** Where this cell is, for presence (and for the arrow keys when `cell` is set). */
  field: FieldRef
  /** Registered with the sheet's navigation: arrows at the edges and Enter move as in the table. */
  cell?: Cell
  value: number | null
  /** Stores a new value (set as a whole: the last writer wins, as 事業費). */
  onStore: (next: number | null) => void
  label: string
  readOnly: boolean
  /** Shown after the number (件, 人, %): the indicator's unit. */
  unit?: string
}

/**
 * A number of an indicator (基準値, 目標値, 実績値), typed as the 事業費 cell takes it ([S11], [S18]):
 * full-width digits, comma grouping, △ for negatives, decimals up to three places. Stored when the
 * cell is left or Enter is pressed; junk is refused inline and never written. Who else is in the cell
 * shows on it, and a value someone else stores while this person types is offered, not overwritten.
 */
export function NumberCell({ session, field, cell, value, onStore, label, readOnly, unit }: Props) {
  const { t } = useI18n()
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<MessageKey | null>(null)
  const [conflict, setConflict] = useState<{ theirs: number | null; by: string | null } | null>(null)
  const errorId = useId()
  const unitId = useId()
  const input = useRef<HTMLInputElement>(null)
  const nav = useFieldNav()
  const visitors = useCellVisitors(session, field)
  const lastVisitor = useRef<string | null>(null)
  if (visitors[0]) lastVisitor.current = visitors[0].name
  const draftRef = useRef(draft)
  draftRef.current = draft
  // The value this cell last saw or wrote: a different one arriving while typing is someone else's.
  const seen = useRef(value)
  useEffect(() => {
    if (value === seen.current) return
    seen.current = value
    if (draftRef.current !== null) setConflict({ theirs: value, by: lastVisitor.current })
  }, [value])

  const { list, rowId, field: name } = cell ?? { list: null, rowId: null, field: null }
  useEffect(() => {
    if (readOnly || !nav || !list || !rowId || !name) return
    return nav.register({ list, rowId, field: name }, () => input.current?.focus())
  }, [nav, list, rowId, name, readOnly])
  const fieldList = field.list
  const fieldRow = field.rowId
  const fieldName = field.field
  useEffect(() => () => leaveCell(session, { list: fieldList, rowId: fieldRow, field: fieldName }), [session, fieldList, fieldRow, fieldName])

  const shown = formatIndicatorNumber(value)
  const suffix = unit ? (
    <span className="unit-suffix" id={unitId}>
      {unit}
    </span>
  ) : null
  if (readOnly) {
    return (
      <span className="number-value">
        {shown}
        {shown && suffix}
      </span>
    )
  }

  function store(next: number | null) {
    setError(null)
    setDraft(null)
    draftRef.current = null
    setConflict(null)
    seen.current = next
    if (next !== value) onStore(next)
  }

  function commit(): boolean {
    if (conflict) return false
    if (draft === null) return true
    const result = parseIndicatorNumber(draft)
    if (!result.ok) {
      setError(`indicator.error.${result.code}`)
      return false
    }
    store(result.value)
    return true
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.nativeEvent.isComposing) return
    const target = event.currentTarget
    const caretAtStart = target.selectionStart === 0 && target.selectionEnd === 0
    const caretAtEnd = target.selectionStart === target.value.length && target.selectionEnd === target.value.length
    if (event.key === 'Enter') {
      event.preventDefault()
      if (commit() && cell) nav?.move(cell, 'down')
    } else if (event.key === 'Escape') {
      setDraft(null)
      setError(null)
      setConflict(null)
    } else if (nav && cell && event.key !== 'Tab') {
      const direction = directionOfKey(event.key, event.shiftKey)
      const leaves = direction === 'up' || direction === 'down' || (direction === 'left' && caretAtStart) || (direction === 'right' && caretAtEnd)
      if (direction && leaves && nav.move(cell, direction)) event.preventDefault()
    }
  }

  const by = conflict?.by ?? t('budget.conflict.someone')
  const theirs = conflict ? (conflict.theirs === null ? t('budget.conflict.empty') : formatIndicatorNumber(conflict.theirs)) : ''
  const described = [error ? errorId : null, unit ? unitId : null].filter(Boolean).join(' ')

  return (
    <div className={`value-cell number-cell ${visitors.length ? 'visited' : ''}`} style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}>
      <CellVisitors visitors={visitors} />
      <span className="number-input">
        <input
          ref={input}
          type="text"
          inputMode="decimal"
          aria-label={label}
          aria-invalid={error ? true : undefined}
          aria-describedby={described || undefined}
          value={draft ?? shown}
          onFocus={() => enterCell(session, field)}
          onChange={(e) => setDraft(e.currentTarget.value)}
          onBlur={() => {
            commit()
            leaveCell(session, field)
          }}
          onKeyDown={onKeyDown}
        />
        {suffix}
      </span>
      {error && (
        <span id={errorId} role="alert" className="cell-error">
          {t(error)}
        </span>
      )}
      {conflict && (
        <div className="cell-conflict" role="alert">
          <p>{fill(t('budget.conflict.message'), { name: by, value: theirs })}</p>
          <button type="button" onClick={() => store(conflict.theirs)}>
            {fill(t('budget.conflict.takeTheirs'), { value: theirs })}
          </button>
          <button
            type="button"
            onClick={() => {
              setConflict(null)
              const result = parseIndicatorNumber(draft ?? '')
              if (result.ok) store(result.value)
              else input.current?.focus()
            }}
          >
            {fill(t('budget.conflict.keepMine'), { value: draft ?? '' })}
          </button>
        </div>
      )}
    </div>
  )
}
