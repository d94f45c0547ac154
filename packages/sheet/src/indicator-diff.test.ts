import { describe, expect, it } from 'vitest'
import { diffIndicators } from './indicator-diff.js'
import { emptySheet, type Indicator, type Sheet } from './schema.js'

const indicator = (over: Partial<Indicator> = {}): Indicator => ({
  id: 'i1',
  name: '出生数',
  unit: '人',
  kind: 'outcome',
  baseline: 100,
  baselineYear: 2024,
  target: 120,
  longTermTarget: null,
  source: '',
  ...over,
})

function sheet(indicators: Indicator[]): Sheet {
  return {
    ...emptySheet({ id: 'd', name: '企画財政課' }, 2025),
    measures: [{ id: 'm1', rank: 1, name: '子育て支援', content: '', sections: [], partners: [], indicators }],
  }
}

describe('diffIndicators', () => {
  it('names the row, the indicator and the column in Japanese', () => {
    const a = sheet([indicator()])
    const b = sheet([indicator({ target: 125.5, baselineYear: 2019, kind: 'activity' }), indicator({ id: 'i2', name: '婚姻数' })])
    expect(diffIndicators(a, b).map((c) => c.summary)).toEqual([
      '施策 1 子育て支援 ／ 成果指標「出生数」の 種別: 成果 → 活動',
      '施策 1 子育て支援 ／ 成果指標「出生数」の 基準年度: 令和6年度 → 令和元年度',
      '施策 1 子育て支援 ／ 成果指標「出生数」の 目標値: 120 → 125.5',
      '施策 1 子育て支援 ／ 成果指標「婚姻数」: 追加',
    ])
    expect(diffIndicators(b, a).map((c) => c.summary)).toContain('施策 1 子育て支援 ／ 成果指標「婚姻数」: 削除')
    expect(diffIndicators(a, a)).toEqual([])
  })

  it('says when the order changed, and negatives with △', () => {
    const a = sheet([indicator(), indicator({ id: 'i2', name: '婚姻数' })])
    const b = sheet([indicator({ id: 'i2', name: '婚姻数' }), indicator({ baseline: -3 })])
    expect(diffIndicators(a, b).map((c) => c.summary)).toEqual([
      '施策 1 子育て支援 ／ 成果指標「出生数」の 基準値: 100 → △3',
      '施策 1 子育て支援 ／ 成果指標: 並び順を変更',
    ])
  })
})
