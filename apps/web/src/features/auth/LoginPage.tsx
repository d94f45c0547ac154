import { type FormEvent, useId, useState } from 'react'
import { Navigate, useLocation, useNavigate } from 'react-router'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from './AuthProvider'

export function LoginPage() {
  const { t } = useI18n()
  const { state, login } = useAuth()
  const navigate = useNavigate()
  const location = useLocation()
  const errorMessage = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const usernameId = useId()
  const passwordId = useId()
  const from = (location.state as { from?: string } | null)?.from ?? '/'

  if (state.status === 'signedIn') return <Navigate to={from} replace />

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      await login(String(form.get('username') ?? ''), String(form.get('password') ?? ''))
      navigate(from, { replace: true })
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main id="main" className="login">
      <h1>{t('auth.title')}</h1>
      {state.status === 'signedOut' && state.notice === 'sessionEnded' && (
        <p className="notice session-ended" role="status">
          {t('notifications.sessionEnded')}
        </p>
      )}
      <p>{t('auth.lead')}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={usernameId}>{t('auth.username')}</label>
          <input id={usernameId} name="username" autoComplete="username" required autoCapitalize="off" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor={passwordId}>{t('auth.password')}</label>
          <input id={passwordId} name="password" type="password" autoComplete="current-password" required />
        </div>
        <div role="alert" className="form-error">
          {error}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('auth.submitting') : t('auth.submit')}
        </button>
      </form>
    </main>
  )
}
