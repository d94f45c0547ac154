import { useEffect } from 'react'
import { isRouteErrorResponse, Link, useRouteError } from 'react-router'
import { useI18n } from '../i18n/I18nProvider'
import { LanguageSwitch } from './Layout'

type Kind = 'notFound' | 'forbidden' | 'unexpected'

const status: Record<Kind, string> = { notFound: '404', forbidden: '403', unexpected: '500' }

function ErrorBody({ kind, reload = false }: { kind: Kind; reload?: boolean }) {
  const { t } = useI18n()
  const title = t(`error.page.${kind}`)
  useEffect(() => {
    const before = document.title
    document.title = `${title} — ${t('appName')}`
    return () => {
      document.title = before
    }
  }, [title, t])
  return (
    <main id="main" className="error-page">
      <p className="error-status" aria-hidden="true">
        {status[kind]}
      </p>
      <h1>{title}</h1>
      <p>{t(`error.page.${kind}Lead`)}</p>
      <p className="error-links">
        <Link to="/">{t('error.page.back')}</Link>
        {reload && (
          <button type="button" onClick={() => window.location.reload()}>
            {t('error.page.reload')}
          </button>
        )}
      </p>
    </main>
  )
}

/** 「ページが見つかりません」 inside the signed-in frame: any path the app does not know. */
export function NotFoundPage() {
  return <ErrorBody kind="notFound" />
}

/** 「このページを表示する権限がありません」: a page this person's role may not open (the server refuses its API too). */
export function ForbiddenPage() {
  return <ErrorBody kind="forbidden" />
}

/**
 * The route tree's errorElement, so that no failure ever shows react-router's English default screen.
 * It replaces the whole frame, so it brings its own small header.
 */
export function RouteErrorPage() {
  const error = useRouteError()
  const { t } = useI18n()
  const kind: Kind =
    isRouteErrorResponse(error) && error.status === 404 ? 'notFound' : isRouteErrorResponse(error) && error.status === 403 ? 'forbidden' : 'unexpected'
  useEffect(() => {
    if (kind === 'unexpected') console.error(error)
  }, [kind, error])
  return (
    <>
      <header className="app-header">
        <a href="/" className="brand">
          {t('appName')}
        </a>
        <span className="header-gap" />
        <LanguageSwitch />
      </header>
      <ErrorBody kind={kind} reload={kind === 'unexpected'} />
    </>
  )
}
