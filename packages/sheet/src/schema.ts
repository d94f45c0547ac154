import { z } from 'zod'

/** The public, versioned format of a sheet as JSON ([S1]). */
export const SHEET_FORMAT = 'hoshin.sheet/v1'

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

export const measureSchema = z.strictObject({
  id,
  rank: z.number().int().min(1),
  name: text,
  content: text,
  sections: names,
  partners: names,
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
