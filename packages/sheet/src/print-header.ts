import { budgetTotal, formatBudget } from './budget.js'
import { TOWN_TIME_ZONE, townDateJa } from './town-time.js'

/** What the town's paper form carries in its header besides the title (issue 19). */
export interface SheetHeaderInput {
  /** 課長名: the approving 課長 of an approved version, the department's head for a draft. */
  headName: string | null
  /** 職員数 of the department (null: not given). */
  staffCount: number | null
  /** The approval (ISO moment) of the version printed; null for a draft. */
  approvedAt: string | null
}

export interface SheetHeaderField {
  label: '課長名' | '職員数' | '予算規模' | '承認日'
  value: string
}

/** The form's rows of 事務事業: the print may fill up to this many with blank rows, as the paper does. */
export const FORM_PROJECT_ROWS = 15

/**
 * The header fields in the form's order, as print and Excel show them: 課長名, 職員数 (「24人」), 予算規模 (the sum of
 * 事業費, [S11]: 「394,502千円」, blanks skipped) and 承認日 (the day in the town's time zone; 「未承認」 for a draft).
 * The words are the document's, Japanese in every language.
 */
export function sheetHeaderFields(
  sheet: { projects: readonly { budget: number | null }[] },
  input: SheetHeaderInput,
  timeZone: string = TOWN_TIME_ZONE,
): SheetHeaderField[] {
  return [
    { label: '課長名', value: input.headName ?? '' },
    { label: '職員数', value: input.staffCount === null ? '' : `${input.staffCount.toLocaleString('ja-JP')}人` },
    { label: '予算規模', value: `${formatBudget(budgetTotal(sheet.projects))}千円` },
    { label: '承認日', value: input.approvedAt ? townDateJa(input.approvedAt, timeZone) : '未承認' },
  ]
}
