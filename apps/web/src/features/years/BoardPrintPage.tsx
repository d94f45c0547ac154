import type { SheetListResponse, SheetSummary, VersionResponse } from '@hoshin/protocol'
import { fiscalYearLabel, type Sheet } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Link, Navigate, useLocation, useParams } from 'react-router'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { PrintStyle, versionFooter } from '../sheets/PrintPage'
import { SheetView } from '../sheets/SheetView'
import { isFiscalYear } from './BoardPage'

interface Printed {
  summary: SheetSummary
  sheet: Sheet
  footer: string
}

/**
 * Every approved sheet of the year (its latest approved version, as the town publishes it), one after
 * another on A4 landscape, each starting on a new page: the bundle planning hands to the town's leaders.
 */
export function BoardPrintPage() {
  const { year: param = '' } = useParams()
  const year = Number(param)
  const { t, locale } = useI18n()
  const { state } = useAuth()
  const location = useLocation()
  const errorMessage = useErrorMessage()
  const [printed, setPrinted] = useState<Printed[] | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (state.status !== 'signedIn' || !isFiscalYear(year)) return
    let cancelled = false
    api<SheetListResponse>('/api/sheets')
      .then(({ sheets }) =>
        Promise.all(
          sheets
            .filter((s) => s.fiscalYear === year && s.status === 'approved' && s.latestVersion)
            .map(async (summary) => {
              const v = await api<VersionResponse>(`/api/sheets/${encodeURIComponent(summary.id)}/versions/${summary.latestVersion!.number}`)
              return { summary, sheet: v.sheet as Sheet, footer: versionFooter(v) }
            }),
        ),
      )
      .then(
        (list) => !cancelled && setPrinted(list),
        (e: unknown) => !cancelled && setError(e),
      )
    return () => {
      cancelled = true
    }
  }, [year, state.status])

  if (state.status === 'loading') return null
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname }} />
  if (!isFiscalYear(year)) return <Navigate to="/years" replace />
  if (error) return <p role="alert">{errorMessage(error)}</p>
  if (!printed) return <p>{t('loading')}</p>
  const label = fiscalYearLabel(year)
  return (
    <main id="main" className="print-page print-bundle">
      <PrintStyle footer={`${label} 課等の方針（承認済 ${printed.length}課）`} />
      <div className="print-actions">
        <Link to={`/years/${year}`}>← {t('board.back')}</Link>
        <button type="button" className="primary" disabled={printed.length === 0} onClick={() => window.print()}>
          {t('print.pdf')}
        </button>
        <span className="muted">
          {t('board.bundleCount').replace('{year}', fiscalYearLabel(year, locale)).replace('{n}', String(printed.length))}
        </span>
      </div>
      {printed.length === 0 ? (
        <p className="notice">{t('board.bundleEmpty')}</p>
      ) : (
        printed.map((p) => (
          <section key={p.summary.id} className="print-bundle-sheet" aria-label={`${p.sheet.department.name} ${p.footer}`}>
            <SheetView sheet={p.sheet} />
            <p className="print-version">
              {p.sheet.department.name}　{p.footer}
            </p>
          </section>
        ))
      )}
    </main>
  )
}
