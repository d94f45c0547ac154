import { roles } from '@hoshin/protocol'
import { useI18n } from '../../i18n/I18nProvider'

/** What the last action did (read out by screen readers) and what went wrong, under a tab's form. */
export function Feedback({ status, error }: { status: string | null; error: string | null }) {
  return (
    <>
      <p role="status" className="admin-status">
        {status}
      </p>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
    </>
  )
}

/** The five roles as options, in their order (係員 … 管理者). */
export function RoleOptions() {
  const { t } = useI18n()
  return (
    <>
      {roles.map((role) => (
        <option key={role} value={role}>
          {t(`role.${role}`)}
        </option>
      ))}
    </>
  )
}
