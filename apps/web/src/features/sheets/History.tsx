import type { AuditEntryView, SheetViewEntry, SheetViewsResponse, VersionListResponse, VersionResponse } from '@hoshin/protocol'
import type { Sheet, SheetChange } from '@hoshin/sheet'
import { useEffect, useId, useState } from 'react'
import { api } from '../../api/client'
import { fill } from '../admin/text'
import { useI18n } from '../../i18n/I18nProvider'
import { WORKFLOW_EVENT } from '../../sync/useSheetSession'
import { EvaluationHistory } from '../evaluations/EvaluationHistory'
import { actionLabel, detailLabel } from './auditLabels'
import { SheetView } from './SheetView'
import { type AttributedChange, ChangeTable, useChanges, when } from './Workflow'

// The sheet page's 履歴 (versions, the diff between two, evaluations, audit and view log): loaded when
// first opened, not with the page (issue 18).

/** Who opened this sheet and which version (for its 課長 and admins), newest first. */
function ViewLog({ sheetId }: { sheetId: string }) {
  const { t, locale } = useI18n()
  const [views, setViews] = useState<SheetViewEntry[]>([])
  useEffect(() => {
    api<SheetViewsResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/views`).then(
      (r) => setViews(r.views),
      () => setViews([]),
    )
  }, [sheetId])
  return (
    <section className="audit view-log" aria-label={t('history.views')}>
      <h3>{t('history.views')}</h3>
      <p className="muted">{t('history.viewsHelp')}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('history.viewsAt')}</th>
            <th scope="col">{t('history.viewsWho')}</th>
            <th scope="col">{t('history.viewsDepartment')}</th>
            <th scope="col">{t('history.viewsWhat')}</th>
          </tr>
        </thead>
        <tbody>
          {views.map((v, i) => (
            <tr key={`${i}-${v.at}`}>
              <td>{when(v.at, locale)}</td>
              <td>{v.user.name}</td>
              <td>{v.department ?? '—'}</td>
              <td>{v.version === null ? t('history.viewsLive') : `v${v.version}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

/** The sheet's audit trail (課長 and admins), filtered by kind of event: in words, with people's names. */
function AuditTrail({ sheetId }: { sheetId: string }) {
  const { t, locale } = useI18n()
  // Every entry of the sheet: the plan's steps and its evaluations' (all written with the sheet as target).
  const [filter, setFilter] = useState('')
  const [entries, setEntries] = useState<AuditEntryView[] | null>(null)
  const filterId = useId()
  useEffect(() => {
    api<{ entries: AuditEntryView[] }>(`/api/sheets/${encodeURIComponent(sheetId)}/audit?action=${encodeURIComponent(filter)}`).then(
      (r) => setEntries(r.entries),
      () => setEntries([]),
    )
  }, [sheetId, filter])
  return (
    <section className="audit audit-trail" aria-label={t('history.audit')}>
      <h3>{t('history.audit')}</h3>
      <label htmlFor={filterId}>{t('history.auditFilter')}</label>
      <select id={filterId} value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
        <option value="">{t('comments.filter.all')}</option>
        <option value="sheet.submit">{t('history.action.sheet.submit')}</option>
        <option value="sheet.return">{t('history.action.sheet.return')}</option>
        <option value="sheet.approve">{t('history.action.sheet.approve')}</option>
        <option value="sheet.version">{t('history.action.sheet.version')}</option>
        <option value="sheet.reopen">{t('history.action.sheet.reopen')}</option>
        <option value="sheet.rejected-update">{t('history.action.sheet.rejected-update')}</option>
        <option value="sheet.export">{t('history.auditExport')}</option>
        <option value="sheet.import">{t('history.auditImport')}</option>
        <option value="evaluation.">{t('history.auditEvaluation')}</option>
      </select>
      {entries?.length === 0 ? (
        <p className="muted">{t('history.auditEmpty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('history.auditAt')}</th>
              <th scope="col">{t('history.auditWho')}</th>
              <th scope="col">{t('history.auditAction')}</th>
              <th scope="col">{t('history.auditDetail')}</th>
            </tr>
          </thead>
          <tbody>
            {(entries ?? []).map((e, i) => (
              <tr key={`${i}-${e.at}`}>
                <td>{when(e.at, locale)}</td>
                <td>{e.displayName ?? e.username ?? '—'}</td>
                <td>{actionLabel(e.action, t)}</td>
                <td className="audit-detail">{detailLabel(e.action, e.detail, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** Approved versions (each viewable read-only) and a side-by-side diff between any two, or with the draft. */
export function History({ sheetId, canAudit, hasPrevious = false }: { sheetId: string; canAudit: boolean; hasPrevious?: boolean }) {
  const { t, locale } = useI18n()
  const [versions, setVersions] = useState<VersionListResponse['versions']>([])
  const [shown, setShown] = useState<VersionResponse | null>(null)
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('current')
  const [changes, setChanges] = useState<SheetChange[] | null>(null)
  const ids = { from: useId(), to: useId() }
  const latest = versions.at(-1)
  // The comparison opens on 最新の承認版 ↔ 現在の下書き, with who changed each field; other pairs are plain diffs.
  const isDefault = latest !== undefined && from === String(latest.number) && to === 'current'
  const sinceVersion = useChanges(sheetId, 'version', isDefault, 2000)
  const base = `/api/sheets/${encodeURIComponent(sheetId)}`

  useEffect(() => {
    const load = () => api<VersionListResponse>(`${base}/versions`).then((r) => setVersions(r.versions), () => undefined)
    void load()
    window.addEventListener(WORKFLOW_EVENT, load)
    return () => window.removeEventListener(WORKFLOW_EVENT, load)
  }, [base])

  // Until the person picks another pair, the comparison follows the latest version (a new approval moves it).
  const [chosen, setChosen] = useState(false)
  useEffect(() => {
    if (chosen) return
    if (versions.length) setFrom(String(versions.at(-1)!.number))
    else if (hasPrevious) setFrom('previous')
  }, [versions, chosen, hasPrevious])

  useEffect(() => {
    if (!from || isDefault) return
    let cancelled = false
    const load = () =>
      api<{ changes: SheetChange[] }>(`${base}/diff?from=${from}&to=${to}`).then(
        (r) => !cancelled && setChanges(r.changes),
        () => undefined,
      )
    void load()
    // Against the live draft the comparison follows the typing, a few seconds behind.
    const timer = to === 'current' ? setInterval(load, 2000) : undefined
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [base, from, to, isDefault])
  const shownChanges: AttributedChange[] | null = isDefault ? (sinceVersion?.changes ?? null) : changes

  return (
    <section className="history" aria-label={t('history.title')}>
      <h2>{t('history.title')}</h2>
      {versions.length === 0 ? (
        <p className="muted">{t('history.none')}</p>
      ) : (
        <table>
          <caption>{t('history.versions')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('history.version')}</th>
              <th scope="col">{t('workflow.revision')}</th>
              <th scope="col">{t('history.approvedBy')}</th>
              <th scope="col">{t('history.approvedAt')}</th>
              <th scope="col">SHA-256</th>
              <th scope="col">
                <span className="visually-hidden">{t('history.show')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.number}>
                <td>v{v.number}</td>
                <td>{v.revision}</td>
                <td>{v.approvedBy.name}</td>
                <td>{when(v.approvedAt, locale)}</td>
                <td>
                  <code title={v.sha256}>{v.sha256.slice(0, 12)}…</code>
                </td>
                <td>
                  <button
                    type="button"
                    onClick={async () => setShown(shown?.number === v.number ? null : await api<VersionResponse>(`${base}/versions/${v.number}`))}
                  >
                    {shown?.number === v.number ? t('history.hide') : `v${v.number} ${t('history.show')}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(versions.length > 0 || hasPrevious) && (
        <section className="diff" aria-label={t('history.diff')}>
          <h3>{t('history.diff')}</h3>
          {hasPrevious && (
            <p>
              <button
                type="button"
                aria-pressed={from === 'previous'}
                onClick={() => {
                  setChosen(true)
                  setFrom('previous')
                  setTo('current')
                }}
              >
                {t('years.comparePrevious')}
              </button>
            </p>
          )}
          <label htmlFor={ids.from}>{t('history.from')}</label>
          <select
            id={ids.from}
            value={from}
            onChange={(e) => {
              setChosen(true)
              setFrom(e.currentTarget.value)
            }}
          >
            {hasPrevious && <option value="previous">{t('years.previousVersion')}</option>}
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number}
              </option>
            ))}
          </select>
          <label htmlFor={ids.to}>{t('history.to')}</label>
          <select
            id={ids.to}
            value={to}
            onChange={(e) => {
              setChosen(true)
              setTo(e.currentTarget.value)
            }}
          >
            <option value="current">{t('history.current')}</option>
            {versions.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number}
              </option>
            ))}
          </select>
          {isDefault && <p className="compare-what">{fill(t('history.sinceVersion'), { version: latest.number })}</p>}
          {shownChanges && shownChanges.length === 0 && (
            <p className="muted">{isDefault ? fill(t('history.sinceVersionEmpty'), { version: latest.number }) : t('history.noChanges')}</p>
          )}
          {shownChanges && shownChanges.length > 0 && <ChangeTable changes={shownChanges} attributed={isDefault} />}
        </section>
      )}
      <EvaluationHistory sheetId={sheetId} />
      {canAudit && <AuditTrail sheetId={sheetId} />}
      {canAudit && <ViewLog sheetId={sheetId} />}
      {shown && (
        <div className="version-view">
          <SheetView sheet={shown.sheet as Sheet} />
        </div>
      )}
    </section>
  )
}
