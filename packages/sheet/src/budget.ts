/**
 * 事業費 (budget, in 千円) as staff type it ([S11]): ASCII or full-width digits, comma grouping, △ or ▲
 * for negatives (the Japanese public-sector convention), surrounding spaces. Shared by server and web.
 */
export type BudgetErrorCode = 'empty' | 'not_a_number' | 'bad_grouping' | 'too_large'

export type BudgetError = { ok: false; code: BudgetErrorCode; message: string }
export type BudgetParseResult = { ok: true; value: number } | BudgetError

/** Larger than any town's budget in 千円 (a thousand trillion yen), small enough to stay exact. */
export const MAX_BUDGET = 1e12

/**
 * An amount past which the editor asks "is this really in 千円?" before storing it: 10,000,000 千円 is
 * 100億円, more than a town's whole 事務事業 usually add up to, and the usual slip is typing yen.
 */
export const BUDGET_CONFIRM_ABOVE = 10_000_000

const messages: Record<BudgetErrorCode, string> = {
  empty: '事業費を入力してください。',
  not_a_number: '事業費は数字で入力してください（例: 34,010 / △54,317）。',
  bad_grouping: '桁区切りのカンマの位置が正しくありません（例: 34,010）。',
  too_large: '事業費が大きすぎます（単位は千円です）。',
}

function fail(code: BudgetErrorCode): BudgetError {
  return { ok: false, code, message: messages[code] }
}

/** Minus signs accepted besides △/▲: ASCII hyphen-minus and U+2212 (NFKC keeps U+2212 as is). */
const negativePrefix = /^[△▲\-−]/

export function parseBudget(input: string): BudgetParseResult {
  // NFKC turns full-width digits, commas and spaces into ASCII; it leaves △, − and ー alone.
  const s = input.normalize('NFKC').trim()
  if (s === '') return fail('empty')
  const negative = negativePrefix.test(s)
  const digits = (negative ? s.slice(1) : s).trim()
  if (!/^[0-9][0-9,]*$/.test(digits)) return fail('not_a_number')
  if (digits.includes(',') && !/^[0-9]{1,3}(,[0-9]{3})+$/.test(digits)) return fail('bad_grouping')
  const value = Number(digits.replaceAll(',', ''))
  if (!Number.isSafeInteger(value) || value > MAX_BUDGET) return fail('too_large')
  return { ok: true, value: negative && value !== 0 ? -value : value }
}

/** For the 事業費 cell: blank means "no amount" (null), as in the seed's 地域公共交通関連事業. */
export function parseBudgetCell(input: string): { ok: true; value: number | null } | BudgetError {
  if (input.normalize('NFKC').trim() === '') return { ok: true, value: null }
  return parseBudget(input)
}

/** 34010 → '34,010'; -54317 → '△54,317'. */
export function formatBudget(value: number): string {
  const grouped = Math.abs(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return value < 0 ? `△${grouped}` : grouped
}

/** The total of the 事業費 column; blank cells count as nothing. */
export function budgetTotal(projects: readonly { budget: number | null }[]): number {
  return projects.reduce((sum, p) => sum + (p.budget ?? 0), 0)
}
