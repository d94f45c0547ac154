import type { DepartmentsResponse } from '@hoshin/protocol'
import { partnerLabel } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { api } from '../api/client'

let pending: Promise<DepartmentsResponse> | undefined

/**
 * How 連携課 entries read ([S12]: a sheet stores department ids): one fetch of the town's departments
 * (retired ones included) per page load, shared by every view. Until it arrives, entries read as written.
 */
export function useDepartmentNames(): (entry: string) => string {
  const [departments, setDepartments] = useState<{ id: string; name: string }[]>([])
  useEffect(() => {
    let cancelled = false
    pending ??= api<DepartmentsResponse>('/api/departments')
    pending.then(
      (res) => !cancelled && setDepartments([...res.departments, ...(res.retired ?? [])]),
      () => {
        pending = undefined
      },
    )
    return () => {
      cancelled = true
    }
  }, [])
  return (entry) => partnerLabel(entry, departments)
}
