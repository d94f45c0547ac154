import type { SheetListResponse, SheetSummary } from '@hoshin/protocol'
import { fiscalYearLabel } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { api } from '../../api/client'
import { useServerEvent } from '../../app/events'
import { useErrorMessage } from '../../app/useErrorMessage'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'

/** Unread @mentions of this person (or their section) in the sheet. */
function MentionBadge({ count }: { count: number | undefined }) {
  const { t } = useI18n()
  if (!count) return null
  return (
    <span className="badge mention-badge">
      <span aria-hidden="true">@{count}</span>
      <span className="visually-hidden">{t('notifications.mentions').replace('{n}', String(count))}</span>
    </span>
  )
}

export function SheetListPage() {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [sheets, setSheets] = useState<SheetSummary[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  // Something concerning this person happened (a step, a mention, a request): statuses and badges move.
  const [changed, setChanged] = useState(0)
  useServerEvent('notifications', () => setChanged((n) => n + 1))

  useEffect(() => {
    let cancelled = false
    api<SheetListResponse>('/api/sheets').then(
      (res) => !cancelled && setSheets(res.sheets),
      (e: unknown) => !cancelled && setError(e),
    )
    return () => {
      cancelled = true
    }
  }, [changed])

  return (
    <main id="main">
      <h1>{t('sheets.title')}</h1>
      {error ? (
        <p role="alert">{errorMessage(error)}</p>
      ) : !sheets ? (
        <p>{t('loading')}</p>
      ) : sheets.length === 0 ? (
        <p>{t('sheets.empty')}</p>
      ) : (
        <table className="sheet-list">
          <caption>{t('sheets.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('sheets.fiscalYear')}</th>
              <th scope="col">{t('sheets.department')}</th>
              <th scope="col">{t('sheets.status')}</th>
              <th scope="col">{t('sheets.access')}</th>
              <th scope="col">{t('sheets.updatedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {sheets.map((sheet) => (
              <tr key={sheet.id}>
                <td>{fiscalYearLabel(sheet.fiscalYear, locale)}</td>
                <td>
                  <Link to={`/sheets/${encodeURIComponent(sheet.id)}`}>{sheet.department.name}</Link>
                  <MentionBadge count={sheet.unreadMentions} />
                </td>
                <td>
                  <span className={`status status-${sheet.status}`}>{t(`status.${sheet.status}`)}</span>
                </td>
                <td>{sheet.canEdit ? t('sheets.canEdit') : t('sheets.readOnly')}</td>
                <td>
                  <time dateTime={sheet.updatedAt}>{formatDateTime(sheet.updatedAt, locale, 'medium')}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  )
}
