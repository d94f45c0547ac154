import { Link, Navigate, Outlet, useLocation } from 'react-router'
import { UnreadBadge } from '../comments/UnreadBadge'
import { useAuth } from '../features/auth/AuthProvider'
import { LogoutButton } from '../features/auth/LogoutButton'
import type { MessageKey } from '../i18n/catalog'
import { useI18n } from '../i18n/I18nProvider'
import { NotificationBell } from '../notifications/NotificationBell'
import { EventsProvider } from './events'
import { fiscalYearOf } from './time'

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n()
  return (
    <button
      type="button"
      className="lang-switch"
      lang={locale === 'ja' ? 'en' : 'ja'}
      aria-label={`${t('lang.switch')} — ${t('lang.switchLabel')}`}
      onClick={() => setLocale(locale === 'ja' ? 'en' : 'ja')}
    >
      {t('lang.switch')}
    </button>
  )
}

/** The frame of every signed-in page; visitors without a session go to /login. */
export function Layout() {
  const { t } = useI18n()
  const { state } = useAuth()
  const location = useLocation()

  if (state.status === 'loading') return <p className="loading">{t('loading')}</p>
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname }} />
  const { user } = state

  return (
    <EventsProvider>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          {t('appName')}
        </Link>
        <nav aria-label={t('nav.main')}>
          <Link to="/">{t('nav.sheets')}</Link>
          {(user.role === 'planning' || user.role === 'admin' || user.role === 'head') && <Link to="/years">{t('years.nav')}</Link>}
          {user.department && user.role !== 'planning' && user.role !== 'admin' && (
            <Link to={`/partners?year=${fiscalYearOf()}`}>{t('partners.nav')}</Link>
          )}
          {user.role === 'planning' && <Link to="/plan">{t('plan.nav')}</Link>}
          {user.role === 'admin' && <Link to="/admin">{t('admin.nav')}</Link>}
        </nav>
        <div className="who">
          <span className="visually-hidden">{t('auth.signedInAs')}: </span>
          <span className="who-name">{user.displayName}</span>
          <span className="who-place">
            {user.department?.name ?? ''}
            {user.section ? ` ${user.section.name}` : ''}（{t(`role.${user.role}` as MessageKey)}）
          </span>
        </div>
        <UnreadBadge />
        <NotificationBell />
        <LanguageSwitch />
        <LogoutButton user={user} />
      </header>
      <Outlet />
    </EventsProvider>
  )
}
