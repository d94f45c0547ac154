/**
 * An indicator's numbers (基準値, 目標値, 実績値) as staff type them ([S18]): what the 事業費 cell accepts
 * ([S11]: full-width digits, comma grouping, △ ▲ − for negatives) and decimals, as percentages need.
 * Blank is "not set" (null). Shared by server and web.
 */
export type IndicatorNumberErrorCode = 'not_a_number' | 'bad_grouping' | 'too_large' | 'too_precise'

export type IndicatorNumberResult = { ok: true; value: number | null } | { ok: false; code: IndicatorNumberErrorCode; message: string }

/** Decimal places kept: 12.34% is written, 12.3456% is not what a sheet reports. */
export const INDICATOR_DECIMALS = 3

const messages: Record<IndicatorNumberErrorCode, string> = {
  not_a_number: '数値で入力してください（例: 1,200 / 45.5 / △3）。',
  bad_grouping: '桁区切りのカンマの位置が正しくありません（例: 1,200）。',
  too_large: '数値が大きすぎます。',
  too_precise: `小数は${INDICATOR_DECIMALS}桁までです。`,
}

const fail = (code: IndicatorNumberErrorCode): IndicatorNumberResult => ({ ok: false, code, message: messages[code] })

export function parseIndicatorNumber(input: string): IndicatorNumberResult {
  // NFKC: full-width digits, commas, periods and spaces to ASCII.
  const s = input.normalize('NFKC').trim()
  if (s === '') return { ok: true, value: null }
  const negative = /^[△▲\-−]/.test(s)
  const body = (negative ? s.slice(1) : s).trim()
  const match = /^([0-9][0-9,]*)(?:\.([0-9]+))?$/.exec(body)
  if (!match) return fail('not_a_number')
  const [, whole = '', fraction = ''] = match
  if (whole.includes(',') && !/^[0-9]{1,3}(,[0-9]{3})+$/.test(whole)) return fail('bad_grouping')
  if (fraction.length > INDICATOR_DECIMALS) return fail('too_precise')
  const value = Number(`${whole.replaceAll(',', '')}${fraction ? `.${fraction}` : ''}`)
  if (!Number.isFinite(value) || value > 1e12) return fail('too_large')
  return { ok: true, value: negative && value !== 0 ? -value : value }
}

/** 1200 → '1,200'; 45.5 → '45.5'; -3 → '△3'; null → ''. */
export function formatIndicatorNumber(value: number | null): string {
  if (value === null) return ''
  const [whole = '', fraction] = Math.abs(value).toString().split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const text = fraction ? `${grouped}.${fraction}` : grouped
  return value < 0 ? `△${text}` : text
}
