import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonical.js'
import { kikakuZaisei2025 } from './demo/index.js'
import { diffSheets, diffText } from './diff.js'
import type { Sheet } from './schema.js'

const clone = (s: Sheet): Sheet => JSON.parse(JSON.stringify(s))

describe('[S13] canonical serialisation', () => {
  it('sorts keys at every depth and is stable', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: 'あ' } })).toBe('{"a":{"c":"あ","d":[3,{"e":2,"f":1}]},"b":1}')
    const reordered = JSON.parse(canonicalJson(kikakuZaisei2025)) as Sheet
    expect(canonicalJson(reordered)).toBe(canonicalJson(kikakuZaisei2025))
  })
})

describe('[S14] field-level diff', () => {
  it('names exactly the changed fields, in the sheet’s own terms', () => {
    const after = clone(kikakuZaisei2025)
    after.measures[2]!.sections = ['地域活力共創係', '企画調整係']
    after.projects[4]!.budget = 230000
    after.projects[0]!.content = '総合計画の着実な推進及び進行管理の徹底'
    const changes = diffSheets(kikakuZaisei2025, after)
    expect(changes.map((c) => c.summary)).toEqual([
      '施策 3 官民連携推進による事業展開 ／ 担当係名: 地域活力共創係 → 地域活力共創係、企画調整係',
      '事務事業 1 第6次総合計画（後期基本計画）推進業務 ／ 事務事業の内容: 「総合計画の着実な推進及び進行管理」→「総合計画の着実な推進及び進行管理の徹底」',
      '事務事業 5 デジタル推進業務 ／ 事業費: 227,434 → 230,000',
    ])
    expect(changes[2]!.label).toBe('事務事業 5 デジタル推進業務 ／ 事業費')
    const content = changes[1]!
    expect(content.parts?.filter((p) => p.op !== 'same')).toEqual([{ op: 'ins', text: 'の徹底' }])
  })

  it('reports rows added, removed and moved in rank', () => {
    const after = clone(kikakuZaisei2025)
    const [first] = after.measures.splice(0, 1)
    after.measures.push(first!)
    after.projects.splice(9, 1)
    after.issues.push({ id: 'issue-new', text: '新しい課題' })
    const summaries = diffSheets(kikakuZaisei2025, after).map((c) => c.summary)
    expect(summaries).toContain('施策 5 第6次総合計画（後期基本計画）の推進: 順位 1 → 5')
    expect(summaries).toContain('事務事業 10 地域公共交通関連事業: 削除')
    expect(summaries).toContain('行政課題 7 新しい課題: 追加')
  })

  it('names the row of every field: part, rank and name, as in 「事務事業 8 国勢調査他統計調査業務 ／ 事業費」', () => {
    const after = clone(kikakuZaisei2025)
    after.projects[7]!.budget = 12000
    expect(diffSheets(kikakuZaisei2025, after).map((c) => c.summary)).toEqual(['事務事業 8 国勢調査他統計調査業務 ／ 事業費: 10,182 → 12,000'])
  })

  it('never gives two rows one label: rows of the same name are told apart by their rank', () => {
    const before = clone(kikakuZaisei2025)
    before.projects[1]!.name = before.projects[0]!.name
    const after = clone(before)
    after.projects[0]!.budget = 1
    after.projects[1]!.budget = 2
    const labels = diffSheets(before, after).map((c) => c.label)
    expect(labels).toHaveLength(2)
    expect(new Set(labels).size).toBe(2)
    expect(labels[0]).toMatch(/^事務事業 1 第6次総合計画（後期基本計画）推進業務 ／ 事業費$/)
    expect(labels[1]).toMatch(/^事務事業 2 第6次総合計画（後期基本計画）推進業務 ／ 事業費$/)
  })

  it('cuts a long row name short in the label, and labels a row with no name by part and rank', () => {
    const before = clone(kikakuZaisei2025)
    before.issues[0]!.text = 'あ'.repeat(80)
    before.projects[13] = { ...before.projects[12]!, id: 'blank', rank: 14, name: '', content: '', budget: null }
    const after = clone(before)
    after.issues[0]!.text = `${'あ'.repeat(80)}い`
    after.projects[13]!.budget = 5
    const labels = diffSheets(before, after).map((c) => c.label)
    expect(labels).toEqual([`行政課題 1 ${'あ'.repeat(30)}… ／ 内容`, '事務事業 14 ／ 事業費'])
  })

  it('diffs Japanese text word by word', () => {
    const parts = diffText('人口減少のスピードを鈍化させる', '人口減少の速度を鈍化させる')
    expect(parts.filter((p) => p.op === 'del').map((p) => p.text).join('')).toBe('スピード')
    expect(parts.filter((p) => p.op === 'ins').map((p) => p.text).join('')).toBe('速度')
    expect(parts.filter((p) => p.op !== 'del').map((p) => p.text).join('')).toBe('人口減少の速度を鈍化させる')
  })

  it('finds nothing between equal sheets', () => {
    expect(diffSheets(kikakuZaisei2025, clone(kikakuZaisei2025))).toEqual([])
  })
})

describe('[S15] applying an imported sheet', () => {
  it('changes nothing when the sheet is unchanged, and exactly the edits otherwise', async () => {
    const { sheetToDoc, docToSheet, applySheetToDoc } = await import('./ydoc.js')
    const Y = await import('yjs')
    const doc = sheetToDoc(kikakuZaisei2025)
    const before = Y.encodeStateVector(doc)
    applySheetToDoc(doc, clone(kikakuZaisei2025))
    expect(Y.encodeStateVector(doc)).toEqual(before)

    const edited = clone(kikakuZaisei2025)
    edited.projects[0]!.budget = 12
    edited.measures.reverse().forEach((m, i) => {
      m.rank = i + 1
    })
    edited.issues.push({ id: 'issue-7', text: '追加' })
    edited.policies.annual.splice(0, 1)
    applySheetToDoc(doc, edited)
    expect(docToSheet(doc)).toEqual(edited)
  })
})
