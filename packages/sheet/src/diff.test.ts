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
      '施策 3: 担当係名 地域活力共創係 → 地域活力共創係、企画調整係',
      '事務事業 1: 内容「総合計画の着実な推進及び進行管理」→「総合計画の着実な推進及び進行管理の徹底」',
      '事務事業 5: 事業費 227,434 → 230,000',
    ])
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
    expect(summaries).toContain('施策「第6次総合計画（後期基本計画）の推進」: 順位 1 → 5')
    expect(summaries).toContain('事務事業 10: 削除「地域公共交通関連事業」')
    expect(summaries).toContain('行政課題 7: 追加「新しい課題」')
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
