import type { AdminDepartment } from '@hoshin/protocol'
import { useCallback, useEffect, useState } from 'react'
import { NavLink, Outlet, useOutletContext } from 'react-router'
import { ForbiddenPage } from '../../app/ErrorPages'
import { useErrorMessage } from '../../app/useErrorMessage'
import type { MessageKey } from '../../i18n/catalog'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { adminApi } from './adminApi'

/** What every tab of the admin area shares: the town's departments (retired ones included) and a refresh. */
export interface OrgContext {
  departments: AdminDepartment[] | null
  reload: () => Promise<void>
}

export function useOrg(): OrgContext {
  return useOutletContext<OrgContext>()
}

const tabs: { path: string; label: MessageKey }[] = [
  { path: 'org', label: 'admin.tab.org' },
  { path: 'users', label: 'admin.tab.users' },
  { path: 'import', label: 'admin.tab.import' },
  { path: 'transfers', label: 'admin.tab.transfers' },
]

/**
 * `/admin`: admins only. Everyone else sees the 403 page (the server refuses them every /api/admin call
 * anyway); a visitor without a session was already sent to /login by the Layout.
 */
export function AdminPage() {
  const { state } = useAuth()
  if (state.status !== 'signedIn' || state.user.role !== 'admin') return <ForbiddenPage />
  return <AdminArea />
}

function AdminArea() {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const [departments, setDepartments] = useState<AdminDepartment[] | null>(null)
  const [error, setError] = useState<unknown>(null)

  const reload = useCallback(async () => {
    try {
      const res = await adminApi.departments()
      setDepartments(res.departments)
      setError(null)
    } catch (e) {
      setError(e)
    }
  }, [])

  useEffect(() => {
    void reload()
  }, [reload])

  return (
    <main id="main" className="admin">
      <h1>{t('admin.title')}</h1>
      <nav className="admin-tabs" aria-label={t('admin.tabs')}>
        {tabs.map((tab) => (
          <NavLink key={tab.path} to={tab.path}>
            {t(tab.label)}
          </NavLink>
        ))}
      </nav>
      {error ? (
        <p role="alert" className="form-error">
          {errorMessage(error)}
        </p>
      ) : null}
      <Outlet context={{ departments, reload } satisfies OrgContext} />
    </main>
  )
}
