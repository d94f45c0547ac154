import { type IndicatorKind, INDICATOR_DECIMALS, parseIndicatorNumber } from '@hoshin/sheet'

/**
 * Cells of the 成果指標 worksheet as staff fill them in Excel ([S18]): numbers typed as Excel numbers or as
 * text the way the editor takes them (３４，０１０, △3, 45.5), the baseline year as 2024, 令和6年度, R6 or
 * 令和元年度, the kind as 成果 / 活動. Each answers a value or a Japanese message (without the place, which
 * the caller knows).
 */
export type CellResult<T> = { ok: true; value: T } | { ok: false; message: string }

/** A number cell's value (Excel stores numbers as numbers), or its text. */
export function indicatorNumberCell(value: unknown, text: string): CellResult<number | null> {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > 1e12) return { ok: false, message: '数値が大きすぎます。' }
    // Excel's own arithmetic (=A1/B1) leaves 33.333333333333336: more places than a sheet reports.
    if (Number(value.toFixed(INDICATOR_DECIMALS)) !== value) return { ok: false, message: `小数は${INDICATOR_DECIMALS}桁までです。` }
    return { ok: true, value }
  }
  const parsed = parseIndicatorNumber(text)
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, message: parsed.message }
}

const eraStarts: Record<string, number> = { 令和: 2019, r: 2019, 平成: 1989, h: 1989 }

const yearMessage = '基準年度は 2024 または 令和6年度 のように入力してください。'

/** 基準年度: the fiscal year's start year ([S10]): 2024, 2024年度, 令和6年度, 令和元年度, R6, Ｈ30. Blank is null. */
export function fiscalYearCell(value: unknown, text: string): CellResult<number | null> {
  let year: number | undefined
  if (typeof value === 'number') year = value
  else {
    const s = text.normalize('NFKC').replace(/\s+/g, '').toLowerCase()
    if (s === '') return { ok: true, value: null }
    const western = /^(\d{4})(?:年度?)?$/.exec(s)
    const era = /^(令和|平成|r|h)\.?(元|\d{1,2})(?:年度?)?$/.exec(s)
    if (western) year = Number(western[1])
    else if (era) year = eraStarts[era[1]!]! + (era[2] === '元' ? 1 : Number(era[2])) - 1
  }
  if (year === undefined || !Number.isInteger(year) || year < 1989 || year > 2200) return { ok: false, message: yearMessage }
  return { ok: true, value: year }
}

/** 種別: 成果 or 活動 (成果指標 / 活動指標, or the JSON words); blank is 成果, as a new indicator in the editor. */
export function indicatorKindCell(text: string): CellResult<IndicatorKind> {
  const s = text.normalize('NFKC').trim().toLowerCase()
  if (s === '' || s === '成果' || s === '成果指標' || s === 'outcome') return { ok: true, value: 'outcome' }
  if (s === '活動' || s === '活動指標' || s === 'activity') return { ok: true, value: 'activity' }
  return { ok: false, message: '種別は「成果」か「活動」で入力してください。' }
}
