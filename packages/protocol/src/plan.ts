import { z } from 'zod'
import type { CsvLineError } from './org.js'

/**
 * The comprehensive plan (総合計画): 基本目標 → 施策 → KPI for a span of years. Takahata's 後期基本計画 has
 * 66 施策 and 116 KPI; the limits leave room for a larger town and keep one request bounded.
 */
export const PLAN_LIMITS = {
  plans: 20,
  goals: 50,
  measures: 500,
  kpis: 1000,
  /** Years one plan spans (a 基本計画 runs 4–5 years, a 基本構想 10). */
  span: 20,
  name: 200,
  number: 20,
  unit: 20,
} as const

export interface PlanGoalView {
  id: string
  /** 「1」 */
  number: string
  name: string
}

export interface PlanMeasureView {
  id: string
  goalId: string
  /** 「1-2」 */
  number: string
  name: string
}

export interface PlanTarget {
  year: number
  value: number | null
}

export interface PlanKpiView {
  id: string
  measureId: string
  name: string
  unit: string
  baseline: number | null
  baselineYear: number | null
  /** One per year of the plan's span that has a target, in year order. */
  targets: PlanTarget[]
}

export interface PlanSummary {
  id: string
  name: string
  startYear: number
  endYear: number
  revision: number
  updatedAt: string
  goals: number
  measures: number
  kpis: number
}

export interface PlanView extends Omit<PlanSummary, 'goals' | 'measures' | 'kpis'> {
  goals: PlanGoalView[]
  measures: PlanMeasureView[]
  kpis: PlanKpiView[]
}

export interface PlansResponse {
  plans: PlanSummary[]
}
export interface PlanResponse {
  plan: PlanView
}
/** The plan covering a fiscal year (pickers of that year's sheets), or null when none does. */
export interface PlanForYearResponse {
  plan: PlanView | null
}

const year = z.number().int().min(1989).max(2200)
const name = z.string().trim().min(1).max(PLAN_LIMITS.name)
const number = z.string().trim().min(1).max(PLAN_LIMITS.number)
const planNumber = z.number().finite().min(-1e12).max(1e12).nullable()

export const newPlanSchema = z
  .strictObject({ name, startYear: year, endYear: year })
  .refine((p) => p.endYear >= p.startYear && p.endYear - p.startYear < PLAN_LIMITS.span, { path: ['endYear'], message: 'bad_span' })
export type NewPlanRequest = z.infer<typeof newPlanSchema>

export const planPatchSchema = z.strictObject({ revision: z.number().int().min(0), name: name.optional(), startYear: year.optional(), endYear: year.optional() })
export type PlanPatchRequest = z.infer<typeof planPatchSchema>

/**
 * The plan's structure as the editor saves it and an import reads it: entries refer to their parent by
 * number (a new 施策 under a new 基本目標 needs no id yet). An entry with `id` keeps it; one without is
 * matched by number (基本目標, 施策) or by 施策 and name (KPI), else it is new.
 */
export const planStructureSchema = z.strictObject({
  revision: z.number().int().min(0),
  goals: z.array(z.strictObject({ id: z.string().max(100).optional(), number, name })).max(PLAN_LIMITS.goals),
  measures: z.array(z.strictObject({ id: z.string().max(100).optional(), goal: number, number, name })).max(PLAN_LIMITS.measures),
  kpis: z
    .array(
      z.strictObject({
        id: z.string().max(100).optional(),
        measure: number,
        name,
        unit: z.string().trim().max(PLAN_LIMITS.unit),
        baseline: planNumber,
        baselineYear: year.nullable(),
        targets: z.array(z.strictObject({ year, value: planNumber })).max(PLAN_LIMITS.span),
      }),
    )
    .max(PLAN_LIMITS.kpis),
})
export type PlanStructureRequest = z.infer<typeof planStructureSchema>
export type PlanStructureInput = Omit<PlanStructureRequest, 'revision'>

export interface PlanChange {
  kind: 'create' | 'change' | 'remove'
  entity: 'goal' | 'measure' | 'kpi'
  /** A Japanese sentence: 施策「1-2 移住定住の促進」を追加 */
  text: string
}

/** What an import or a save would do, before it is applied; `ok` false: nothing may be applied. */
export interface PlanPreviewResponse {
  ok: boolean
  errors: CsvLineError[]
  changes: PlanChange[]
  counts: { goals: number; measures: number; kpis: number }
  /** The file's encoding (CSV) or 'xlsx'. */
  encoding?: 'utf-8' | 'shift_jis' | 'xlsx'
  /** The plan's revision the preview was made against: pass it back to apply exactly this. */
  revision: number
}

export interface CoverageRow {
  sheetId: string
  departmentId: string
  departmentName: string
  part: 'measures' | 'projects'
  rowId: string
  rank: number
  name: string
}

export interface CoverageActual {
  sheetId: string
  departmentName: string
  rowName: string
  indicatorName: string
  /** Where the value comes from; null while neither evaluation has reported one. */
  evaluation: 'midyear' | 'yearend' | null
  value: number | null
  date: string | null
}

export interface CoverageResponse {
  year: number
  plan: Pick<PlanSummary, 'id' | 'name' | 'startYear' | 'endYear'> | null
  measures: {
    id: string
    number: string
    name: string
    goal: { id: string; number: string; name: string }
    departments: { id: string; name: string }[]
    rows: CoverageRow[]
  }[]
  /** Ids of plan 施策 no row of this year addresses, in plan order. */
  unaddressed: string[]
  kpis: {
    id: string
    measureId: string
    name: string
    unit: string
    target: number | null
    /** Each indicator linked to this KPI and its reported 実績値 (年度末 when reported, else 中間). */
    actuals: CoverageActual[]
  }[]
  /** Sheets of the year and how many of their rows link to the plan. */
  totals: { sheets: number; rows: number; linkedRows: number; addressed: number; measures: number }
}
