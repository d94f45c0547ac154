import type { DragEvent } from 'react'
import type { RowListName } from '@hoshin/sheet'
import type * as Y from 'yjs'
import { useI18n } from '../i18n/I18nProvider'
import { rowOps } from './rows'

interface Props {
  doc: Y.Doc
  list: RowListName
  ids: string[]
  index: number
  label: string
  onDeleted: (label: string) => void
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

/** Rank handle (drag), move up / down (keyboard), delete. Rank follows order. */
export function RowControls({ doc, list, ids, index, label, onDeleted }: Props) {
  const { t } = useI18n()
  const id = ids[index]!
  return (
    <span className="row-controls">
      <span
        className="drag-handle"
        draggable
        title={t('editor.drag')}
        aria-hidden="true"
        onDragStart={(event) => {
          event.dataTransfer.setData(`${DRAG_TYPE}-${list}`, id)
          event.dataTransfer.effectAllowed = 'move'
        }}
      >
        ⠿
      </span>
      <button
        type="button"
        className="icon"
        aria-label={`${label} ${t('editor.moveUp')}`}
        disabled={index === 0}
        onClick={() => rowOps.move(doc, list, id, { before: ids[index - 1] })}
      >
        ↑
      </button>
      <button
        type="button"
        className="icon"
        aria-label={`${label} ${t('editor.moveDown')}`}
        disabled={index === ids.length - 1}
        onClick={() => rowOps.move(doc, list, id, { after: ids[index + 1] })}
      >
        ↓
      </button>
      <button
        type="button"
        className="icon danger"
        aria-label={`${label} ${t('editor.delete')}`}
        onClick={() => {
          rowOps.remove(doc, list, id)
          onDeleted(label)
        }}
      >
        ×
      </button>
    </span>
  )
}
