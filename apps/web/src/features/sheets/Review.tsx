import type { SheetSummary } from '@hoshin/protocol'
import { townIsoDate } from '@hoshin/sheet'
import { type FormEvent, useId, useState } from 'react'
import { api } from '../../api/client'
import { ConfirmModal } from '../../app/Modal'
import { formatDate } from '../../app/time'
import { townTimeZone } from '../../app/town-zone'
import { useErrorMessage } from '../../app/useErrorMessage'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { fill } from '../admin/text'

/**
 * The review above the 課長 (企画確認 → 庁議報告) of an approved sheet, when the town has it on: where the
 * version stands, and for 企画 the steps it may take now (the server checks them again). A send-back opens
 * the next revision; the department sees the reason in its returned banner.
 */
export function ReviewPanel({ summary, onChanged }: { summary: SheetSummary; onChanged: (s: SheetSummary) => void }) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [returning, setReturning] = useState(false)
  const reasonId = useId()
  const dateId = useId()
  const review = summary.review
  if (!review.required || review.state === null) return null
  const base = `/api/sheets/${encodeURIComponent(summary.id)}/review`
  const today = townIsoDate(new Date(), townTimeZone())

  async function run(action: 'confirm' | 'return' | 'report', json?: unknown) {
    setError(null)
    setBusy(true)
    try {
      onChanged(await api<SheetSummary>(`${base}/${action}`, { method: 'POST', json }))
      setConfirming(false)
      setReturning(false)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const help = review.state === 'pending' ? 'review.waitingConfirm' : review.state === 'confirmed' ? 'review.waitingReport' : 'review.done'
  return (
    <section className={`review-panel review-${review.state}`} aria-labelledby={`${reasonId}-title`}>
      <h2 id={`${reasonId}-title`}>
        {t('review.title')} <span className={`review-state review-state-${review.state}`}>{t(`review.state.${review.state}`)}</span>
      </h2>
      <p className="muted">{t(help)}</p>
      <ul className="review-steps">
        {review.confirmed && <li>{fill(t('review.confirmedBy'), { name: review.confirmed.by.name, when: formatDateTime(review.confirmed.at, locale, 'medium') })}</li>}
        {review.reported && <li>{fill(t('review.reportedOn'), { date: formatDate(review.reported.on, locale), name: review.reported.by.name })}</li>}
      </ul>
      {(review.actions.includes('confirm') || review.actions.includes('sendBack')) && (
        <p className="review-actions">
          {review.actions.includes('confirm') && (
            <button type="button" className="primary" disabled={busy} onClick={() => setConfirming(true)}>
              {t('review.confirm')}
            </button>
          )}
          {review.actions.includes('sendBack') && (
            <button type="button" disabled={busy} onClick={() => setReturning(!returning)} aria-expanded={returning}>
              {t('review.sendBack')}
            </button>
          )}
        </p>
      )}
      {returning && (
        <form
          className="return-form"
          onSubmit={(e: FormEvent<HTMLFormElement>) => {
            e.preventDefault()
            void run('return', { reason: String(new FormData(e.currentTarget).get('reason') ?? '') })
          }}
        >
          <p className="muted">{fill(t('review.sendBackHelp'), { version: review.version ?? '', revision: summary.revision + 1 })}</p>
          <label htmlFor={reasonId}>{t('review.sendBackReason')}</label>
          <textarea id={reasonId} name="reason" rows={2} required />
          <button type="submit" disabled={busy}>
            {t('review.sendBackConfirm')}
          </button>
        </form>
      )}
      {review.actions.includes('report') && (
        <form
          className="review-report"
          onSubmit={(e: FormEvent<HTMLFormElement>) => {
            e.preventDefault()
            void run('report', { date: String(new FormData(e.currentTarget).get('date') ?? '') })
          }}
        >
          <label htmlFor={dateId}>{t('review.reportDate')}</label>
          <input id={dateId} name="date" type="date" required min={`${summary.fiscalYear}-04-01`} max={today} defaultValue={today} />
          <button type="submit" className="primary" disabled={busy}>
            {t('review.report')}
          </button>
        </form>
      )}
      {confirming && (
        <ConfirmModal
          title={t('review.confirmTitle')}
          message={fill(t('review.confirmMessage'), { version: review.version ?? '' })}
          confirm={t('review.confirm')}
          cancelLabel={t('workflow.cancel')}
          busy={busy}
          error={error}
          onConfirm={() => void run('confirm')}
          onClose={() => {
            setConfirming(false)
            setError(null)
          }}
        />
      )}
      {error && !confirming && <p role="alert">{error}</p>}
    </section>
  )
}
