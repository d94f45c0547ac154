import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { canonicalJson } from './canonical.js'
import { kikakuZaisei2025 } from './demo/index.js'
import { parseIndicatorNumber, formatIndicatorNumber } from './indicator-value.js'
import { type Indicator, parseSheetJson, SHEET_FORMAT, type Sheet, sheetSchema, storedSheet } from './schema.js'
import {
  applySheetToDoc,
  deleteIndicator,
  docToSheet,
  insertIndicator,
  insertRow,
  LAYOUT,
  layoutOf,
  metaMap,
  migrateLayout,
  rowMap,
  setIndicatorValue,
  sheetToDoc,
  touchedFields,
} from './ydoc.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
/** The demo sheet as the server stored it before indicators (layout 1), and its approved canonical JSON. */
const layout1State = () => new Uint8Array(fixture('kikaku-zaisei-2025.layout1.ydoc'))
const v1Json = () => fixture('kikaku-zaisei-2025.v1.json').toString('utf8')
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

const population: Indicator = {
  id: 'ind-1',
  name: '社会増減数',
  unit: '人',
  kind: 'outcome',
  baseline: -54,
  baselineYear: 2023,
  target: 0,
  longTermTarget: 30.5,
  source: '第6次総合計画 後期基本計画',
}

function withIndicators(): Sheet {
  const sheet = structuredClone(kikakuZaisei2025)
  sheet.measures[1]!.indicators = [population, { ...population, id: 'ind-2', name: '移住相談件数', unit: '件', kind: 'activity', baseline: 120, target: 150, longTermTarget: null, baselineYear: null, source: '' }]
  sheet.projects[2]!.indicators = [{ ...population, id: 'ind-3', name: '受入児童数', unit: '人', baseline: null, target: 12 }]
  return structuredClone(sheet)
}

describe('[S18] indicators', () => {
  it('round-trip through Y.Doc and canonical JSON, in order, and survive a sync to another peer', () => {
    const sheet = withIndicators()
    expect(sheetSchema.parse(sheet)).toEqual(sheet)
    const doc = sheetToDoc(sheet)
    expect(docToSheet(doc)).toEqual(sheet)
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    expect(docToSheet(peer)).toEqual(sheet)
    // Every measure and project has the list, empty when it has none.
    expect(docToSheet(doc).measures[0]!.indicators).toEqual([])
  })

  it('are added, set and removed live, and an import changes only what differs', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const id = insertIndicator(doc, 'measures', 'measure-2', { name: '社会増減数', unit: '人' })
    setIndicatorValue(doc, 'measures', 'measure-2', id, 'target', 12.5)
    const after = docToSheet(doc).measures[1]!.indicators
    expect(after).toEqual([{ id, name: '社会増減数', unit: '人', kind: 'outcome', baseline: null, baselineYear: null, target: 12.5, longTermTarget: null, source: '' }])
    const seen: string[] = []
    doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(...touchedFields(tr).map((f) => `${f.part}/${f.rowId}/${f.field}`)))
    setIndicatorValue(doc, 'measures', 'measure-2', id, 'baseline', 3)
    expect(seen).toEqual(['measures/measure-2/indicators'])
    // An unchanged export imported back writes nothing.
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    applySheetToDoc(doc, docToSheet(doc))
    expect(updates).toEqual([])
    const changed = docToSheet(doc)
    changed.measures[1]!.indicators[0]!.target = 20
    applySheetToDoc(doc, changed)
    expect(docToSheet(doc)).toEqual(changed)
    deleteIndicator(doc, 'measures', 'measure-2', id)
    expect(docToSheet(doc).measures[1]!.indicators).toEqual([])
  })

  it('refuse an indicator without a name and a target of "abc", naming the field', () => {
    const sheet = withIndicators()
    sheet.measures[1]!.indicators[0]!.name = ' '
    expect(sheetSchema.safeParse(sheet).error?.issues[0]).toMatchObject({ path: ['measures', 1, 'indicators', 0, 'name'], message: 'name_required' })
    const junk = withIndicators() as unknown as { measures: { indicators: Record<string, unknown>[] }[] }
    junk.measures[1]!.indicators[0]!.target = 'abc'
    expect(sheetSchema.safeParse(junk).error?.issues[0]?.path).toEqual(['measures', 1, 'indicators', 0, 'target'])
  })

  it('numbers take what the 事業費 cell takes, and decimals', () => {
    expect(parseIndicatorNumber('１，２００')).toEqual({ ok: true, value: 1200 })
    expect(parseIndicatorNumber('△３')).toEqual({ ok: true, value: -3 })
    expect(parseIndicatorNumber('45.5')).toEqual({ ok: true, value: 45.5 })
    expect(parseIndicatorNumber('４５．５')).toEqual({ ok: true, value: 45.5 })
    expect(parseIndicatorNumber('')).toEqual({ ok: true, value: null })
    expect(parseIndicatorNumber('abc')).toMatchObject({ ok: false, code: 'not_a_number' })
    expect(parseIndicatorNumber('1,20')).toMatchObject({ ok: false, code: 'bad_grouping' })
    expect(parseIndicatorNumber('1.23456')).toMatchObject({ ok: false, code: 'too_precise' })
    expect(formatIndicatorNumber(1200)).toBe('1,200')
    expect(formatIndicatorNumber(-3.5)).toBe('△3.5')
  })
})

describe('[S19] formats and layouts', () => {
  it('reads hoshin.sheet/v1 as today’s format, every row with no indicators', () => {
    const v1 = JSON.parse(v1Json())
    expect(v1.format).toBe('hoshin.sheet/v1')
    const read = parseSheetJson(v1)
    expect(read.success).toBe(true)
    expect(read.data).toEqual(kikakuZaisei2025)
    expect(read.data!.format).toBe(SHEET_FORMAT)
    expect(storedSheet(v1Json())).toEqual(kikakuZaisei2025)
    // A v1 file that carries indicators is not v1.
    const mixed = structuredClone(v1)
    mixed.measures[0].indicators = []
    expect(parseSheetJson(mixed).success).toBe(false)
  })

  it('an approved v1 version keeps its SHA-256: its stored JSON is what is hashed, never rewritten', () => {
    const stored = v1Json()
    expect(sha(stored)).toBe('d79bef878b2910235dbbf9896cf4af048765b9d6bd9fd65a9070d9c839a55911')
    // The v1 reader does not change the bytes a version returns; re-serialising v1 gives the same hash.
    expect(sha(canonicalJson(JSON.parse(stored)))).toBe(sha(stored))
  })

  it('migrates the demo sheet as stored before indicators: idempotent, loses nothing, logged as one change', () => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, layout1State())
    expect(layoutOf(doc)).toBe(1)
    const before = docToSheet(doc)
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    expect(migrateLayout(doc)).toEqual({ ok: true, from: 1, changed: true })
    expect(updates).toHaveLength(1)
    expect(layoutOf(doc)).toBe(LAYOUT)
    expect(docToSheet(doc)).toEqual(before)
    for (const list of ['measures', 'projects'] as const) for (const row of rowMap(doc, list).values()) expect(row.get('indicators')).toBeInstanceOf(Y.Map)
    // Again: nothing to do, nothing written.
    expect(migrateLayout(doc)).toEqual({ ok: true, from: 2, changed: false })
    expect(updates).toHaveLength(1)
    // Two servers migrating the same stored state at once converge (the same content either way).
    const other = new Y.Doc()
    Y.applyUpdate(other, layout1State())
    migrateLayout(other)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    expect(docToSheet(doc)).toEqual(before)
    const id = insertIndicator(doc, 'measures', 'measure-1', { name: '指標' })
    expect(docToSheet(doc).measures[0]!.indicators.map((i) => i.id)).toEqual([id])
  })

  it('gives a row made by a layout-1 client its indicators map', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const id = insertRow(doc, 'measures', {})
    rowMap(doc, 'measures').get(id)!.delete('indicators')
    expect(migrateLayout(doc)).toEqual({ ok: true, from: 2, changed: true })
    expect(rowMap(doc, 'measures').get(id)!.get('indicators')).toBeInstanceOf(Y.Map)
  })

  it('leaves a document of a later layout, or a malformed one, exactly as it is', () => {
    for (const [layout, reason] of [[3, 'future'], ['2', 'malformed'], [0, 'malformed']] as const) {
      const doc = sheetToDoc(kikakuZaisei2025)
      metaMap(doc).set('layout', layout)
      const state = Y.encodeStateAsUpdate(doc)
      expect(migrateLayout(doc)).toEqual({ ok: false, reason, layout })
      expect(Y.encodeStateAsUpdate(doc)).toEqual(state)
    }
    const doc = new Y.Doc()
    Y.applyUpdate(doc, layout1State())
    rowMap(doc, 'measures').get('measure-1')!.set('indicators', 'oops')
    const state = Y.encodeStateAsUpdate(doc)
    expect(migrateLayout(doc)).toMatchObject({ ok: false, reason: 'malformed' })
    expect(Y.encodeStateAsUpdate(doc)).toEqual(state)
  })
})
