import { describe, expect, it } from 'vitest'
import { kikakuZaisei2025 } from './demo/index.js'
import { sheetHeaderFields } from './print-header.js'

describe('the printed header (issue 19)', () => {
  it('gives 課長名, 職員数, 予算規模 as the sum of 事業費 in 千円 (blanks skipped) and the approval day in the town', () => {
    const fields = sheetHeaderFields(kikakuZaisei2025, { headName: '佐藤 健一', staffCount: 1234, approvedAt: '2026-05-29T22:19:00Z' }, 'Asia/Tokyo')
    expect(fields).toEqual([
      { label: '課長名', value: '佐藤 健一' },
      { label: '職員数', value: '1,234人' },
      // The seed's 13 budgets, 地域公共交通関連事業 blank.
      { label: '予算規模', value: '394,502千円' },
      // 22:19 UTC is the next morning in Japan.
      { label: '承認日', value: '2026年5月30日' },
    ])
  })

  it('leaves unknown fields blank, says 未承認 for a draft and writes negatives with △', () => {
    const fields = sheetHeaderFields({ projects: [{ budget: -500 }, { budget: null }] }, { headName: null, staffCount: null, approvedAt: null })
    expect(fields.map((f) => f.value)).toEqual(['', '', '△500千円', '未承認'])
  })
})
