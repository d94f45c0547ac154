import type { PartnerRow, PartnerRowsResponse } from '@hoshin/protocol'
import { fiscalYearLabel } from '@hoshin/sheet'
import { useCallback, useEffect, useId, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { useServerEvent } from '../../app/events'
import { fiscalYearOf } from '../../app/time'
import { useErrorMessage } from '../../app/useErrorMessage'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { isFiscalYear } from './BoardPage'

const kindLabel = { measure: '施策', project: '事務事業' } as const

/** Rows grouped by the department that asks, in the order the server lists them. */
function byDepartment(rows: PartnerRow[]): { id: string; name: string; rows: PartnerRow[] }[] {
  const groups = new Map<string, { id: string; name: string; rows: PartnerRow[] }>()
  for (const row of rows) {
    const group = groups.get(row.department.id) ?? { ...row.department, rows: [] }
    group.rows.push(row)
    groups.set(row.department.id, group)
  }
  return [...groups.values()]
}

function Lines({ text }: { text: string }) {
  return (
    <>
      {text.split('\n').map((line, i) => (
        <span key={i} className="line">
          {line}
        </span>
      ))}
    </>
  )
}

function RowLine({ row, onChanged }: { row: PartnerRow; onChanged: (row: PartnerRow) => void }) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const label = `${row.department.name} ${kindLabel[row.kind]} ${row.rank}`

  async function acknowledge(acknowledged: boolean) {
    setBusy(true)
    setError(null)
    try {
      await api('/api/partner-rows/ack', { method: 'POST', json: { sheetId: row.sheetId, rowId: row.rowId, acknowledged } })
      onChanged({ ...row, acknowledged, acknowledgedAt: acknowledged ? new Date().toISOString() : null })
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <tr className={row.acknowledged ? 'acknowledged' : undefined}>
      <td className="rank">
        {kindLabel[row.kind]}
        <br />
        {row.rank}
      </td>
      <th scope="row">
        <Lines text={row.name} />
      </th>
      <td>
        <Lines text={row.content} />
      </td>
      <td className="ack">
        {row.acknowledged ? (
          <>
            <span className="ack-done">
              ✓ {t('partners.acknowledged')}
              {row.acknowledgedAt && <span className="ack-at">{formatDateTime(row.acknowledgedAt, locale)}</span>}
            </span>
            <button type="button" disabled={busy} aria-label={`${label} ${t('partners.undo')}`} onClick={() => void acknowledge(false)}>
              {t('partners.undo')}
            </button>
          </>
        ) : (
          <button type="button" className="primary" disabled={busy} aria-label={`${label} ${t('partners.ack')}`} onClick={() => void acknowledge(true)}>
            {t('partners.ack')}
          </button>
        )}
        {error && <p role="alert">{error}</p>}
      </td>
      <td>
        <Link
          to={`/sheets/${encodeURIComponent(row.sheetId)}?row=${encodeURIComponent(row.rowId)}`}
          aria-label={`${label} ${t('partners.comment')}`}
        >
          {t('partners.comment')}
        </Link>
      </td>
    </tr>
  )
}

/**
 * 連携依頼 (`/partners?year=`): the rows of other departments' sheets that name this person's department
 * (or 全課), by asking department, each to acknowledge (了承) or to answer with a comment on the row.
 */
export function PartnersPage() {
  const { t, locale } = useI18n()
  const { state } = useAuth()
  const errorMessage = useErrorMessage()
  const [params, setParams] = useSearchParams()
  const requested = Number(params.get('year'))
  const year = isFiscalYear(requested) ? requested : fiscalYearOf()
  const [rows, setRows] = useState<PartnerRow[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const yearId = useId()

  const load = useCallback(() => {
    api<PartnerRowsResponse>(`/api/partner-rows?year=${year}`).then(
      (r) => {
        setRows(r.rows)
        setError(null)
      },
      (e: unknown) => setError(e),
    )
  }, [year])
  useEffect(() => {
    setRows(null)
    load()
  }, [load])
  // A new request arrives as a notification of kind 'partner'.
  useServerEvent('notifications', () => load())

  if (state.status !== 'signedIn') return null
  const department = state.user.department
  const groups = rows ? byDepartment(rows) : []
  const update = (changed: PartnerRow) =>
    setRows((list) => list?.map((r) => (r.sheetId === changed.sheetId && r.rowId === changed.rowId ? changed : r)) ?? list)

  return (
    <main id="main" className="partners">
      <h1>
        {t('partners.title')}
        {department && <span className="partners-department">{department.name}</span>}
      </h1>
      <p>{t('partners.lead')}</p>
      <p className="year-select">
        <label htmlFor={yearId}>{t('sheets.fiscalYear')}</label>
        <select id={yearId} value={year} onChange={(e) => setParams({ year: e.currentTarget.value })}>
          {[year - 1, year, year + 1].filter(isFiscalYear).map((y) => (
            <option key={y} value={y}>
              {fiscalYearLabel(y, locale)}
            </option>
          ))}
        </select>
      </p>
      {!department ? (
        <p className="notice">{t('partners.noDepartment')}</p>
      ) : error ? (
        <p role="alert">{errorMessage(error)}</p>
      ) : !rows ? (
        <p>{t('loading')}</p>
      ) : rows.length === 0 ? (
        <p className="notice">{t('partners.empty').replace('{year}', fiscalYearLabel(year, locale))}</p>
      ) : (
        <>
          <p className="muted" role="status">
            {t('partners.summary')
              .replace('{n}', String(rows.length))
              .replace('{ack}', String(rows.filter((r) => r.acknowledged).length))}
          </p>
          {groups.map((group) => (
            <section key={group.id} className="partner-group" aria-label={`${group.name}${t('partners.from')}`}>
              <h2>
                {group.name}
                {t('partners.from')}（{group.rows.length}）
              </h2>
              <table className="ranked partner-table">
                <thead>
                  <tr>
                    <th scope="col" className="rank">
                      {t('partners.rank')}
                    </th>
                    <th scope="col">{t('partners.name')}</th>
                    <th scope="col">{t('partners.content')}</th>
                    <th scope="col">{t('partners.ackColumn')}</th>
                    <th scope="col">{t('partners.commentColumn')}</th>
                  </tr>
                </thead>
                <tbody>
                  {group.rows.map((row) => (
                    <RowLine key={`${row.sheetId}-${row.rowId}`} row={row} onChanged={update} />
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </>
      )}
    </main>
  )
}
