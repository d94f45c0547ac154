import { indicatorLists, indicatorMap, orderedIndicatorIds, orderedRowIds, type RowListName, rowMap } from '@hoshin/sheet'
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
  /** A row list, or 'indicators': then `rowId` is an indicator's id ([S18]), its row found by the navigator. */
  list: RowListName | 'indicators'
  rowId: string
  field: string
}

/** An indicator's fields, left to right, as its sub-table lays them out. */
export const indicatorColumns = ['name', 'unit', 'kind', 'baseline', 'baselineYear', 'target', 'longTermTarget', 'source'] as const

/** The measure or project that holds an indicator. */
export function indicatorRow(doc: Y.Doc, indicatorId: string): { list: 'measures' | 'projects'; rowId: string } | undefined {
  for (const list of indicatorLists) {
    for (const [rowId, row] of rowMap(doc, list)) if (indicatorMap(row)?.has(indicatorId)) return { list, rowId }
  }
  return undefined
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

  /** The cursor waits for `cell` to mount (a row just added): its editor should come at once. */
  awaits(cell: Cell): boolean {
    return this.pending?.key === keyOf(cell)
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
    let ids: string[]
    let cols: readonly string[] | undefined
    if (from.list === 'indicators') {
      const parent = indicatorRow(this.doc, from.rowId)
      ids = parent ? orderedIndicatorIds(rowMap(this.doc, parent.list).get(parent.rowId)) : []
      cols = indicatorColumns
    } else {
      // Only the sheet's own lists: a field elsewhere (an evaluation's) moves with Tab alone.
      cols = (columns as Record<string, readonly string[] | undefined>)[from.list]
      ids = cols ? orderedRowIds(this.doc, from.list) : []
    }
    if (!cols) return undefined
    const here = cols
    const row = ids.indexOf(from.rowId)
    const col = here.indexOf(from.field)
    if (row < 0 || col < 0) return undefined
    const at = (r: number, c: number): Cell | undefined =>
      r >= 0 && r < ids.length && c >= 0 && c < here.length ? { list: from.list, rowId: ids[r]!, field: here[c]! } : undefined
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
        return col + 1 < here.length ? at(row, col + 1) : at(row + 1, 0)
      case 'prev':
        return col > 0 ? at(row, col - 1) : at(row - 1, here.length - 1)
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
