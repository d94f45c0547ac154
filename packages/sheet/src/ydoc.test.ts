import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { kikakuZaisei2025 } from './demo/index.js'
import {
  deleteRow,
  docToSheet,
  insertRow,
  moveRow,
  orderedRowIds,
  readFieldText,
  rowMap,
  sheetToDoc,
  situationFragment,
  touchedFields,
  writeFieldText,
} from './ydoc.js'

/** Two peers that start from the same document and exchange updates only when told to. */
function peers() {
  const a = sheetToDoc(kikakuZaisei2025)
  const b = new Y.Doc()
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  const sync = () => {
    const fromA = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b))
    const fromB = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a))
    Y.applyUpdate(b, fromA)
    Y.applyUpdate(a, fromB)
  }
  return { a, b, sync }
}

function field(doc: Y.Doc, list: 'measures' | 'projects', id: string, name: string): Y.XmlFragment {
  return rowMap(doc, list).get(id)!.get(name) as Y.XmlFragment
}

function firstText(fragment: Y.XmlFragment): Y.XmlText {
  return (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText
}

describe('concurrent editing of the Y.Doc layout', () => {
  it('[S2] merges two people typing into one cell character by character', () => {
    const { a, b, sync } = peers()
    firstText(field(a, 'measures', 'measure-1', 'content')).insert(0, '【Aの追記】')
    const textB = firstText(field(b, 'measures', 'measure-1', 'content'))
    textB.insert(textB.length, '【Bの追記】')
    sync()
    const merged = readFieldText(field(a, 'measures', 'measure-1', 'content'))
    expect(merged).toBe('【Aの追記】総合計画後期基本計画の進行管理及び着実な実施【Bの追記】')
    expect(docToSheet(a)).toEqual(docToSheet(b))
  })

  it('[S7] concurrent moves of the same row never duplicate or lose it', () => {
    const { a, b, sync } = peers()
    moveRow(a, 'projects', 'project-13', { before: 'project-1' })
    moveRow(b, 'projects', 'project-13', { after: 'project-5' })
    sync()
    const ids = orderedRowIds(a, 'projects')
    expect(ids).toEqual(orderedRowIds(b, 'projects'))
    expect(ids).toHaveLength(13)
    expect(new Set(ids).size).toBe(13)
    expect(ids.filter((id) => id === 'project-13')).toHaveLength(1)
    const ranks = docToSheet(a).projects.map((p) => p.rank)
    expect(ranks).toEqual(Array.from({ length: 13 }, (_, i) => i + 1))
  })

  it('[S7] concurrent moves of different rows both take effect', () => {
    const { a, b, sync } = peers()
    moveRow(a, 'measures', 'measure-5', { before: 'measure-1' })
    moveRow(b, 'measures', 'measure-2', { after: 'measure-4' })
    sync()
    expect(orderedRowIds(a, 'measures')).toEqual(['measure-5', 'measure-1', 'measure-3', 'measure-4', 'measure-2'])
    expect(orderedRowIds(b, 'measures')).toEqual(orderedRowIds(a, 'measures'))
  })

  it('[S5][S6] concurrent inserts at the same place both survive, in the same order everywhere', () => {
    const { a, b, sync } = peers()
    const fromA = insertRow(a, 'projects', { name: 'A の事業', budget: 100 }, { after: 'project-2' })
    const fromB = insertRow(b, 'projects', { name: 'B の事業', budget: 200 }, { after: 'project-2' })
    sync()
    const ids = orderedRowIds(a, 'projects')
    expect(ids).toEqual(orderedRowIds(b, 'projects'))
    expect(ids).toHaveLength(15)
    expect(ids.slice(2, 4).sort()).toEqual([fromA, fromB].sort())
    // A later insert between the two (which share a key) lands exactly there.
    const [first, second] = ids.slice(2, 4) as [string, string]
    const between = insertRow(a, 'projects', { name: '間' }, { after: first })
    expect(orderedRowIds(a, 'projects').slice(2, 5)).toEqual([first, between, second])
  })

  it('[S8] a row deleted by one peer stays deleted while the other edits it', () => {
    const { a, b, sync } = peers()
    deleteRow(a, 'projects', 'project-10')
    writeFieldText(field(b, 'projects', 'project-10', 'content'), '計画の見直し')
    sync()
    expect(orderedRowIds(a, 'projects')).not.toContain('project-10')
    expect(docToSheet(b)).toEqual(docToSheet(a))
    expect(docToSheet(a).projects).toHaveLength(12)
  })

  it('[S6] inserts at the end and before a row; new rows get fresh ids', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const last = insertRow(doc, 'issues', { text: '新しい課題' }, 'end')
    const first = insertRow(doc, 'issues', { text: '最優先の課題' }, { before: 'issue-1' })
    const ids = orderedRowIds(doc, 'issues')
    expect(ids[0]).toBe(first)
    expect(ids.at(-1)).toBe(last)
    expect(first).not.toBe(last)
    expect(docToSheet(doc).issues[0]).toEqual({ id: first, text: '最優先の課題' })
  })

  it('[S9] reads a document with missing fields without throwing', () => {
    const doc = new Y.Doc()
    const row = new Y.Map<unknown>()
    doc.getMap('projects').set('x', row)
    row.set('budget', 'not a number')
    const sheet = docToSheet(doc)
    expect(sheet.projects).toEqual([{ id: 'x', rank: 1, name: '', content: '', sections: [], partners: [], budget: null, indicators: [] }])
    expect(sheet.situation).toBe('')
  })
})

describe('[S17] where an edit landed', () => {
  it('names the row and field of typing, a budget, a move, a new and a removed row, and the situation', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const seen: unknown[][] = []
    doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(touchedFields(tr)))
    const content = rowMap(doc, 'projects').get('project-8')!.get('content') as Y.XmlFragment
    ;((content.get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, '追記')
    rowMap(doc, 'projects').get('project-8')!.set('budget', 12000)
    moveRow(doc, 'measures', 'measure-1', { after: 'measure-3' })
    const id = insertRow(doc, 'issues', { text: '新しい課題' })
    deleteRow(doc, 'projects', 'project-2')
    ;((situationFragment(doc).get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'あ')
    expect(seen).toEqual([
      [{ part: 'projects', rowId: 'project-8', field: 'content' }],
      [{ part: 'projects', rowId: 'project-8', field: 'budget' }],
      [{ part: 'measures', rowId: 'measure-1', field: 'order' }],
      [{ part: 'issues', rowId: id, field: 'row' }],
      [{ part: 'projects', rowId: 'project-2', field: 'row' }],
      [{ part: 'situation', rowId: '', field: 'text' }],
    ])
  })
})
