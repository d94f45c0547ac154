import { z } from 'zod'

/** The public, versioned format of a sheet as JSON ([S1]); v2 added indicators ([S18]). */
export const SHEET_FORMAT = 'hoshin.sheet/v2'
/** The format before indicators: still read ([S19]), and what approved versions from before v2 keep. */
export const SHEET_FORMAT_V1 = 'hoshin.sheet/v1'

/** Partner entries that are not a department name: 全課 (all departments), 関係課 (the departments concerned). */
export const SPECIAL_PARTNERS = ['全課', '関係課'] as const
export type SpecialPartner = (typeof SPECIAL_PARTNERS)[number]

const id = z.string().min(1).max(100)
const text = z.string().max(100_000)
const names = z.array(z.string().min(1).max(100)).max(50)

export const namedSchema = z.strictObject({ id, name: z.string().min(1).max(100) })

export const sheetIssueSchema = z.strictObject({ id, text })
export const annualPolicySchema = z.strictObject({ id, text })
export const longTermPolicySchema = z.strictObject({ id, text, outcome: text })

/** 成果 (outcome) or 活動 (activity) indicator. */
export const indicatorKinds = ['outcome', 'activity'] as const
export type IndicatorKind = (typeof indicatorKinds)[number]

/** An indicator's number: a count, an amount or a percentage (decimals allowed), or null when not set. */
export const indicatorNumberSchema = z.number().finite().min(-1e12).max(1e12).nullable()

/** 成果指標 of a measure or project ([S18]): the baseline and its year, this year's target, the long-term one. */
export const indicatorSchema = z.strictObject({
  id,
  /** The KPI of the comprehensive plan this indicator reports on ([S21]); absent when none. */
  kpi: id.optional(),
  name: z.string().trim().min(1, { message: 'name_required' }).max(200),
  unit: z.string().max(20),
  kind: z.enum(indicatorKinds),
  baseline: indicatorNumberSchema,
  baselineYear: z.number().int().min(1989).max(2200).nullable(),
  target: indicatorNumberSchema,
  longTermTarget: indicatorNumberSchema,
  source: z.string().max(1000),
})
export type Indicator = z.infer<typeof indicatorSchema>

const indicators = z.array(indicatorSchema).max(50).superRefine((list, ctx) => {
  const seen = new Set<string>()
  list.forEach((indicator, i) => {
    if (seen.has(indicator.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate id ${indicator.id}` })
    seen.add(indicator.id)
  })
})

/**
 * Links of a measure or project to plan 施策 (総合計画, [S21]): their ids, each once, in the order chosen;
 * absent when there are none (so a sheet without links reads and hashes as before links existed).
 */
export const planLinksSchema = z
  .array(id)
  .max(20)
  .superRefine((ids, ctx) => {
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'duplicate_link' })
  })

export const measureSchema = z.strictObject({
  id,
  rank: z.number().int().min(1),
  name: text,
  content: text,
  sections: names,
  partners: names,
  planLinks: planLinksSchema.optional(),
  indicators,
})

/** 事業費 in 千円: an integer, or null for a blank cell. */
export const budgetSchema = z.number().int().min(-1e12).max(1e12).nullable()

export const projectSchema = z.strictObject({
  id,
  rank: z.number().int().min(1),
  name: text,
  content: text,
  sections: names,
  partners: names,
  budget: budgetSchema,
  planLinks: planLinksSchema.optional(),
  indicators,
})

function unique<T extends z.ZodType<{ id: string }>>(row: T) {
  return z.array(row).superRefine((rows, ctx) => {
    const seen = new Set<string>()
    rows.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate id ${r.id}` })
      seen.add(r.id)
    })
  })
}

/** Unique ids, and ranks 1..n in order ([S3]). */
function ranked<T extends z.ZodType<{ id: string; rank: number }>>(row: T) {
  return unique(row).superRefine((rows, ctx) => {
    rows.forEach((r, i) => {
      if (r.rank !== i + 1) ctx.addIssue({ code: 'custom', path: [i, 'rank'], message: `rank must be ${i + 1} (ranks are 1..n in order)` })
    })
  })
}

/** The canonical JSON of a sheet ([S1]–[S3]). */
export const sheetSchema = z.strictObject({
  format: z.literal(SHEET_FORMAT),
  department: namedSchema,
  fiscalYear: z.number().int().min(1989).max(2200),
  situation: text,
  issues: unique(sheetIssueSchema),
  policies: z.strictObject({
    annual: unique(annualPolicySchema),
    longTerm: unique(longTermPolicySchema),
  }),
  measures: ranked(measureSchema),
  projects: ranked(projectSchema),
})

export type Sheet = z.infer<typeof sheetSchema>

/** A sheet as `hoshin.sheet/v1` wrote it: the same, without indicators ([S19]). */
export const sheetV1Schema = z.strictObject({
  ...sheetSchema.shape,
  format: z.literal(SHEET_FORMAT_V1),
  measures: ranked(measureSchema.omit({ indicators: true })),
  projects: ranked(projectSchema.omit({ indicators: true })),
})
export type SheetV1 = z.infer<typeof sheetV1Schema>

/** A v1 sheet in today's format: every measure and project with no indicators ([S19]). */
export function upgradeSheetV1(sheet: SheetV1): Sheet {
  return {
    ...sheet,
    format: SHEET_FORMAT,
    measures: sheet.measures.map((m) => ({ ...m, indicators: [] })),
    projects: sheet.projects.map((p) => ({ ...p, indicators: [] })),
  }
}

/** Reads a sheet in either format (v1 upgraded); what `safeParse` of the matching schema says. */
export function parseSheetJson(input: unknown): ReturnType<typeof sheetSchema.safeParse> {
  const format = input && typeof input === 'object' ? (input as { format?: unknown }).format : undefined
  if (format === SHEET_FORMAT_V1) {
    const v1 = sheetV1Schema.safeParse(input)
    return v1.success ? { success: true, data: upgradeSheetV1(v1.data) } : (v1 as unknown as ReturnType<typeof sheetSchema.safeParse>)
  }
  return sheetSchema.safeParse(input)
}

/**
 * A sheet stored by this server (an approved version's canonical JSON, a projection, a submission): in
 * today's format whatever format it was stored in. Stored JSON was valid when written; v1 is upgraded.
 */
export function storedSheet(json: string): Sheet {
  const value = JSON.parse(json) as Sheet | SheetV1
  return value.format === SHEET_FORMAT_V1 ? upgradeSheetV1(value as SheetV1) : (value as Sheet)
}
export type SheetIssue = z.infer<typeof sheetIssueSchema>
export type AnnualPolicy = z.infer<typeof annualPolicySchema>
export type LongTermPolicy = z.infer<typeof longTermPolicySchema>
export type Measure = z.infer<typeof measureSchema>
export type Project = z.infer<typeof projectSchema>

/** A department's sheet with nothing written yet: how a year starts without a sheet to carry forward. */
export function emptySheet(department: { id: string; name: string }, fiscalYear: number): Sheet {
  return {
    format: SHEET_FORMAT,
    department,
    fiscalYear,
    situation: '',
    issues: [],
    policies: { annual: [], longTerm: [] },
    measures: [],
    projects: [],
  }
}
