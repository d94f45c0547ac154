import { z } from 'zod'
import type { Named, SheetStatus, SheetSummary } from './api.js'

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
