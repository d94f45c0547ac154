import { insertRow, orderedRowIds, sheetToDoc } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import { describe, expect, it } from 'vitest'
import { FieldNavigator } from './fieldNav'

describe('moving between the sheet’s cells', () => {
  const doc = sheetToDoc(kikakuZaisei2025)
  const nav = new FieldNavigator(doc)
  const measures = orderedRowIds(doc, 'measures')
  const projects = orderedRowIds(doc, 'projects')

  it('goes up and down a column and across a row, and stops at the table’s edges', () => {
    const first = { list: 'measures' as const, rowId: measures[0]!, field: 'name' }
    expect(nav.neighbour(first, 'down')).toEqual({ list: 'measures', rowId: measures[1], field: 'name' })
    expect(nav.neighbour(first, 'right')).toEqual({ list: 'measures', rowId: measures[0], field: 'content' })
    expect(nav.neighbour(first, 'up')).toBeUndefined()
    expect(nav.neighbour(first, 'left')).toBeUndefined()
    const lastBudget = { list: 'projects' as const, rowId: projects.at(-1)!, field: 'budget' }
    expect(nav.neighbour(lastBudget, 'down')).toBeUndefined()
    expect(nav.neighbour(lastBudget, 'right')).toBeUndefined()
    expect(nav.neighbour(lastBudget, 'left')).toEqual({ list: 'projects', rowId: projects.at(-1), field: 'partners' })
  })

  it('puts the cursor in a field that mounts after it was asked for (a row just added)', () => {
    const id = insertRow(doc, 'issues', {}, 'end')
    const seen: string[] = []
    nav.focus({ list: 'issues', rowId: id, field: 'text' }, 'start')
    const unregister = nav.register({ list: 'issues', rowId: id, field: 'text' }, (at) => seen.push(at))
    expect(seen).toEqual(['start'])
    // A request is used once: the field mounting again (a re-render) does not take the cursor back.
    unregister()
    nav.register({ list: 'issues', rowId: id, field: 'text' }, (at) => seen.push(at))
    expect(seen).toEqual(['start'])
  })

  it('moves to the end of a field above or to the left, to the start below or to the right', () => {
    const seen: string[] = []
    nav.register({ list: 'measures', rowId: measures[0]!, field: 'name' }, (at) => seen.push(`0:${at}`))
    nav.register({ list: 'measures', rowId: measures[1]!, field: 'name' }, (at) => seen.push(`1:${at}`))
    expect(nav.move({ list: 'measures', rowId: measures[0]!, field: 'name' }, 'down')).toBe(true)
    expect(nav.move({ list: 'measures', rowId: measures[1]!, field: 'name' }, 'up')).toBe(true)
    expect(nav.move({ list: 'measures', rowId: measures[0]!, field: 'name' }, 'up')).toBe(false)
    expect(seen).toEqual(['1:start', '0:end'])
  })
})
