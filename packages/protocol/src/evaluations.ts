import { z } from 'zod'
import type { Named } from './api.js'

/**
 * 中間評価 and 年度末評価 of an approved sheet (SPEC [S20] in packages/sheet). The rows themselves are
 * co-edited live in the sheet's Y.Doc; these are the REST shapes around them.
 */
export const evaluationKindValues = ['midyear', 'yearend'] as const
export type EvaluationKindValue = (typeof evaluationKindValues)[number]

/** 作成中 / 確認依頼中 / 承認済, as the plan's own workflow. */
export const evaluationStates = ['draft', 'submitted', 'approved'] as const
export type EvaluationState = (typeof evaluationStates)[number]

export const evaluationActions = ['submit', 'return', 'approve'] as const
export type EvaluationAction = (typeof evaluationActions)[number]

/** `POST /api/sheets/:id/evaluations` */
export const openEvaluationRequestSchema = z.strictObject({ kind: z.enum(evaluationKindValues) })

/** An approved evaluation: frozen, identified by the SHA-256 of its canonical JSON (hoshin.evaluation/v1). */
export interface EvaluationVersionSummary {
  sha256: string
  approvedBy: Named
  approvedAt: string
}

export interface EvaluationSummary {
  kind: EvaluationKindValue
  status: EvaluationState
  /** The approved plan version this evaluation is of. */
  planVersion: number
  openedBy: Named
  openedAt: string
  returnedReason: string | null
  /** The steps this person may take now (the server enforces them). */
  actions: EvaluationAction[]
  /** Whether this person may write the evaluation now. */
  canEdit: boolean
  version: EvaluationVersionSummary | null
}

/** `GET /api/sheets/:id/evaluations` */
export interface EvaluationListResponse {
  evaluations: EvaluationSummary[]
}

export interface EvaluationActualView {
  indicatorId: string
  value: number | null
  date: string | null
}

export interface EvaluationRowView {
  kind: 'measure' | 'project'
  rowId: string
  status: 'above' | 'onTrack' | 'below' | 'unknown' | null
  actuals: EvaluationActualView[]
  done: string
  next: string
}

/** `GET /api/sheets/:id/evaluations/:kind`: the summary and one row per measure and project of the plan. */
export interface EvaluationResponse extends EvaluationSummary {
  rows: EvaluationRowView[]
}

/** `GET /api/sheets/:id/evaluations/:kind/version`: the frozen canonical JSON and its hash. */
export interface EvaluationVersionResponse extends EvaluationVersionSummary {
  evaluation: unknown
}

/** One field of an evaluation changed since its submission (@hoshin/sheet's EvaluationChange), with who changed it. */
export interface EvaluationChangeView {
  kind: 'measure' | 'project'
  rowId: string
  /** The row's rank in the evaluated plan version. */
  rank: number
  field: 'status' | 'done' | 'next' | 'actual'
  indicatorId?: string
  before: unknown
  after: unknown
  /** Each side in words (statuses in Japanese, 実績値 with unit and day, 「（空欄）」 when empty). */
  from: string
  to: string
  parts?: { op: 'same' | 'del' | 'ins'; text: string }[]
  /** 「施策 2 移住定住… ／ 評価」: part, rank and name of the row in the evaluated plan, then the field. */
  label: string
  summary: string
  editedBy: Named | null
  editedAt: string | null
  editors: Named[]
}

/**
 * `GET /api/sheets/:id/evaluations/:kind/changes`: what changed since the evaluation was last submitted (up
 * to its approval once approved), row-named, for the 課長's review and the history. `baseline` null: never submitted.
 */
export interface EvaluationChangesResponse {
  baseline: { at: string; by: Named } | null
  changes: EvaluationChangeView[]
}
