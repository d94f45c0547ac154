import { z } from 'zod'

/** 係員 (staff), 係長 (section lead), 課長 (department head), 企画 (planning: reads every department), admin. */
export const roles = ['staff', 'lead', 'head', 'planning', 'admin'] as const
export type Role = (typeof roles)[number]
export const roleSchema = z.enum(roles)

export const sheetStatuses = ['draft', 'submitted', 'approved'] as const
/** 作成中 / 確認依頼中 / 承認済 */
export type SheetStatus = (typeof sheetStatuses)[number]

export const loginRequestSchema = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
})
export type LoginRequest = z.infer<typeof loginRequestSchema>

export interface Named {
  id: string
  name: string
}

/** `GET /api/me`, and the body of a successful login. */
export interface Me {
  id: string
  username: string
  displayName: string
  role: Role
  /** null for admin and planning (企画) accounts, which belong to no department. */
  department: Named | null
  section: Named | null
}
export interface MeResponse {
  user: Me
  /** The town's time zone (HOSHIN_TIME_ZONE, e.g. Asia/Tokyo): the web app shows every date in it, not in the PC's. */
  timeZone: string
}

/** One row of `GET /api/sheets`, and the body of `GET /api/sheets/:id`. */
export interface SheetSummary {
  id: string
  department: Named
  fiscalYear: number
  status: SheetStatus
  /** Whether this user may change the content (the server enforces it; the UI mirrors it). */
  canEdit: boolean
  updatedAt: string
  revision: number
  returnedReason: string | null
  /** The latest approved version, if any. */
  latestVersion: VersionSummary | null
  /** The workflow steps this user may take now. */
  actions: WorkflowAction[]
  /** This user's unread @mentions on the sheet (the list's badge). */
  unreadMentions: number
  /** The approved version of last year this draft was carried forward from, if any. */
  previous: { sheetId: string; version: number } | null
  /** The review above the 課長 (企画確認, 庁議報告) when the town has it on, and whether the sheet may be published. */
  review: SheetReview
  /**
   * What the form's header prints for the live sheet (課長名, 職員数 as the department has them now); an
   * approved version carries its own, as they were at approval (VersionSummary).
   */
  header: SheetHeaderInfo
}

/** 課長名 and 職員数 of the form's header (null: not known). */
export interface SheetHeaderInfo {
  headName: string | null
  staffCount: number | null
}

/**
 * The review above the 課長, a town setting (off by default): after approval, 企画 confirms the approved
 * version (企画確認, or sends it back with a reason, which opens the next revision as 改訂 does), then records
 * the day it was reported to the management meeting (庁議報告). pending = 企画確認待ち, confirmed =
 * 庁議報告待ち, reported = done.
 */
export const reviewStates = ['pending', 'confirmed', 'reported'] as const
export type ReviewState = (typeof reviewStates)[number]
export const reviewActions = ['confirm', 'sendBack', 'report'] as const
export type ReviewAction = (typeof reviewActions)[number]

export interface SheetReview {
  /** The town has the step on. */
  required: boolean
  /** How far the latest approved version's review went, while the sheet is approved and the step is on. */
  state: ReviewState | null
  /** The version under review (the latest approved one), or null. */
  version: number | null
  confirmed: { by: Named; at: string } | null
  /** 庁議報告: the meeting's day (YYYY-MM-DD), who recorded it and when. */
  reported: { on: string; by: Named; at: string } | null
  /** 企画 sent the latest version back and this draft is its revision (the reason is also `returnedReason`). */
  sentBack: { version: number; by: Named; at: string; reason: string } | null
  /** The review steps this user may take now (企画 only; the server enforces them). */
  actions: ReviewAction[]
  /**
   * Whether the latest approved version may be published: approved, and, with the step on, its 庁議報告
   * recorded (the last step). Publication checks the same rule per version on the server (`publishable`).
   */
  publishable: boolean
}

/** `POST /api/sheets/:id/review/report` — the management meeting's day (YYYY-MM-DD). */
export const reportRequestSchema = z.object({ date: z.string().trim().max(20) })

/** `GET /api/town-settings` (everyone signed in), `PUT` (企画, admin). */
export interface TownSettings {
  /** 企画確認 and 庁議報告 after the 課長's approval. Off by default. */
  reviewStep: boolean
}
export interface TownSettingsResponse extends TownSettings {
  /** Whether this user may change them. */
  canChange: boolean
}
export const townSettingsSchema = z.object({ reviewStep: z.boolean() })

export const workflowActions = ['submit', 'return', 'approve', 'reopen'] as const
export type WorkflowAction = (typeof workflowActions)[number]

export const returnRequestSchema = z.object({ reason: z.string().trim().min(1).max(1000) })

export interface VersionSummary {
  number: number
  revision: number
  sha256: string
  approvedBy: Named
  approvedAt: string
  /** The approving 課長's name as it was at approval (null: approved before it was recorded; then approvedBy.name). */
  headName: string | null
  /** The department's 職員数 at approval (null: not given). */
  staffCount: number | null
}

/** `GET /api/sheets/:id/versions/:n`: the frozen canonical JSON; sha256 = SHA-256 of canonicalJson(sheet). */
export interface VersionResponse extends VersionSummary {
  sheet: unknown
}

export interface VersionListResponse {
  versions: VersionSummary[]
}

export interface AuditEntryView {
  at: string
  username: string | null
  /** The person's display name (null: an entry without an account, or one since removed). */
  displayName: string | null
  action: string
  detail: string | null
}

/** Who changed a field since the baseline: the last person, when, and everyone who did ([S17]). */
export interface ChangeAttribution {
  editedBy: Named | null
  editedAt: string | null
  editors: Named[]
}

/** What `GET /api/sheets/:id/changes?since=` compares the current draft with. */
export type ChangesBaseline =
  | { kind: 'version'; number: number; at: string }
  | { kind: 'submitted'; revision: number; at: string; by: Named }

/**
 * `GET /api/sheets/:id/changes?since=version|submitted`: the changes from the latest approved version (or
 * the content as last submitted) to the current draft, each attributed. `C` is @hoshin/sheet's SheetChange.
 */
export interface SheetChangesResponse<C = unknown> {
  since: 'version' | 'submitted'
  /** null: no approved version (or no submission) to compare with yet. */
  baseline: ChangesBaseline | null
  changes: (C & ChangeAttribution)[]
}
/** One opening of a sheet (the view log, for the 課長 and admins). */
export interface SheetViewEntry {
  at: string
  user: { id: string; name: string }
  /** The person's department when asked (null: admin, 企画). */
  department: string | null
  /** The approved version opened, or null for the live sheet. */
  version: number | null
}

export interface SheetViewsResponse {
  views: SheetViewEntry[]
}

export interface SheetListResponse {
  sheets: SheetSummary[]
}

export interface HealthResponse {
  ok: true
}

/** `GET /api/departments`: the town's departments and their sections, for the 担当係 / 連携課 pickers. */
export interface DepartmentsResponse {
  departments: (Named & { sections: Named[] })[]
  /** Retired departments: out of the pickers, but an older sheet may still name one as 連携課. */
  retired: Named[]
}
