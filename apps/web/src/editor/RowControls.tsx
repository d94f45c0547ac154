import type { RowListName } from '@hoshin/sheet'
import { type DragEvent, type KeyboardEvent, type ReactNode, useLayoutEffect, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { useI18n } from '../i18n/I18nProvider'
import { CloseIcon, DownIcon, GripIcon, UpIcon } from './icons'
import { rowOps } from './rows'

interface Props {
  doc: Y.Doc
  list: RowListName
  ids: string[]
  index: number
  label: string
  onDeleted: (label: string) => void
  readOnly: boolean
  /** The row's comment button, last in the toolbar. */
  children?: ReactNode
}

const DRAG_TYPE = 'application/x-hoshin-row'

/** Drag handlers for a row: drop a dragged row of the same list before (or, moving down, after) this one. */
export function dropTarget(doc: Y.Doc, list: RowListName, ids: string[], targetId: string) {
  return {
    onDragOver: (event: DragEvent) => {
      if (event.dataTransfer.types.includes(`${DRAG_TYPE}-${list}`)) event.preventDefault()
    },
    onDrop: (event: DragEvent) => {
      const dragged = event.dataTransfer.getData(`${DRAG_TYPE}-${list}`)
      if (!dragged || dragged === targetId) return
      event.preventDefault()
      const down = ids.indexOf(dragged) < ids.indexOf(targetId)
      rowOps.move(doc, list, dragged, down ? { after: targetId } : { before: targetId })
    },
  }
}

/**
 * A row's tools: rank handle (drag), move up / down, delete, comment. One Tab stop for the whole row
 * (a toolbar: ← → move between its buttons), shown when the row is hovered or holds the focus, so that
 * Tab goes through a table's cells rather than through nine buttons a row.
 */
export function RowControls({ doc, list, ids, index, label, onDeleted, readOnly, children }: Props) {
  const { t } = useI18n()
  const id = ids[index]!
  const bar = useRef<HTMLSpanElement>(null)
  const [current, setCurrent] = useState(0)

  const buttons = () => Array.from(bar.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])
  // Roving tab stop: exactly one enabled button is reachable by Tab (the one used last, else the first).
  useLayoutEffect(() => {
    const all = buttons()
    const active = Math.min(current, all.length - 1)
    for (const [i, button] of all.entries()) button.tabIndex = i === active ? 0 : -1
    for (const button of bar.current?.querySelectorAll<HTMLButtonElement>('button:disabled') ?? []) button.tabIndex = -1
  })

  function onKeyDown(event: KeyboardEvent) {
    const all = buttons()
    const at = all.indexOf(document.activeElement as HTMLButtonElement)
    if (at < 0) return
    const next =
      event.key === 'ArrowRight' ? (at + 1) % all.length : event.key === 'ArrowLeft' ? (at - 1 + all.length) % all.length : event.key === 'Home' ? 0 : event.key === 'End' ? all.length - 1 : -1
    if (next < 0) return
    event.preventDefault()
    setCurrent(next)
    all[next]?.focus()
  }

  return (
    <span
      ref={bar}
      className="row-controls"
      role="toolbar"
      aria-label={`${label} ${t('editor.rowTools')}`}
      onKeyDown={onKeyDown}
      onFocus={(event) => {
        const at = buttons().indexOf(event.target as HTMLButtonElement)
        if (at >= 0 && at !== current) setCurrent(at)
      }}
    >
      {!readOnly && (
        <>
          <span
            className="drag-handle row-tool"
            draggable
            title={t('editor.drag')}
            aria-hidden="true"
            onDragStart={(event) => {
              event.dataTransfer.setData(`${DRAG_TYPE}-${list}`, id)
              event.dataTransfer.effectAllowed = 'move'
            }}
          >
            <GripIcon />
          </span>
          <button
            type="button"
            className="icon row-tool"
            aria-label={`${label} ${t('editor.moveUp')}`}
            title={t('editor.moveUp')}
            disabled={index === 0}
            onClick={() => rowOps.move(doc, list, id, { before: ids[index - 1] })}
          >
            <UpIcon />
          </button>
          <button
            type="button"
            className="icon row-tool"
            aria-label={`${label} ${t('editor.moveDown')}`}
            title={t('editor.moveDown')}
            disabled={index === ids.length - 1}
            onClick={() => rowOps.move(doc, list, id, { after: ids[index + 1] })}
          >
            <DownIcon />
          </button>
          <button
            type="button"
            className="icon danger row-tool"
            aria-label={`${label} ${t('editor.delete')}`}
            title={t('editor.delete')}
            onClick={() => {
              rowOps.remove(doc, list, id)
              onDeleted(label)
            }}
          >
            <CloseIcon />
          </button>
        </>
      )}
      {children}
    </span>
  )
}
