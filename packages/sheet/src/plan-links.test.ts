import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { canonicalJson } from './canonical.js'
import { kikakuZaisei2025 } from './demo/index.js'
import { diffSheets } from './diff.js'
import { diffIndicators } from './indicator-diff.js'
import { parseSheetJson, type Sheet } from './schema.js'
import {
  applySheetToDoc,
  docToSheet,
  insertIndicator,
  insertRow,
  LAYOUT,
  migrateLayout,
  readPlanLinks,
  rowMap,
  setIndicatorKpi,
  setPlanLinks,
  sheetToDoc,
  touchedFields,
  writeFieldText,
} from './ydoc.js'

function linked(): Sheet {
  const sheet = structuredClone(kikakuZaisei2025)
  sheet.measures[0]!.planLinks = ['pm-1-1', 'pm-2-3']
  sheet.projects[2]!.planLinks = ['pm-1-1']
  sheet.measures[1]!.indicators = [
    { id: 'i1', kpi: 'pk-7', name: '移住者数', unit: '人', kind: 'outcome', baseline: 10, baselineYear: 2023, target: 20, longTermTarget: 40, source: '' },
  ]
  return sheet
}

describe('[S21] links to the comprehensive plan', () => {
  it('[S21] a sheet without links has the canonical JSON it had before links existed', () => {
    const json = canonicalJson(docToSheet(sheetToDoc(kikakuZaisei2025)))
    expect(json).not.toContain('planLinks')
    expect(json).not.toContain('"kpi"')
    expect(json).toBe(canonicalJson(kikakuZaisei2025))
  })

  it('[S21] links round-trip JSON → Y.Doc → JSON, and the JSON is valid v2', () => {
    const sheet = linked()
    const back = docToSheet(sheetToDoc(sheet))
    expect(back.measures[0]!.planLinks).toEqual(['pm-1-1', 'pm-2-3'])
    expect(back.projects[2]!.planLinks).toEqual(['pm-1-1'])
    expect(back.measures[1]!.indicators[0]!.kpi).toBe('pk-7')
    expect(back.measures[1]!.planLinks).toBeUndefined()
    expect(canonicalJson(back)).toBe(canonicalJson(sheet))
    const parsed = parseSheetJson(JSON.parse(JSON.stringify(back)))
    expect(parsed.success).toBe(true)
    expect(parseSheetJson({ ...back, measures: back.measures.map((m, i) => (i ? m : { ...m, planLinks: ['a', 'a'] })) }).success).toBe(false)
  })

  it('[S15] applying a sheet sets, changes and removes links with the fewest changes', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const sheet = linked()
    applySheetToDoc(doc, sheet)
    expect(canonicalJson(docToSheet(doc))).toBe(canonicalJson(sheet))
    let updates = 0
    doc.on('update', () => updates++)
    applySheetToDoc(doc, sheet)
    expect(updates).toBe(0)
    applySheetToDoc(doc, kikakuZaisei2025)
    expect(updates).toBe(1)
    expect(canonicalJson(docToSheet(doc))).toBe(canonicalJson(kikakuZaisei2025))
    expect(rowMap(doc, 'measures').get(sheet.measures[0]!.id)!.has('planLinks')).toBe(false)
  })

  it('[S21] setPlanLinks and setIndicatorKpi set the values as a whole and name the field ([S17])', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const id = kikakuZaisei2025.measures[0]!.id
    const fields: string[] = []
    doc.on('afterTransaction', (t: Y.Transaction) => fields.push(...touchedFields(t).map((f) => `${f.part}.${f.field}`)))
    setPlanLinks(doc, 'measures', id, ['x', 'y', 'x'])
    expect(readPlanLinks(rowMap(doc, 'measures').get(id))).toEqual(['x', 'y'])
    expect(fields).toEqual(['measures.planLinks'])
    const indicator = insertIndicator(doc, 'measures', id, { name: '指標' })
    fields.length = 0
    setIndicatorKpi(doc, 'measures', id, indicator, 'k1')
    expect(docToSheet(doc).measures[0]!.indicators[0]!.kpi).toBe('k1')
    expect(fields).toEqual(['measures.indicators'])
    setPlanLinks(doc, 'measures', id, [])
    setIndicatorKpi(doc, 'measures', id, indicator, null)
    const back = docToSheet(doc).measures[0]!
    expect(back.planLinks).toBeUndefined()
    expect(back.indicators[0]!.kpi).toBeUndefined()
  })

  it('[S9] links a peer wrote malformed read as none, duplicates once, past 20 cut', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const row = rowMap(doc, 'measures').get(kikakuZaisei2025.measures[0]!.id)!
    row.set('planLinks', 'not-an-array')
    expect(docToSheet(doc).measures[0]!.planLinks).toBeUndefined()
    row.set('planLinks', [1, '', 'a', 'a', 'x'.repeat(101), ...Array.from({ length: 30 }, (_, i) => `p${i}`)])
    const links = docToSheet(doc).measures[0]!.planLinks!
    expect(links[0]).toBe('a')
    expect(links).toHaveLength(20)
    expect(parseSheetJson(JSON.parse(JSON.stringify(docToSheet(doc)))).success).toBe(true)
  })

  it('[S21] an old client (layout 2, unaware of links) editing the same row never loses or corrupts a link; no migration runs', () => {
    const server = sheetToDoc(kikakuZaisei2025)
    const old = new Y.Doc()
    Y.applyUpdate(old, Y.encodeStateAsUpdate(server))
    const id = kikakuZaisei2025.measures[0]!.id
    setPlanLinks(server, 'measures', id, ['pm-1'])
    // The old client edits the row's name and 担当係名 and adds a row, knowing nothing of planLinks.
    const row = rowMap(old, 'measures').get(id)!
    writeFieldText(row.get('name') as Y.XmlFragment, '名前を変更')
    const sections = new Y.Array<string>()
    row.set('sections', sections)
    sections.push(['企画調整係'])
    const added = insertRow(old, 'measures', { name: '新しい施策' })
    Y.applyUpdate(server, Y.encodeStateAsUpdate(old, Y.encodeStateVector(server)))
    Y.applyUpdate(old, Y.encodeStateAsUpdate(server, Y.encodeStateVector(old)))
    for (const doc of [server, old]) {
      const sheet = docToSheet(doc)
      expect(sheet.measures[0]!.planLinks).toEqual(['pm-1'])
      expect(sheet.measures[0]!.name).toBe('名前を変更')
      expect(sheet.measures.find((m) => m.id === added)!.planLinks).toBeUndefined()
    }
    expect(LAYOUT).toBe(2)
    let wrote = false
    server.on('update', () => (wrote = true))
    expect(migrateLayout(server)).toEqual({ ok: true, from: 2, changed: false })
    expect(wrote).toBe(false)
  })

  it('[S14] the diff names link changes in Japanese, with the plan’s labels when given', () => {
    const a = kikakuZaisei2025
    const b = linked()
    const labels = { measure: (id: string) => ({ 'pm-1-1': '1-1 移住定住の促進' })[id], kpi: (id: string) => (id === 'pk-7' ? '移住者数' : undefined) }
    const changes = diffSheets(a, b, labels)
    const measure = changes.find((c) => c.part === 'measures' && c.field === 'planLinks')!
    expect(measure.summary).toBe(`施策 1 ${a.measures[0]!.name.slice(0, 30)}${a.measures[0]!.name.length > 30 ? '…' : ''} ／ 総合計画の施策: （なし） → 1-1 移住定住の促進、pm-2-3`)
    const withKpi = structuredClone(b)
    delete withKpi.measures[1]!.indicators[0]!.kpi
    const kpi = diffIndicators(withKpi, b, labels).find((c) => c.summary.includes('総合計画の KPI'))!
    expect(kpi.summary).toContain('総合計画の KPI: （なし） → 移住者数')
    expect(diffSheets(b, b)).toEqual([])
  })
})
