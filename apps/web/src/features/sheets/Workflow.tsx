import type { ChangeAttribution, SheetChangesResponse, SheetSummary } from '@hoshin/protocol'
import type { SheetChange } from '@hoshin/sheet'
import { type FormEvent, useEffect, useId, useState } from 'react'
import { api } from '../../api/client'
import { ConfirmModal } from '../../app/Modal'
import { relativeTime } from '../../app/time'
import { useErrorMessage } from '../../app/useErrorMessage'
import { fill } from '../admin/text'
import type { Locale } from '../../i18n/catalog'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { LATE_EVENT, WORKFLOW_EVENT } from '../../sync/useSheetSession'
import { ReviewPanel } from './Review'

export const when = (iso: string, locale: string) => formatDateTime(iso, locale, 'medium')

export type AttributedChange = SheetChange & Partial<ChangeAttribution>

/**
 * The changes from the latest approved version (`version`) or from the last submission (`submitted`) to
 * the live draft, each with who made it; followed every few seconds while shown (others keep typing).
 */
export function useChanges(sheetId: string, since: 'version' | 'submitted', enabled = true, refreshMs = 3000) {
  const [data, setData] = useState<SheetChangesResponse<SheetChange> | null>(null)
  useEffect(() => {
    if (!enabled) return
    let cancelled = false
    const load = () =>
      api<SheetChangesResponse<SheetChange>>(`/api/sheets/${encodeURIComponent(sheetId)}/changes?since=${since}`).then(
        (r) => !cancelled && setData(r),
        () => undefined,
      )
    void load()
    window.addEventListener(WORKFLOW_EVENT, load)
    const timer = setInterval(load, refreshMs)
    return () => {
      cancelled = true
      clearInterval(timer)
      window.removeEventListener(WORKFLOW_EVENT, load)
    }
  }, [sheetId, since, enabled, refreshMs])
  return data
}

/** Who changed a field and when: the last person, others who changed it too in brackets, the time relative (exact on hover). */
function EditedBy({ change, locale }: { change: AttributedChange; locale: Locale }) {
  const { t } = useI18n()
  if (!change.editedBy) return <>{t('history.editedUnknown')}</>
  const others = (change.editors ?? []).filter((e) => e.id !== change.editedBy?.id).map((e) => e.name)
  return (
    <>
      <span>{change.editedBy.name}</span>
      {others.length > 0 && <span className="muted">（{others.join('、')}）</span>}
      {change.editedAt && (
        <time className="muted" dateTime={change.editedAt} title={when(change.editedAt, locale)}>
          {relativeTime(change.editedAt, locale)}
        </time>
      )}
    </>
  )
}

/** One side of a change: the text (word changes marked), the rank of a moved row, or that a row came or went. */
function ChangeSide({ change, side }: { change: SheetChange; side: 'before' | 'after' }) {
  const { t } = useI18n()
  if (change.kind === 'changed') return <Parts change={change} side={side} />
  if (change.kind === 'moved') return <>{fill(t('history.rank'), { n: (side === 'before' ? change.fromRank : change.toRank) ?? '' })}</>
  if (change.kind === 'added') return side === 'after' ? <>{t('history.added')}</> : null
  return side === 'after' ? <>{t('history.removed')}</> : null
}

/** Changes field by field: the row and field in the sheet's terms, before, after, and who when known. */
export function ChangeTable({ changes, attributed }: { changes: AttributedChange[]; attributed: boolean }) {
  const { t, locale } = useI18n()
  return (
    <table className="diff-table">
      <thead>
        <tr>
          <th scope="col">{t('history.field')}</th>
          <th scope="col">{t('history.before')}</th>
          <th scope="col">{t('history.after')}</th>
          {attributed && <th scope="col">{t('history.editedBy')}</th>}
        </tr>
      </thead>
      <tbody>
        {changes.map((change, i) => (
          <tr key={`${i}-${change.summary}`}>
            <th scope="row">{change.label}</th>
            <td>
              <ChangeSide change={change} side="before" />
            </td>
            <td>
              <ChangeSide change={change} side="after" />
            </td>
            {attributed && (
              <td className="change-author">
                <EditedBy change={change} locale={locale} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** 提出後の変更: what changed after the sheet was submitted, for the 課長 to see before approving. */
function SinceSubmit({ sheetId }: { sheetId: string }) {
  const { t, locale } = useI18n()
  const data = useChanges(sheetId, 'submitted')
  if (data?.baseline?.kind !== 'submitted') return null
  return (
    <section className="since-submit" aria-label={t('workflow.sinceSubmit')}>
      <h2>
        {t('workflow.sinceSubmit')} <span className="count">{data.changes.length}</span>
      </h2>
      <p className="muted">{fill(t('workflow.sinceSubmitHelp'), { who: data.baseline.by.name, when: when(data.baseline.at, locale) })}</p>
      {data.changes.length === 0 ? <p>{t('workflow.sinceSubmitNone')}</p> : <ChangeTable changes={data.changes} attributed />}
    </section>
  )
}


/** Status, the 承認済 banner, and the steps this person may take (the server checks them again). */
export function WorkflowBar({
  summary,
  onChanged,
  evaluationOpen = false,
}: {
  summary: SheetSummary
  onChanged: (s: SheetSummary) => void
  /** An evaluation is being written: a revision waits until it is approved ([S20]), so 改訂する is not offered. */
  evaluationOpen?: boolean
}) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const [returning, setReturning] = useState(false)
  const [confirming, setConfirming] = useState<'approve' | 'reopen' | null>(null)
  const [busy, setBusy] = useState(false)
  const reasonId = useId()
  const base = `/api/sheets/${encodeURIComponent(summary.id)}`
  // The count the 承認 dialog states: changes since the sheet was submitted.
  const sinceSubmit = useChanges(summary.id, 'submitted', confirming === 'approve')

  async function run(action: string, json?: unknown) {
    setError(null)
    setBusy(true)
    try {
      if (action === 'approve') await api(`${base}/approve`, { method: 'POST' })
      else await api(`${base}/${action}`, { method: 'POST', json })
      onChanged(await api<SheetSummary>(base))
      setReturning(false)
      setConfirming(null)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const v = summary.latestVersion
  const nextVersion = (v?.number ?? 0) + 1
  return (
    <div className="workflow">
      <p className="sheet-meta">
        <span className={`status status-${summary.status}`}>{t(`status.${summary.status}`)}</span>
        {summary.revision > 1 && (
          <span className="muted">
            {t('workflow.revision')} {summary.revision}
          </span>
        )}
        {summary.actions.includes('submit') && (
          <button type="button" onClick={() => void run('submit')}>
            {t('workflow.submit')}
          </button>
        )}
        {summary.actions.includes('return') && (
          <button type="button" onClick={() => setReturning(!returning)} aria-expanded={returning}>
            {t('workflow.return')}
          </button>
        )}
        {summary.actions.includes('approve') && (
          <button type="button" className="primary" onClick={() => setConfirming('approve')}>
            {t('workflow.approve')}
          </button>
        )}
        {summary.actions.includes('reopen') && !evaluationOpen && (
          <button type="button" onClick={() => setConfirming('reopen')}>
            {t('workflow.reopen')}
          </button>
        )}
      </p>
      {confirming === 'approve' && (
        <ConfirmModal
          title={t('workflow.confirmApproveTitle')}
          message={
            sinceSubmit === null
              ? t('workflow.confirmApproveLoading')
              : fill(t('workflow.confirmApprove'), { version: nextVersion, count: sinceSubmit.changes.length })
          }
          confirm={t('workflow.confirmApproveAction')}
          cancelLabel={t('workflow.cancel')}
          busy={busy || sinceSubmit === null}
          error={error}
          onConfirm={() => void run('approve')}
          onClose={() => {
            setConfirming(null)
            setError(null)
          }}
        />
      )}
      {confirming === 'reopen' && (
        <ConfirmModal
          title={t('workflow.confirmReopenTitle')}
          message={fill(t('workflow.confirmReopen'), { version: v?.number ?? 0, revision: summary.revision + 1 })}
          confirm={t('workflow.confirmReopenAction')}
          cancelLabel={t('workflow.cancel')}
          busy={busy}
          error={error}
          onConfirm={() => void run('reopen')}
          onClose={() => {
            setConfirming(null)
            setError(null)
          }}
        />
      )}
      {returning && (
        <form
          className="return-form"
          onSubmit={(e: FormEvent<HTMLFormElement>) => {
            e.preventDefault()
            void run('return', { reason: String(new FormData(e.currentTarget).get('reason') ?? '') })
          }}
        >
          <label htmlFor={reasonId}>{t('workflow.returnReason')}</label>
          <textarea id={reasonId} name="reason" rows={2} required />
          <button type="submit">{t('workflow.returnConfirm')}</button>
        </form>
      )}
      {error && !confirming && <p role="alert">{error}</p>}
      {summary.actions.includes('approve') && <SinceSubmit sheetId={summary.id} />}
      {summary.status === 'approved' && v && (
        <p className="approved-banner" role="status">
          {t('workflow.approvedBanner')} (v{v.number}, 課長 {v.approvedBy.name}, {when(v.approvedAt, locale)})
        </p>
      )}
      {summary.status === 'draft' && summary.returnedReason && (
        <p className="returned-banner" role="status">
          {/* 企画's send-back (review above the 課長) says who and which version; the 課長's is as before. */}
          {summary.review.sentBack
            ? fill(t('review.sentBack'), { name: summary.review.sentBack.by.name, version: summary.review.sentBack.version })
            : t('workflow.returned')}
          : {summary.returnedReason}
        </p>
      )}
      <ReviewPanel summary={summary} onChanged={onChanged} />
    </div>
  )
}

interface LateSet {
  id: string
  version: number
  updatedAt: string
  carriedAt: string | null
  canCarry: boolean
  changes: SheetChange[]
}

/**
 * Edits of this person that reached the sheet after its approval (typed offline during the review):
 * kept whole on the server, never merged. Shown at once, field by field with the text typed, to copy or
 * to carry into the revision once the head reopens the sheet.
 */
export function RejectedNotice({ sheetId }: { sheetId: string }) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const [sets, setSets] = useState<LateSet[]>([])
  const [copied, setCopied] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const path = `/api/sheets/${encodeURIComponent(sheetId)}/rejected`
  useEffect(() => {
    const load = () =>
      api<{ sets: LateSet[] }>(path).then(
        (r) => setSets(r.sets),
        () => undefined,
      )
    void load()
    window.addEventListener(WORKFLOW_EVENT, load)
    window.addEventListener(LATE_EVENT, load)
    const timer = setInterval(load, 15_000)
    return () => {
      clearInterval(timer)
      window.removeEventListener(WORKFLOW_EVENT, load)
      window.removeEventListener(LATE_EVENT, load)
    }
  }, [path])
  const open = sets.filter((set) => set.carriedAt === null)
  if (!open.length) return null
  const copy = async (key: string, text: string) => {
    await navigator.clipboard?.writeText(text).catch(() => undefined)
    setCopied(key)
  }
  const carry = async (set: LateSet) => {
    setError(null)
    try {
      const result = await api<{ sets: LateSet[] }>(`${path}/${encodeURIComponent(set.id)}/carry`, { method: 'POST' })
      setSets(result.sets)
    } catch (e) {
      setError(e)
    }
  }
  return (
    <section className="rejected" aria-label={t('workflow.rejected')} role="alert">
      <h2>{t('workflow.rejected')}</h2>
      <p>{t('workflow.rejectedHelp')}</p>
      {open.map((set) => (
        <div key={set.id} className="rejected-set">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('workflow.rejectedField')}</th>
                <th scope="col">{t('workflow.rejectedText')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('workflow.rejectedCopy')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {set.changes.map((change) => {
                const key = `${set.id}-${change.summary}`
                return (
                  <tr key={key}>
                    <th scope="row">
                      v{set.version} {change.label}
                    </th>
                    <td className="rejected-text">{change.to !== undefined ? <Parts change={change} side="after" /> : change.summary}</td>
                    <td>
                      {change.to !== undefined && (
                        <button type="button" onClick={() => void copy(key, change.to ?? '')}>
                          {copied === key ? t('workflow.rejectedCopied') : t('workflow.rejectedCopy')}
                        </button>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          {set.canCarry ? (
            <button type="button" onClick={() => void carry(set)}>
              {t('workflow.rejectedCarry')}
            </button>
          ) : (
            <p className="muted">{t('workflow.rejectedWaiting')}</p>
          )}
        </div>
      ))}
      {error !== null && <p role="alert">{errorMessage(error)}</p>}
    </section>
  )
}

function Parts({ change, side }: { change: SheetChange; side: 'before' | 'after' }) {
  if (!change.parts) return <>{side === 'before' ? change.from : change.to}</>
  return (
    <>
      {change.parts
        .filter((p) => p.op === 'same' || (side === 'before' ? p.op === 'del' : p.op === 'ins'))
        .map((p, i) =>
          p.op === 'same' ? (
            <span key={`${i}-${p.text}`}>{p.text}</span>
          ) : p.op === 'del' ? (
            <del key={`${i}-${p.text}`}>{p.text}</del>
          ) : (
            <ins key={`${i}-${p.text}`}>{p.text}</ins>
          ),
        )}
    </>
  )
}
