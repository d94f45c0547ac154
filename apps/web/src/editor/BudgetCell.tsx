import { formatBudget, parseBudgetCell } from '@hoshin/sheet'
import { type KeyboardEvent, useId, useState } from 'react'
import type * as Y from 'yjs'
import type { MessageKey } from '../i18n/catalog'
import { useI18n } from '../i18n/I18nProvider'
import { useYValue } from './useY'
import { rowOps } from './rows'

interface Props {
  doc: Y.Doc
  row: Y.Map<unknown>
  rowId: string
  label: string
  readOnly: boolean
}

/**
 * 事業費 in 千円. Typed as staff type it (３４，０１０, △54,317, with the IME on); stored as a number when
 * the cell is left or Enter is pressed. Junk is refused inline and never written.
 */
export function BudgetCell({ doc, row, rowId, label, readOnly }: Props) {
  const { t } = useI18n()
  const value = useYValue<number | null>(row, 'budget') ?? null
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<MessageKey | null>(null)
  const errorId = useId()
  const shown = value === null ? '' : formatBudget(value)

  if (readOnly) return <span>{shown}</span>

  function commit() {
    if (draft === null) return
    const result = parseBudgetCell(draft)
    if (!result.ok) {
      setError(`budget.error.${result.code}`)
      return
    }
    setError(null)
    setDraft(null)
    if (result.value !== value) rowOps.setBudget(doc, rowId, result.value)
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    // Enter that confirms an IME conversion is not a commit.
    if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
      event.preventDefault()
      commit()
    } else if (event.key === 'Escape') {
      setDraft(null)
      setError(null)
    }
  }

  return (
    <div className="budget-cell">
      <input
        type="text"
        inputMode="numeric"
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={draft ?? shown}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={onKeyDown}
      />
      {error && (
        <span id={errorId} role="alert" className="cell-error">
          {t(error)}
        </span>
      )}
    </div>
  )
}
