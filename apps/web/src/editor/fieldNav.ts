import { orderedRowIds, type RowListName } from '@hoshin/sheet'
import { createContext, useContext } from 'react'
import type * as Y from 'yjs'

/** Where the cursor lands in a field it moves into. */
export type Edge = 'start' | 'end'

/**
 * Moves across the sheet, as in a spreadsheet: up and down the rows of the same column, left and right
 * (and Tab) across the columns of a row.
 */
export type Direction = 'up' | 'down' | 'left' | 'right' | 'next' | 'prev'

export interface Cell {
  list: RowListName
  rowId: string
  field: string
}

/** The fields of each list's rows, left to right, as the editor lays them out. */
export const columns: Record<RowListName, readonly string[]> = {
  issues: ['text'],
  annualPolicies: ['text'],
  longTermPolicies: ['text', 'outcome'],
  measures: ['name', 'content', 'sections', 'partners'],
  projects: ['name', 'content', 'sections', 'partners', 'budget'],
}

const keyOf = (cell: Cell) => `${cell.list}:${cell.rowId}:${cell.field}`

/**
 * The sheet's fields by row and column, so that the cursor can be put in one: a row just added (its
 * editor mounts a moment later, so the request waits for it), or the cell an arrow key, Enter or Tab
 * moves to. Each field registers how it takes the focus while it is mounted.
 */
export class FieldNavigator {
  private readonly fields = new Map<string, (at: Edge) => void>()
  private pending: { key: string; at: Edge } | null = null

  constructor(private readonly doc: Y.Doc) {}

  register(cell: Cell, focus: (at: Edge) => void): () => void {
    const key = keyOf(cell)
    this.fields.set(key, focus)
    if (this.pending?.key === key) {
      const { at } = this.pending
      this.pending = null
      focus(at)
    }
    return () => {
      if (this.fields.get(key) === focus) this.fields.delete(key)
    }
  }

  /** Puts the cursor in `cell` now, or as soon as its field mounts. */
  focus(cell: Cell, at: Edge = 'start'): void {
    const focus = this.fields.get(keyOf(cell))
    if (focus) {
      this.pending = null
      focus(at)
    } else {
      this.pending = { key: keyOf(cell), at }
    }
  }

  /** The cell next to `from` in `direction`, or undefined at the edge of its list. */
  neighbour(from: Cell, direction: Direction): Cell | undefined {
    const ids = orderedRowIds(this.doc, from.list)
    const cols = columns[from.list]
    const row = ids.indexOf(from.rowId)
    const col = cols.indexOf(from.field)
    if (row < 0 || col < 0) return undefined
    const at = (r: number, c: number): Cell | undefined =>
      r >= 0 && r < ids.length && c >= 0 && c < cols.length ? { list: from.list, rowId: ids[r]!, field: cols[c]! } : undefined
    switch (direction) {
      case 'up':
        return at(row - 1, col)
      case 'down':
        return at(row + 1, col)
      case 'left':
        return at(row, col - 1)
      case 'right':
        return at(row, col + 1)
      case 'next':
        return col + 1 < cols.length ? at(row, col + 1) : at(row + 1, 0)
      case 'prev':
        return col > 0 ? at(row, col - 1) : at(row - 1, cols.length - 1)
    }
  }

  /** Moves the cursor; false (nothing done) at the edge, so the key keeps its usual meaning there. */
  move(from: Cell, direction: Direction): boolean {
    const target = this.neighbour(from, direction)
    if (!target) return false
    this.focus(target, direction === 'up' || direction === 'left' || direction === 'prev' ? 'end' : 'start')
    return true
  }
}

export const FieldNavContext = createContext<FieldNavigator | null>(null)

export function useFieldNav(): FieldNavigator | null {
  return useContext(FieldNavContext)
}

/** The move a key asks for in a one-line cell (budget, pickers), or undefined. */
export function directionOfKey(key: string, shift: boolean): Direction | undefined {
  switch (key) {
    case 'ArrowUp':
      return 'up'
    case 'ArrowDown':
      return 'down'
    case 'ArrowLeft':
      return 'left'
    case 'ArrowRight':
      return 'right'
    case 'Tab':
      return shift ? 'prev' : 'next'
    default:
      return undefined
  }
}
