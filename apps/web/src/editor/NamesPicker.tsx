import { type KeyboardEvent, useEffect, useId, useRef } from 'react'
import type * as Y from 'yjs'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import type { FieldRef } from './CollabText'
import { CellVisitors, enterCell, leaveCell, useCellVisitors } from './cellPresence'
import { type Cell, directionOfKey, useFieldNav } from './fieldNav'
import { rowOps } from './rows'
import { useYStrings } from './useY'

interface Props {
  session: SheetSession
  cell: Cell
  array: Y.Array<string> | undefined
  options: string[]
  label: string
  readOnly: boolean
  /** How a stored value reads (連携課 store department ids, [S12]); values read as themselves by default. */
  labelOf?: (value: string) => string
}

/**
 * A multi-choice cell (担当係名, 連携課名): the chosen names one per line, a checklist to change them.
 * Each tick is stored at once; who else has the cell open shows on it. Closed, the arrow keys move to
 * the neighbouring cells as in the rest of the table.
 */
export function NamesPicker({ session, cell, array, options, label, readOnly, labelOf = (value) => value }: Props) {
  const { t } = useI18n()
  const { doc } = session
  const chosen = useYStrings(array)
  const listId = useId()
  const nav = useFieldNav()
  const details = useRef<HTMLDetailsElement>(null)
  const summary = useRef<HTMLElement>(null)
  const field: FieldRef = cell
  const visitors = useCellVisitors(session, field)
  const { list, rowId, field: name } = cell
  // Names chosen earlier that are no longer in the directory stay visible and removable.
  const all = [...options, ...chosen.filter((n) => !options.includes(n))]

  useEffect(() => {
    if (readOnly || !nav) return
    return nav.register({ list, rowId, field: name }, () => summary.current?.focus())
  }, [nav, list, rowId, name, readOnly])
  useEffect(() => () => leaveCell(session, { list, rowId, field: name }), [session, list, rowId, name])

  const names = (
    <span className="names">
      {chosen.length ? (
        chosen.map((n) => (
          <span key={n} className="line">
            {labelOf(n)}
          </span>
        ))
      ) : (
        <span className="muted">{t('editor.none')}</span>
      )}
    </span>
  )
  if (readOnly || !array) return names

  function toggle(n: string, on: boolean) {
    if (!array) return
    // Keep the order people chose; a new name goes last.
    const next = on ? [...chosen.filter((c) => c !== n), n] : chosen.filter((c) => c !== n)
    rowOps.setNames(doc, array, next)
  }

  function onKeyDown(event: KeyboardEvent) {
    if (details.current?.open) {
      if (event.key === 'Escape') {
        details.current.open = false
        event.preventDefault()
        summary.current?.focus()
      }
      return
    }
    if (event.target !== summary.current) return
    const direction = event.key === 'Tab' ? undefined : directionOfKey(event.key, event.shiftKey)
    if (direction && nav?.move(cell, direction)) event.preventDefault()
  }

  return (
    <details
      ref={details}
      className={`picker ${visitors.length ? 'visited' : ''}`}
      style={visitors[0] ? { outlineColor: visitors[0].color } : undefined}
      onFocus={() => enterCell(session, field)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) {
          leaveCell(session, field)
          event.currentTarget.open = false
        }
      }}
      onKeyDown={onKeyDown}
    >
      <summary ref={summary} aria-label={`${label}: ${chosen.map(labelOf).join('、') || t('editor.none')}`}>
        <CellVisitors visitors={visitors} />
        {names}
      </summary>
      <fieldset id={listId}>
        <legend>{label}</legend>
        {all.map((n) => (
          <label key={n}>
            <input type="checkbox" checked={chosen.includes(n)} onChange={(e) => toggle(n, e.currentTarget.checked)} />
            {labelOf(n)}
          </label>
        ))}
      </fieldset>
    </details>
  )
}
