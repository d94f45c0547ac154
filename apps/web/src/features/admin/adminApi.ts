import {
  type AdminDepartmentsResponse,
  type AdminUsersResponse,
  type DepartmentResponse,
  type ImportPlanResponse,
  isApiErrorBody,
  type PasswordResetResponse,
  type Role,
  type UserResponse,
} from '@hoshin/protocol'
import { ApiError, api } from '../../api/client'

/** The admin area's calls to `/api/admin/…`, typed by the shared contract (packages/protocol/src/org.ts). */
export const adminApi = {
  departments: () => api<AdminDepartmentsResponse>('/api/admin/departments'),
  createDepartment: (name: string, sections: string[]) =>
    api<DepartmentResponse>('/api/admin/departments', { method: 'POST', json: { name, sections } }),
  patchDepartment: (id: string, patch: { name?: string; retired?: boolean; staffCount?: number | null }) =>
    api<DepartmentResponse>(`/api/admin/departments/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch }),
  orderDepartments: (ids: string[]) => api<unknown>('/api/admin/departments/order', { method: 'PUT', json: { ids } }),
  createSection: (departmentId: string, name: string) =>
    api<DepartmentResponse>(`/api/admin/departments/${encodeURIComponent(departmentId)}/sections`, {
      method: 'POST',
      json: { name },
    }),
  orderSections: (departmentId: string, ids: string[]) =>
    api<DepartmentResponse>(`/api/admin/departments/${encodeURIComponent(departmentId)}/sections/order`, { method: 'PUT', json: { ids } }),
  patchSection: (id: string, patch: { name?: string; retired?: boolean }) =>
    api<unknown>(`/api/admin/sections/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch }),

  users: (filter: UserFilter) => {
    const query = new URLSearchParams()
    if (filter.department) query.set('department', filter.department)
    if (filter.role) query.set('role', filter.role)
    if (filter.q.trim()) query.set('q', filter.q.trim())
    if (filter.includeDisabled) query.set('disabled', '1')
    const qs = query.toString()
    return api<AdminUsersResponse>(`/api/admin/users${qs ? `?${qs}` : ''}`)
  },
  createUser: (user: NewUser) => api<UserResponse>('/api/admin/users', { method: 'POST', json: user }),
  patchUser: (id: string, patch: UserPatch) =>
    api<UserResponse>(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch }),
  resetPassword: (id: string) =>
    api<PasswordResetResponse>(`/api/admin/users/${encodeURIComponent(id)}/password`, { method: 'POST' }),
}

export interface UserFilter {
  department: string
  role: Role | ''
  q: string
  includeDisabled: boolean
}

export interface NewUser {
  username: string
  displayName: string
  role: Role
  departmentId: string | null
  sectionId: string | null
  password: string
}

export interface UserPatch {
  displayName?: string
  role?: Role
  departmentId?: string | null
  sectionId?: string | null
  disabled?: boolean
}

/** Which CSV: the organisation (departments, sections, users) or 人事異動 (transfers). */
export type CsvKind = 'org' | 'transfers'

const csvBase: Record<CsvKind, string> = { org: '/api/admin/org-import', transfers: '/api/admin/transfers' }

/**
 * Sends the file as it is (the server reads UTF-8 with or without BOM and Shift_JIS), to preview or to
 * apply. A CSV the server refuses to apply comes back as 400 invalid_csv with its line errors: that is a
 * plan with errors, not a failure, so the caller shows it the same way as a preview.
 */
export async function sendCsv(kind: CsvKind, file: Blob, step: 'preview' | 'apply'): Promise<ImportPlanResponse> {
  let response: Response
  try {
    response = await fetch(step === 'preview' ? `${csvBase[kind]}/preview` : csvBase[kind], {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'text/csv' },
      body: file,
    })
  } catch {
    throw new ApiError(0, 'network', '')
  }
  const body: unknown = await response.json().catch(() => null)
  if (response.ok) return body as ImportPlanResponse
  if (isApiErrorBody(body)) {
    if (body.error.code === 'invalid_csv' && body.error.errors) return { ok: false, errors: body.error.errors, changes: [] }
    throw new ApiError(response.status, body.error.code, body.error.message)
  }
  throw new ApiError(response.status, 'internal_error', '')
}
