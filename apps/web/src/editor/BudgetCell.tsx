import { BUDGET_CONFIRM_ABOVE, formatBudget, parseBudgetCell } from '@hoshin/sheet'
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { Modal } from '../app/Modal'
import type { MessageKey } from '../i18n/catalog'
import { fill } from '../i18n/fill'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import { CellVisitors, enterCell, leaveCell, useCellVisitors } from './cellPresence'
import { directionOfKey, useFieldNav } from './fieldNav'
import { rowOps } from './rows'
import { useYValue } from './useY'

interface Props {
  session: SheetSession
  row: Y.Map<unknown>
  rowId: string
  label: string
  readOnly: boolean
}

/** Someone else stored a value while this person was typing one. */
interface Conflict {
  theirs: number | null
  by: string | null
}

/**
 * 事業費 in 千円. Typed as staff type it (３４，０１０, △54,317, with the IME on); stored as a number when
 * the cell is left or Enter is pressed. Junk is refused inline and never written. Who else is in the
 * cell shows on it; when one of them stores a value while this person is typing, neither value wins
 * silently: both are shown and the person chooses. An amount past BUDGET_CONFIRM_ABOVE is confirmed first.
 */
export function BudgetCell({ session, row, rowId, label, readOnly }: Props) {
  const { t } = useI18n()
  const { doc } = session
  const value = useYValue<number | null>(row, 'budget') ?? null
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<MessageKey | null>(null)
  const [conflict, setConflict] = useState<Conflict | null>(null)
  const [confirming, setConfirming] = useState<number | null>(null)
  const errorId = useId()
  const input = useRef<HTMLInputElement>(null)
  const nav = useFieldNav()
  const field = { list: 'projects', rowId, field: 'budget' }
  const visitors = useCellVisitors(session, field)
  const shown = value === null ? '' : formatBudget(value)

  // Who was in this cell last: the likely author of a change that arrives (their presence may already be gone).
  const lastVisitor = useRef<string | null>(null)
  if (visitors[0]) lastVisitor.current = visitors[0].name
  const draftRef = useRef(draft)
  draftRef.current = draft
  useEffect(() => {
    const onChange = (event: Y.YMapEvent<unknown>, transaction: Y.Transaction) => {
      if (transaction.local || !event.keysChanged.has('budget') || draftRef.current === null) return
      setConflict({ theirs: (row.get('budget') as number | null | undefined) ?? null, by: lastVisitor.current })
    }
    row.observe(onChange)
    return () => row.unobserve(onChange)
  }, [row])

  useEffect(() => {
    if (readOnly) return
    const here = { list: 'projects', rowId, field: 'budget' }
    const unregister = nav?.register({ list: 'projects', rowId, field: 'budget' }, () => input.current?.focus())
    return () => {
      unregister?.()
      leaveCell(session, here)
    }
  }, [session, nav, rowId, readOnly])

  if (readOnly) return <span>{shown}</span>

  // Back to the amount to correct it, once the dialog has given the focus back to where it came from.
  const refocus = () => requestAnimationFrame(() => input.current?.focus())

  function store(next: number | null) {
    setError(null)
    setDraft(null)
    setConflict(null)
    setConfirming(null)
    if (next !== value) rowOps.setBudget(doc, rowId, next)
  }

  /** Stores the draft unless it is junk, someone else's value is waiting for a choice, or it needs confirming. */
  function commit(): boolean {
    if (conflict || confirming !== null) return false
    if (draft === null) return true
    const result = parseBudgetCell(draft)
    if (!result.ok) {
      setError(`budget.error.${result.code}`)
      return false
    }
    if (result.value !== null && Math.abs(result.value) > BUDGET_CONFIRM_ABOVE && result.value !== value) {
      setConfirming(result.value)
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
    // Enter that confirms an IME conversion is not a commit (isComposing above).
    if (event.key === 'Enter') {
      event.preventDefault()
      if (commit()) nav?.move({ list: 'projects', rowId, field: 'budget' }, 'down')
    } else if (event.key === 'Escape') {
      setDraft(null)
      setError(null)
      setConflict(null)
    } else if (nav && event.key !== 'Tab') {
      const direction = directionOfKey(event.key, event.shiftKey)
      const leaves = direction === 'up' || direction === 'down' || (direction === 'left' && caretAtStart) || (direction === 'right' && caretAtEnd)
      if (direction && leaves && nav.move({ list: 'projects', rowId, field: 'budget' }, direction)) event.preventDefault()
    }
  }

  const by = conflict?.by ?? t('budget.conflict.someone')
  const theirs = conflict ? (conflict.theirs === null ? t('budget.conflict.empty') : formatBudget(conflict.theirs)) : ''

  return (
    <div className={`budget-cell ${visitors.length ? 'visited' : ''}`} style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}>
      <CellVisitors visitors={visitors} />
      <input
        ref={input}
        type="text"
        inputMode="numeric"
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={draft ?? shown}
        onFocus={() => enterCell(session, field)}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={() => {
          commit()
          leaveCell(session, field)
        }}
        onKeyDown={onKeyDown}
      />
      {error && (
        <span id={errorId} role="alert" className="cell-error">
          {t(error)}
        </span>
      )}
      {conflict && (
        <div className="cell-conflict" role="alert" data-testid="budget-conflict">
          <p>{fill(t('budget.conflict.message'), { name: by, value: theirs })}</p>
          <button type="button" onClick={() => store(conflict.theirs)}>
            {fill(t('budget.conflict.takeTheirs'), { value: theirs })}
          </button>
          <button
            type="button"
            onClick={() => {
              setConflict(null)
              const result = parseBudgetCell(draft ?? '')
              if (result.ok) store(result.value)
              else input.current?.focus()
            }}
          >
            {fill(t('budget.conflict.keepMine'), { value: draft ?? '' })}
          </button>
        </div>
      )}
      {confirming !== null && (
        <Modal
          title={t('budget.confirm.title')}
          onClose={() => {
            setConfirming(null)
            refocus()
          }}
        >
          <p>{fill(t('budget.confirm.message'), { label, value: formatBudget(confirming) })}</p>
          <div className="modal-actions">
            <button
              type="button"
              data-autofocus
              onClick={() => {
                setConfirming(null)
                refocus()
              }}
            >
              {t('budget.confirm.fix')}
            </button>
            <button type="button" onClick={() => store(confirming)}>
              {t('budget.confirm.ok')}
            </button>
          </div>
        </Modal>
      )}
    </div>
  )
}
