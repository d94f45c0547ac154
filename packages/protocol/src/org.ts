import { z } from 'zod'
import { type Me, type Named, roleSchema } from './api.js'
import { withoutBidiControls } from './text.js'

/** Names of departments and sections as the town writes them: trimmed, 1–50 characters. */
export const MAX_ORG_NAME = 50
const orgName = z.string().transform(withoutBidiControls).pipe(z.string().trim().min(1).max(MAX_ORG_NAME))

/** A section (係 / 室) in the admin area: retired ones are kept for their history and leave the pickers. */
export interface AdminSection extends Named {
  retired: boolean
}
export interface AdminDepartment extends Named {
  retired: boolean
  /** 職員数 as the sheet's header prints it (null: not given). */
  staffCount: number | null
  sections: AdminSection[]
}
/** `GET /api/admin/departments` (retired ones included, in the town's order). */
export interface AdminDepartmentsResponse {
  departments: AdminDepartment[]
}

/** `POST /api/admin/departments` → 201 `{ department }`. */
export const newDepartmentSchema = z.object({
  name: orgName,
  sections: z.array(orgName).max(50).default([]),
})
/** `PATCH /api/admin/departments/:id`: rename, retire or bring back. */
export const MAX_STAFF_COUNT = 100_000
export const departmentPatchSchema = z.object({
  name: orgName.optional(),
  retired: z.boolean().optional(),
  /** 職員数: a whole number of people, or null to clear it. */
  staffCount: z.number().int().min(0).max(MAX_STAFF_COUNT).nullable().optional(),
})
/** `PUT /api/admin/departments/order` `{ ids }`: the new order of every department. */
export const orderSchema = z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(10_000) })
/** `POST /api/admin/departments/:id/sections` `{ name }`. */
export const newSectionSchema = z.object({ name: orgName })
/** `PATCH /api/admin/sections/:id`. */
export const sectionPatchSchema = z.object({ name: orgName.optional(), retired: z.boolean().optional() })
export interface DepartmentResponse {
  department: AdminDepartment
}

/** User names: letters, digits and . _ - (2–64), as the CLI has always asked. */
export const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,63}$/i
export const MIN_PASSWORD_LENGTH = 8

/** `POST /api/admin/users` → 201 `{ user }` (the shape of GET /api/me). */
export const newUserSchema = z.object({
  username: z.string().regex(usernamePattern),
  displayName: z.string().transform(withoutBidiControls).pipe(z.string().trim().min(1).max(100)),
  role: roleSchema,
  departmentId: z.string().min(1).max(100).nullable().optional(),
  sectionId: z.string().min(1).max(100).nullable().optional(),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(256),
})
/** `PATCH /api/admin/users/:id`: role, place, name, disabled. */
export const userPatchSchema = z.object({
  displayName: z.string().transform(withoutBidiControls).pipe(z.string().trim().min(1).max(100)).optional(),
  role: roleSchema.optional(),
  departmentId: z.string().min(1).max(100).nullable().optional(),
  sectionId: z.string().min(1).max(100).nullable().optional(),
  disabled: z.boolean().optional(),
})
export interface AdminUser extends Me {
  disabled: boolean
}
export interface UserResponse {
  user: Me
}
/** `GET /api/admin/users?department=&role=&q=&disabled=` */
export interface AdminUsersResponse {
  users: AdminUser[]
}
/** `POST /api/admin/users/:id/password` → the new password, shown once. */
export interface PasswordResetResponse {
  password: string
}

/**
 * Organisation CSV (`POST /api/admin/org-import/preview` and `/api/admin/org-import`, body: the file as
 * UTF-8 with or without BOM, or Shift_JIS/CP932) and 人事異動 CSV (`/api/admin/transfers/preview` and
 * `/api/admin/transfers`). Both answer with the plan; applying is all or nothing.
 */
export interface CsvLineError {
  line: number
  message: string
}
export interface ImportChange {
  kind: 'create' | 'change' | 'retire'
  entity: 'department' | 'section' | 'user'
  /** A Japanese sentence: 「建設課」を作成 / 山田 太郎: 総務課 総務係 → 建設課 土木係 */
  text: string
}
export interface ImportPlanResponse {
  /** Whether it can be applied (no errors). */
  ok: boolean
  errors: CsvLineError[]
  changes: ImportChange[]
  /** Set when applied: initial passwords of created users, shown once. */
  passwords?: { username: string; password: string }[]
}
