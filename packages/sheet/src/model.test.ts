import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { budgetTotal } from './budget.js'
import { demoDepartments, demoSheets, kikakuZaisei2025, somu2025 } from './demo/index.js'
import { type Sheet, sheetSchema } from './schema.js'
import { docToSheet, sheetToDoc } from './ydoc.js'

describe('the demo sheet is the seed, transcribed', () => {
  const sheet = kikakuZaisei2025
  it('has every part of the seed', () => {
    expect(sheet.department.name).toBe('企画財政課')
    expect(sheet.fiscalYear).toBe(2025)
    expect(sheet.situation.split('\n')).toHaveLength(2)
    expect(sheet.situation).toContain('あたっていなかければ')
    expect(sheet.issues).toHaveLength(6)
    expect(sheet.policies.annual).toHaveLength(5)
    expect(sheet.policies.longTerm).toHaveLength(3)
    expect(sheet.policies.longTerm[0]).toMatchObject({ text: '人口減少社会に相応した施策展開', outcome: '戦略的縮減社会の構築' })
    expect(sheet.measures).toHaveLength(5)
    expect(sheet.projects).toHaveLength(13)
  })

  it('has the budgets totalling 394,502 千円, with 地域公共交通関連事業 blank', () => {
    expect(budgetTotal(sheet.projects)).toBe(394502)
    expect(sheet.projects.map((p) => p.budget)).toEqual([0, 0, 34010, 86200, 227434, 4330, 10000, 10182, 7590, null, 8430, 1676, 4650])
    expect(sheet.projects[9]).toMatchObject({ name: '地域公共交通関連事業', budget: null })
  })

  it('[S12] names only the department’s own sections as 担当係, and 関係課 as a partner', () => {
    const sectionNames = new Set<string>(demoDepartments[0].sections.map((s) => s.name))
    for (const row of [...sheet.measures, ...sheet.projects]) {
      expect(row.sections.length).toBeGreaterThan(0)
      for (const s of row.sections) expect(sectionNames.has(s)).toBe(true)
    }
    expect(sheet.projects[6]!.sections).toEqual(['地域活力共創係', '企画調整係'])
    expect(sheet.projects[2]!.partners).toEqual(['関係課'])
    expect(sheet.measures.map((m) => m.partners)).toEqual([['全課'], ['関係課'], ['関係課'], ['全課'], ['全課']])
  })

  it('[S1] validates against the schema', () => {
    for (const s of demoSheets) expect(sheetSchema.parse(s)).toEqual(s)
  })
})

describe('[S1]–[S4] round trip JSON → Y.Doc → JSON', () => {
  it.each(demoSheets.map((s) => [s.department.name, s] as const))('%s comes back identical', (_name, sheet) => {
    const doc = sheetToDoc(sheet)
    expect(docToSheet(doc)).toEqual(sheet)
  })

  it('survives encoding the document as an update and loading it elsewhere', () => {
    const update = Y.encodeStateAsUpdate(sheetToDoc(kikakuZaisei2025))
    const other = new Y.Doc()
    Y.applyUpdate(other, update)
    expect(docToSheet(other)).toEqual(kikakuZaisei2025)
    expect(sheetSchema.parse(docToSheet(other))).toEqual(kikakuZaisei2025)
  })

  it('[S2] stores each text field as paragraphs Tiptap can bind to', () => {
    const doc = sheetToDoc(kikakuZaisei2025)
    const situation = doc.getXmlFragment('situation')
    expect(situation.length).toBe(2)
    const first = situation.get(0)
    expect(first).toBeInstanceOf(Y.XmlElement)
    expect((first as Y.XmlElement).nodeName).toBe('paragraph')
    expect((first as Y.XmlElement).get(0)).toBeInstanceOf(Y.XmlText)
    const project5 = doc.getMap<Y.Map<unknown>>('projects').get('project-5')!
    expect((project5.get('content') as Y.XmlFragment).length).toBe(2)
  })

  it('[S2] keeps empty lines and empty fields', () => {
    const sheet: Sheet = { ...somu2025, situation: 'a\n\nb', issues: [{ id: 'i', text: '' }] }
    expect(docToSheet(sheetToDoc(sheet))).toEqual(sheet)
  })
})

describe('[S1] the schema refuses malformed sheets, naming the bad field', () => {
  const base = somu2025
  const cases: [string, unknown, (string | number)[]][] = [
    ['a foreign format', { ...base, format: 'other/v1' }, ['format']],
    ['a non-integer budget', { ...base, projects: base.projects.map((p, i) => (i === 1 ? { ...p, budget: 1.5 } : p)) }, ['projects', 1, 'budget']],
    ['a budget as a string', { ...base, projects: base.projects.map((p, i) => (i === 0 ? { ...p, budget: '3,200' } : p)) }, ['projects', 0, 'budget']],
    ['ranks out of order', { ...base, measures: [...base.measures].reverse() }, ['measures', 0, 'rank']],
    ['a missing field', { ...base, measures: base.measures.map(({ partners: _p, ...m }) => m) }, ['measures', 0, 'partners']],
    ['an unknown field', { ...base, extra: 1 }, []],
    ['a duplicate id', { ...base, issues: [base.issues[0], base.issues[0]] }, ['issues', 1, 'id']],
  ]
  it.each(cases)('%s', (_label, input, path) => {
    const result = sheetSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(path)
  })

  it('accepts the published format name and no other', () => {
    // The name files carry (SPEC [S1]): a renamed constant would break every exported file.
    expect(sheetSchema.safeParse({ ...base, format: 'hoshin.sheet/v2' }).success).toBe(true)
    const other = sheetSchema.safeParse({ ...base, format: 'hoshin.sheet/v3' })
    expect(other.success).toBe(false)
    expect(other.error?.issues[0]?.path).toEqual(['format'])
  })
})
