import type { SheetSummary, VersionResponse } from '@hoshin/protocol'
import { type Sheet, townDateJa } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Navigate, useLocation, useParams, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { townTimeZone } from '../../app/town-zone'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { SheetView } from './SheetView'

/** The day in the town's time zone, whatever this PC's clock zone is. */
function day(iso: string): string {
  return townDateJa(iso, townTimeZone())
}

/** A string for CSS `content`, quotes and backslashes escaped. */
function cssString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** The footer of an approved version: 承認済 v2（2026年5月29日）. */
export function versionFooter(v: { number: number; approvedAt: string }): string {
  return `承認済 v${v.number}（${day(v.approvedAt)}）`
}

/** A4 landscape with this footer at the bottom left and page numbers at the bottom right. */
export function PrintStyle({ footer }: { footer: string }) {
  return (
    <style>{`@page { size: A4 landscape; margin: 12mm 10mm 14mm;
        @bottom-left { content: ${cssString(footer)}; font-size: 8pt; }
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }`}</style>
  )
}

/**
 * The official print layout on A4 landscape: the sheet as the town publishes it, with the version (or
 * 作成中 and the date) and page numbers in the footer. "PDF" prints it with the browser's own
 * "PDF に保存": the same bundled fonts on every PC, and no PDF engine needed on the town's server.
 */
export function PrintPage() {
  const { id = '' } = useParams()
  const [params] = useSearchParams()
  const version = params.get('version')
  const { t } = useI18n()
  const { state } = useAuth()
  const location = useLocation()
  const errorMessage = useErrorMessage()
  const [data, setData] = useState<{ sheet: Sheet; footer: string } | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (state.status !== 'signedIn') return
    let cancelled = false
    const base = `/api/sheets/${encodeURIComponent(id)}`
    const load = version
      ? api<VersionResponse>(`${base}/versions/${encodeURIComponent(version)}`).then((v) => ({
          sheet: v.sheet as Sheet,
          footer: versionFooter(v),
        }))
      : Promise.all([api<SheetSummary>(base), api<Sheet>(`${base}/export.json`)]).then(([summary, sheet]) => ({
          sheet,
          footer:
            summary.status === 'approved' && summary.latestVersion
              ? versionFooter(summary.latestVersion)
              : `作成中（${day(new Date().toISOString())} 時点）`,
        }))
    load.then(
      (d) => !cancelled && setData(d),
      (e: unknown) => !cancelled && setError(e),
    )
    return () => {
      cancelled = true
    }
  }, [id, version, state.status])

  if (state.status === 'loading') return null
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  if (error) return <p role="alert">{errorMessage(error)}</p>
  if (!data) return <p>{t('loading')}</p>
  return (
    <main id="main" className="print-page">
      <PrintStyle footer={`${data.sheet.department.name}　${data.footer}`} />
      <p className="print-actions">
        <button type="button" className="primary" onClick={() => window.print()}>
          {t('print.pdf')}
        </button>
        <span className="muted">{t('print.hint')}</span>
      </p>
      <SheetView sheet={data.sheet} />
    </main>
  )
}
