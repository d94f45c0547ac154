import { useEffect, useState } from 'react'
import type { SheetSession } from '../sync/useSheetSession'
import type { FieldRef } from './CollabText'

export interface CellVisitor {
  clientId: number
  name: string
  color: string
}

const sameField = (a: FieldRef | null | undefined, b: FieldRef) => !!a && a.list === b.list && a.rowId === b.rowId && a.field === b.field

/** Says, through presence, that this person is in `field` (a cell without a text caret: 事業費, the pickers). */
export function enterCell(session: SheetSession, field: FieldRef): void {
  session.provider.awareness.setLocalStateField('editing', field)
}

export function leaveCell(session: SheetSession, field: FieldRef): void {
  const awareness = session.provider.awareness
  if (sameField(awareness.getLocalState()?.editing as FieldRef | undefined, field)) awareness.setLocalStateField('editing', null)
}

/** The others in `field` now, by presence. */
export function useCellVisitors(session: SheetSession, field: FieldRef): CellVisitor[] {
  const [visitors, setVisitors] = useState<CellVisitor[]>([])
  const { list, rowId, field: name } = field
  useEffect(() => {
    const awareness = session.provider.awareness
    const here = { list, rowId, field: name }
    const read = () => {
      const found: CellVisitor[] = []
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === awareness.clientID || !sameField(state.editing as FieldRef | undefined, here)) continue
        const user = state.user as { name?: string; color?: string } | undefined
        if (user?.name) found.push({ clientId, name: user.name, color: user.color ?? '#37474f' })
      }
      setVisitors((old) => (old.map((v) => v.clientId).join() === found.map((v) => v.clientId).join() && old.every((v, i) => v.name === found[i]?.name) ? old : found))
    }
    read()
    awareness.on('change', read)
    return () => awareness.off('change', read)
  }, [session, list, rowId, name])
  return visitors
}

/** Name tags of the others in a cell, in their colours, above the cell's own box (as a caret's label). */
export function CellVisitors({ visitors }: { visitors: CellVisitor[] }) {
  if (!visitors.length) return null
  return (
    <span className="cell-visitors">
      {visitors.map((v) => (
        <span key={v.clientId} className="cell-visitor" style={{ background: v.color }} data-testid="cell-visitor">
          {v.name}
        </span>
      ))}
    </span>
  )
}
