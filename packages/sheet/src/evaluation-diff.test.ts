import { describe, expect, it } from 'vitest'
import { diffEvaluations } from './evaluation-diff.js'
import type { EvaluationRow } from './evaluation.js'
import { emptySheet, type Sheet } from './schema.js'

const plan: Sheet = {
  ...emptySheet({ id: 'd', name: '企画財政課' }, 2025),
  measures: [
    { id: 'm1', rank: 1, name: '第6次総合計画（後期基本計画）の推進', content: '', sections: [], partners: [], indicators: [] },
    {
      id: 'm2',
      rank: 2,
      name: '移住定住・二地域居住の推進、関係人口の拡大・創出',
      content: '',
      sections: [],
      partners: [],
      indicators: [{ id: 'i1', name: '移住相談件数', unit: '件', kind: 'outcome', baseline: 100, baselineYear: 2024, target: 120, longTermTarget: null, source: '' }],
    },
  ],
  projects: [{ id: 'p1', rank: 1, name: '実施計画策定業務', content: '', sections: [], partners: [], budget: null, indicators: [] }],
}

const row = (over: Partial<EvaluationRow> & Pick<EvaluationRow, 'kind' | 'rowId'>): EvaluationRow => ({ status: null, actuals: [], done: '', next: '', ...over })
const submitted = [
  row({ kind: 'measure', rowId: 'm1', status: 'onTrack' }),
  row({ kind: 'measure', rowId: 'm2', status: 'onTrack', actuals: [{ indicatorId: 'i1', value: 64, date: '2025-09-30' }], done: '相談会を4回開催した。' }),
  row({ kind: 'project', rowId: 'p1' }),
]

describe('diffEvaluations', () => {
  it('names each row by part, rank and name, the fields and statuses in Japanese', () => {
    const now = [
      row({ kind: 'measure', rowId: 'm1', status: 'onTrack' }),
      row({ kind: 'measure', rowId: 'm2', status: 'below', actuals: [{ indicatorId: 'i1', value: 1200, date: '2025-10-01' }], done: '相談会を5回開催した。', next: '空き家情報を更新する。' }),
      row({ kind: 'project', rowId: 'p1', status: 'unknown' }),
    ]
    expect(diffEvaluations(plan, submitted, now).map((c) => c.summary)).toEqual([
      '施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 評価: 計画どおり → 計画未満',
      '施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 実績値「移住相談件数」: 64 件（2025年9月30日） → 1,200 件（2025年10月1日）',
      '施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 実績: 「相談会を4回開催した。」 → 「相談会を5回開催した。」',
      '施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 課題・改善: （空欄） → 「空き家情報を更新する。」',
      '事務事業 1 実施計画策定業務 ／ 評価: （未評価） → 評価不能',
    ])
    const done = diffEvaluations(plan, submitted, now).find((c) => c.field === 'done')!
    expect(done.label).toBe('施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出 ／ 実績')
    expect(done.parts?.filter((p) => p.op !== 'same').map((p) => `${p.op}:${p.text}`).sort()).toEqual(['del:4', 'ins:5'])
  })

  it('finds nothing when nothing changed, and an emptied value and a negative say so', () => {
    expect(diffEvaluations(plan, submitted, submitted)).toEqual([])
    const now = submitted.map((r) => (r.rowId === 'm2' ? { ...r, actuals: [{ indicatorId: 'i1', value: -3, date: null }] } : r))
    expect(diffEvaluations(plan, submitted, now)[0]?.to).toBe('△3 件')
    const cleared = submitted.map((r) => (r.rowId === 'm2' ? { ...r, status: null, actuals: [{ indicatorId: 'i1', value: null, date: null }] } : r))
    expect(diffEvaluations(plan, submitted, cleared).map((c) => `${c.from} → ${c.to}`)).toEqual(['計画どおり → （未評価）', '64 件（2025年9月30日） → （空欄）'])
  })

  it('cuts a long row name as the plan diff does', () => {
    const long = { ...plan, measures: [{ ...plan.measures[0]!, name: 'あ'.repeat(40) }] }
    const [change] = diffEvaluations(long, [], [row({ kind: 'measure', rowId: 'm1', status: 'above' })])
    expect(change?.label).toBe(`施策 1 ${'あ'.repeat(30)}… ／ 評価`)
  })
})
