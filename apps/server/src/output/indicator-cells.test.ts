import { describe, expect, it } from 'vitest'
import { fiscalYearCell, indicatorKindCell, indicatorNumberCell } from './indicator-cells.js'

describe('cells of the 成果指標 worksheet', () => {
  it('numbers: Excel numbers, and text as staff type it', () => {
    expect(indicatorNumberCell(45.5, '45.5')).toEqual({ ok: true, value: 45.5 })
    expect(indicatorNumberCell(-3, '-3')).toEqual({ ok: true, value: -3 })
    expect(indicatorNumberCell('１，２００', '１，２００')).toEqual({ ok: true, value: 1200 })
    expect(indicatorNumberCell('△3.25', '△3.25')).toEqual({ ok: true, value: -3.25 })
    expect(indicatorNumberCell(null, '')).toEqual({ ok: true, value: null })
    expect(indicatorNumberCell(100 / 3, '')).toMatchObject({ ok: false, message: '小数は3桁までです。' })
    expect(indicatorNumberCell(1e13, '')).toMatchObject({ ok: false })
    expect(indicatorNumberCell('abc', 'abc')).toMatchObject({ ok: false, message: expect.stringContaining('数値で入力してください') })
    expect(indicatorNumberCell('12,34', '12,34')).toMatchObject({ ok: false, message: expect.stringContaining('桁区切り') })
  })

  it('基準年度: western, 和暦 (元年 too), R/H, full-width', () => {
    expect(fiscalYearCell(2024, '2024')).toEqual({ ok: true, value: 2024 })
    expect(fiscalYearCell('令和6年度', '令和6年度')).toEqual({ ok: true, value: 2024 })
    expect(fiscalYearCell('令和元年度', '令和元年度')).toEqual({ ok: true, value: 2019 })
    expect(fiscalYearCell('平成30年度', '平成30年度')).toEqual({ ok: true, value: 2018 })
    expect(fiscalYearCell('Ｒ６', 'Ｒ６')).toEqual({ ok: true, value: 2024 })
    expect(fiscalYearCell('H31', 'H31')).toEqual({ ok: true, value: 2019 })
    expect(fiscalYearCell('２０２３年度', '２０２３年度')).toEqual({ ok: true, value: 2023 })
    expect(fiscalYearCell('', '')).toEqual({ ok: true, value: null })
    expect(fiscalYearCell('昨年', '昨年')).toMatchObject({ ok: false, message: expect.stringContaining('基準年度') })
    expect(fiscalYearCell(24.5, '24.5')).toMatchObject({ ok: false })
  })

  it('種別', () => {
    expect(indicatorKindCell('活動')).toEqual({ ok: true, value: 'activity' })
    expect(indicatorKindCell('成果指標')).toEqual({ ok: true, value: 'outcome' })
    expect(indicatorKindCell('')).toEqual({ ok: true, value: 'outcome' })
    expect(indicatorKindCell('その他')).toMatchObject({ ok: false })
  })
})
