import { z } from 'zod'
import type { Named, ReviewState, SheetStatus, SheetSummary } from './api.js'
import type { EvaluationKindValue, EvaluationState } from './evaluations.js'

/** `POST /api/fiscal-years` (planning, admin). */
export const openYearSchema = z.object({
  year: z.number().int().min(1989).max(2200),
  /** YYYY-MM-DD */
  deadline: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable()
    .optional(),
  carryForward: z.boolean().default(true),
  /** Only these departments (default: every active department). */
  departmentIds: z.array(z.string().min(1).max(100)).max(1000).optional(),
})
export type OpenYearRequest = z.infer<typeof openYearSchema>
/** 201: the sheets created by this call (none when all existed). */
export interface OpenYearResponse {
  year: number
  sheets: SheetSummary[]
}

export interface FiscalYearView {
  year: number
  deadline: string | null
  sheets: number
}
/** `GET /api/fiscal-years` */
export interface FiscalYearsResponse {
  years: FiscalYearView[]
}

/** One line of the board. */
export interface OverviewSheet {
  id: string
  department: Named
  status: SheetStatus
  revision: number
  /** Of the current content, 千円; blank budgets count as 0. */
  budgetTotal: number
  measures: number
  projects: number
  openThreads: number
  updatedAt: string
  /** Last edit of the content, and by whom. */
  editedAt: string | null
  editedBy: Named | null
  approvedAt: string | null
}
/** `GET /api/fiscal-years/:year/overview` */
export interface OverviewResponse {
  year: number
  deadline: string | null
  budgetTotal: number
  sheets: OverviewSheet[]
}

/** `GET /api/partner-rows?year=2026`: rows of other departments' sheets that name the caller's department (or 全課). */
export interface PartnerRow {
  sheetId: string
  /** The asking department. */
  department: Named
  kind: 'measure' | 'project'
  rowId: string
  rank: number
  name: string
  content: string
  acknowledged: boolean
  acknowledgedAt: string | null
}
export interface PartnerRowsResponse {
  rows: PartnerRow[]
}
/** `GET /api/sheets/:id/partner-acks`: for the asking department, who has acknowledged which row. */
export interface PartnerAcksResponse {
  acks: { rowId: string; department: Named; at: string }[]
}

/** `GET /api/sheets/:id/previous`: last year's approved text for each continued row. */
export interface PreviousYearResponse {
  sheetId: string | null
  version: number | null
  /** The approved sheet of the year before, canonical JSON (hoshin.sheet/v1), or null. */
  sheet: unknown
  /** Row ids still unchanged since carried forward (継続); other rows with a previous id were edited. */
  continued: string[]
}

// Issue 16: the check half of the year on the board and in the carried-forward draft. The fields below
// merge into OverviewSheet, OverviewResponse and PreviousYearResponse above (interfaces of one module merge).

/** 計画以上 / 計画どおり / 計画未満 / 評価不能. */
export type EvaluationStatusValue = 'above' | 'onTrack' | 'below' | 'unknown'
export const evaluationStatusValues = ['above', 'onTrack', 'below', 'unknown'] as const satisfies readonly EvaluationStatusValue[]
/** Rows by status; `none` is 未評価 (no status yet, or no evaluation started). */
export type EvaluationStatusCounts = Record<EvaluationStatusValue | 'none', number>

/** One department's 中間評価 or 年度末評価 as the board shows it. */
export interface BoardEvaluation {
  /** null: not started yet. */
  state: EvaluationState | null
  /** Its measures and projects by status: the approved evaluation's stored JSON, or the live document. */
  measures: EvaluationStatusCounts
  projects: EvaluationStatusCounts
}
export interface BoardEvaluationTotals {
  measures: EvaluationStatusCounts
  projects: EvaluationStatusCounts
}

export interface OverviewSheet {
  evaluations: Record<EvaluationKindValue, BoardEvaluation>
}
export interface OverviewResponse {
  /** The town's measures and projects by status, also for a 課長 who sees only their own line. */
  evaluationTotals: Record<EvaluationKindValue, BoardEvaluationTotals>
}

// Issue 19: the review above the 課長 on the board.
export interface OverviewSheet {
  /**
   * 企画確認待ち / 庁議報告待ち / 庁議報告済 of the latest approved version while the sheet is approved and
   * the town has the step on (`returned`: 企画 sent it back, the department is revising); null otherwise.
   */
  review: { state: ReviewState | 'returned'; reportedOn: string | null } | null
}
export interface OverviewResponse {
  /** Whether the town has the review step on. */
  reviewStep: boolean
}

/** Last year's 年度末評価 of one row: its status and 課題・改善. */
export interface PreviousEvaluationRow {
  rowId: string
  status: EvaluationStatusValue | null
  next: string
}
export interface PreviousYearResponse {
  /** Last year's sheet's 年度末評価: the approved one, or an open one (作成中 / 確認依頼中); null when none. */
  yearend: { state: EvaluationState; rows: PreviousEvaluationRow[] } | null
}
// end of Issue 16 board
