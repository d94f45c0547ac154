import type { EvaluationKindValue, EvaluationListResponse, EvaluationSummary, Me, SheetSummary } from '@hoshin/protocol'
import { evaluationKindLabels } from '@hoshin/sheet'
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react'
import { Link } from 'react-router'
import { api } from '../../api/client'
import { Modal } from '../../app/Modal'
import { useErrorMessage } from '../../app/useErrorMessage'
import { fill } from '../../i18n/fill'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { EVALUATION_EVENT, WORKFLOW_EVENT } from '../../sync/useSheetSession'
import { EvaluationChangeTable, EvaluationSinceSubmit, sinceText, useEvaluationChanges } from './EvaluationChanges'

export type SheetViewKind = 'plan' | EvaluationKindValue
const kinds: EvaluationKindValue[] = ['midyear', 'yearend']

/** The sheet's evaluations, followed live (the socket says when one moves; a slow poll catches a missed word). */
export function useEvaluations(sheetId: string) {
  const [evaluations, setEvaluations] = useState<EvaluationSummary[] | null>(null)
  const load = useCallback(
    () =>
      api<EvaluationListResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/evaluations`).then(
        (r) => setEvaluations(r.evaluations),
        () => undefined,
      ),
    [sheetId],
  )
  useEffect(() => {
    void load()
    window.addEventListener(EVALUATION_EVENT, load)
    window.addEventListener(WORKFLOW_EVENT, load)
    const timer = setInterval(load, 10_000)
    return () => {
      clearInterval(timer)
      window.removeEventListener(EVALUATION_EVENT, load)
      window.removeEventListener(WORKFLOW_EVENT, load)
    }
  }, [load])
  return { evaluations, reload: load }
}

/** The one to show first: an open one (作成中 / 確認依頼中), the year-end before the mid-year. */
export function openEvaluation(evaluations: EvaluationSummary[] | null): EvaluationKindValue | null {
  const open = (evaluations ?? []).filter((e) => e.status !== 'approved')
  return open.find((e) => e.kind === 'yearend')?.kind ?? open[0]?.kind ?? null
}

interface Props {
  summary: SheetSummary
  me: Me
  evaluations: EvaluationSummary[] | null
  view: SheetViewKind
  onView: (view: SheetViewKind) => void
  reload: () => Promise<void>
}

/**
 * The check half of the year on the sheet's page ([S20]): 「中間評価を始める」/「年度末評価を始める」 on an
 * approved sheet for its department, a switcher between 計画 and the evaluations, and the shown
 * evaluation's status and steps (確認を依頼, 差し戻し, 承認 with a confirmation), and its print.
 */
export function EvaluationBar({ summary, me, evaluations, view, onView, reload }: Props) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const base = `/api/sheets/${encodeURIComponent(summary.id)}/evaluations`
  const own = me.department?.id === summary.department.id && (me.role === 'staff' || me.role === 'lead' || me.role === 'head')
  const existing = evaluations ?? []
  const startable = summary.status === 'approved' && own && evaluations !== null ? kinds.filter((k) => !existing.some((e) => e.kind === k)) : []
  const shown = view === 'plan' ? undefined : existing.find((e) => e.kind === view)

  async function start(kind: EvaluationKindValue) {
    setError(null)
    setBusy(true)
    try {
      await api(base, { method: 'POST', json: { kind } })
      await reload()
      onView(kind)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  if (!existing.length && !startable.length) return null
  return (
    <section className="evaluation-bar" aria-label={t('evaluation.title')}>
      {existing.length > 0 && (
        <fieldset className="view-switch">
          <legend className="visually-hidden">{t('evaluation.views')}</legend>
          {(['plan', ...kinds] as SheetViewKind[])
            .filter((k) => k === 'plan' || existing.some((e) => e.kind === k))
            .map((k) => (
              <button key={k} type="button" aria-pressed={view === k} onClick={() => onView(k)}>
                {k === 'plan' ? t('evaluation.view.plan') : evaluationKindLabels[k]}
              </button>
            ))}
        </fieldset>
      )}
      {startable.map((k) => (
        <button key={k} type="button" className="start-evaluation" disabled={busy} onClick={() => void start(k)}>
          {t(`evaluation.start.${k}`)}
        </button>
      ))}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {shown && <EvaluationSteps sheetId={summary.id} evaluation={shown} reload={reload} />}
    </section>
  )
}

/** The shown evaluation's state and the steps this person may take (the server checks them again). */
function EvaluationSteps({ sheetId, evaluation, reload }: { sheetId: string; evaluation: EvaluationSummary; reload: () => Promise<void> }) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const [returning, setReturning] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const reasonId = useId()
  const { kind } = evaluation
  const name = evaluationKindLabels[kind]
  const path = `/api/sheets/${encodeURIComponent(sheetId)}/evaluations/${kind}`
  // The count and the rows the 承認 dialog states: changes since the evaluation was submitted.
  const sinceSubmit = useEvaluationChanges(sheetId, kind, confirming)

  async function run(action: 'submit' | 'return' | 'approve', json?: unknown) {
    setError(null)
    setBusy(true)
    try {
      await api(`${path}/${action}`, { method: 'POST', json })
      await reload()
      setReturning(false)
      setConfirming(false)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const v = evaluation.version
  return (
    <div className="evaluation-steps">
      <p className="sheet-meta">
        <span className="evaluation-name">{name}</span>
        <span className={`status status-${evaluation.status}`}>{t(`status.${evaluation.status}`)}</span>
        {evaluation.actions.includes('submit') && (
          <button type="button" disabled={busy} onClick={() => void run('submit')}>
            {t('workflow.submit')}
          </button>
        )}
        {evaluation.actions.includes('return') && (
          <button type="button" onClick={() => setReturning(!returning)} aria-expanded={returning}>
            {t('workflow.return')}
          </button>
        )}
        {evaluation.actions.includes('approve') && (
          <button type="button" className="primary" onClick={() => setConfirming(true)}>
            {t('workflow.approve')}
          </button>
        )}
        <Link to={`/sheets/${encodeURIComponent(sheetId)}/evaluations/${kind}/print`} className="print-link">
          {fill(t('evaluation.print'), { kind: name })}
        </Link>
      </p>
      {confirming && (
        <Modal
          title={fill(t('evaluation.confirmApproveTitle'), { kind: name })}
          className="evaluation-approve"
          onClose={() => {
            setConfirming(false)
            setError(null)
          }}
        >
          <p>{fill(t('evaluation.confirmApprove'), { kind: name, version: evaluation.planVersion })}</p>
          {/* What the 課長 approves beyond what was submitted: row by row, before the final word. */}
          {sinceSubmit === null ? (
            <p>{t('evaluation.confirmApproveLoading')}</p>
          ) : (
            <>
              <p className="confirm-count">
                <strong>{fill(t('evaluation.changes.count'), { count: sinceSubmit.changes.length })}</strong>
                {sinceSubmit.baseline && <span className="muted"> {sinceText(sinceSubmit, false, t, locale)}</span>}
              </p>
              {sinceSubmit.changes.length > 0 && (
                <div className="modal-scroll">
                  <EvaluationChangeTable changes={sinceSubmit.changes} caption={fill(t('evaluation.changes.title'), { kind: name })} />
                </div>
              )}
            </>
          )}
          {error && (
            <p role="alert" className="form-error">
              {error}
            </p>
          )}
          <div className="modal-actions">
            <button
              type="button"
              data-autofocus
              onClick={() => {
                setConfirming(false)
                setError(null)
              }}
            >
              {t('workflow.cancel')}
            </button>
            <button type="button" className="primary-action" disabled={busy || sinceSubmit === null} onClick={() => void run('approve')}>
              {t('workflow.confirmApproveAction')}
            </button>
          </div>
        </Modal>
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
      {evaluation.actions.includes('approve') && <EvaluationSinceSubmit sheetId={sheetId} kind={kind} />}
      {evaluation.status === 'approved' && v && (
        <p className="approved-banner" role="status">
          {fill(t('evaluation.approvedBanner'), { kind: name, name: v.approvedBy.name, when: formatDateTime(v.approvedAt, locale, 'medium') })}
        </p>
      )}
      {evaluation.status === 'draft' && evaluation.returnedReason && (
        <p className="returned-banner" role="status">
          {t('workflow.returned')}: {evaluation.returnedReason}
        </p>
      )}
      {evaluation.status !== 'approved' && !evaluation.canEdit && <p className="muted">{fill(t('evaluation.readOnly'), { kind: name })}</p>}
    </div>
  )
}
