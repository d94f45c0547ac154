import { describe, expect, it } from 'vitest'
import { parsePlanRows, planNumber, yearOf } from './plan-file.js'

const rows = (text: string) => text.split('\n').filter(Boolean).map((line, i) => ({ line: i + 1, cells: line.split(',') }))
const span = { startYear: 2022, endYear: 2026 }

describe('plan file', () => {
  it('[S10] reads year headers as the town writes them: 2025, 2025年度, 令和7年度, R7, 令和元年度, 目標値（2025）', () => {
    expect(['2025', '２０２５年度', '令和7年度', 'R7', 'ｒ７', '目標値（2025）', '目標2025'].map(yearOf)).toEqual([2025, 2025, 2025, 2025, 2025, 2025, 2025])
    expect(yearOf('令和元年度')).toBe(2019)
    expect(yearOf('平成30年度')).toBe(2018)
    expect(['施策', '', '令和', '20255'].map(yearOf)).toEqual([null, null, null, null])
  })

  it('reads numbers typed with the IME on: １－２, 1ー2 and 1−2 are 1-2', () => {
    expect(['１－２', '1ー2', '1−2', ' 1 - 2 '].map(planNumber)).toEqual(['1-2', '1-2', '1-2', '1-2'])
  })

  it('continues blank 基本目標 and 施策 cells from the line above, and a new 基本目標 starts without a 施策', () => {
    const { input, errors } = parsePlanRows(
      rows('基本目標番号,基本目標,施策番号,施策,KPI,単位,基準値,基準年度,2025\n1,活力,1-1,移住,移住者数,人,１，２００,令和5年度,△3\n,,,,転入者数,人,,,\n2,安心,,,,,,,\n2,,2-1,防災,,,,,\n'),
      span,
    )
    expect(errors).toEqual([])
    expect(input.goals).toEqual([{ number: '1', name: '活力' }, { number: '2', name: '安心' }])
    expect(input.measures).toEqual([{ goal: '1', number: '1-1', name: '移住' }, { goal: '2', number: '2-1', name: '防災' }])
    expect(input.kpis).toEqual([
      { measure: '1-1', name: '移住者数', unit: '人', baseline: 1200, baselineYear: 2023, targets: [{ year: 2025, value: -3 }] },
      { measure: '1-1', name: '転入者数', unit: '人', baseline: null, baselineYear: null, targets: [] },
    ])
  })

  it('refuses a KPI under a new 基本目標 whose 施策 is not given (no silent carry across 基本目標)', () => {
    const { errors } = parsePlanRows(rows('基本目標番号,基本目標,施策番号,施策,KPI\n1,活力,1-1,移住,移住者数\n2,安心,,,防災訓練回数\n'), span)
    expect(errors).toEqual([{ line: 3, message: '施策番号がありません（この KPI がどの施策のものか分かりません）。' }])
  })
})
