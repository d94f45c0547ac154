import type { SheetSummary } from '@hoshin/protocol'
import type { Sheet } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { SheetView } from './SheetView'

export function SheetPage() {
  const { id = '' } = useParams()
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const [data, setData] = useState<{ summary: SheetSummary; sheet: Sheet } | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    let cancelled = false
    const path = `/api/sheets/${encodeURIComponent(id)}`
    Promise.all([api<SheetSummary>(path), api<Sheet>(`${path}/export.json`)]).then(
      ([summary, sheet]) => !cancelled && setData({ summary, sheet }),
      (e: unknown) => !cancelled && setError(e),
    )
    return () => {
      cancelled = true
    }
  }, [id])

  return (
    <main id="main">
      <p className="back">
        <Link to="/">← {t('sheet.back')}</Link>
      </p>
      {error ? (
        <p role="alert">{errorMessage(error)}</p>
      ) : !data ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <p className="sheet-meta">
            <span className={`status status-${data.summary.status}`}>{t(`status.${data.summary.status}`)}</span>
            {!data.summary.canEdit && <span className="notice">{t('sheet.readOnlyNotice')}</span>}
          </p>
          <SheetView sheet={data.sheet} />
        </>
      )}
    </main>
  )
}
