import type { EvaluationChangesResponse, EvaluationChangeView, EvaluationKindValue } from '@hoshin/protocol'
import { evaluationKindLabels } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { api } from '../../api/client'
import { relativeTime } from '../../app/time'
import { fill } from '../../i18n/fill'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { EVALUATION_EVENT } from '../../sync/useSheetSession'

/**
 * An evaluation's changes since it was last submitted (up to its approval once approved), row-named by the
 * server; followed every few seconds while shown (the sections may still be typing while the 課長 reads).
 */
export function useEvaluationChanges(sheetId: string, kind: EvaluationKindValue, enabled = true, refreshMs = 3000) {
  const [data, setData] = useState<EvaluationChangesResponse | null>(null)
  useEffect(() => {
    if (!enabled) return
    let cancelled = false
    const load = () =>
      api<EvaluationChangesResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/evaluations/${kind}/changes`).then(
        (r) => !cancelled && setData(r),
        () => undefined,
      )
    void load()
    window.addEventListener(EVALUATION_EVENT, load)
    const timer = refreshMs > 0 ? setInterval(load, refreshMs) : undefined
    return () => {
      cancelled = true
      clearInterval(timer)
      window.removeEventListener(EVALUATION_EVENT, load)
    }
  }, [sheetId, kind, enabled, refreshMs])
  return data
}

/** One side of a change: the text with its word changes marked, or the value in words (計画どおり, 64 件（…）). */
function Side({ change, side }: { change: EvaluationChangeView; side: 'before' | 'after' }) {
  const raw = side === 'before' ? change.before : change.after
  const text = side === 'before' ? change.from : change.to
  if (!change.parts || raw === '') return <>{text}</>
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

/** Who changed the field: the last person, others in brackets, the time relative (exact on hover). */
function EditedBy({ change }: { change: EvaluationChangeView }) {
  const { t, locale } = useI18n()
  if (!change.editedBy) return <>{t('history.editedUnknown')}</>
  const others = change.editors.filter((e) => e.id !== change.editedBy?.id).map((e) => e.name)
  return (
    <>
      <span>{change.editedBy.name}</span>
      {others.length > 0 && <span className="muted">（{others.join('、')}）</span>}
      {change.editedAt && (
        <time className="muted" dateTime={change.editedAt} title={formatDateTime(change.editedAt, locale, 'medium')}>
          {relativeTime(change.editedAt, locale)}
        </time>
      )}
    </>
  )
}

/** 「施策 2 移住定住… ／ 課題・改善」 with the field's name kept on one line when the row's name wraps. */
function RowLabel({ label }: { label: string }) {
  const cut = label.lastIndexOf(' ／ ')
  if (cut < 0) return <>{label}</>
  return (
    <>
      {label.slice(0, cut)} ／ <span className="field-name">{label.slice(cut + 3)}</span>
    </>
  )
}

/** The changes field by field, as the plan's diff table: 「施策 2 移住定住… ／ 評価」, before, after, who. */
export function EvaluationChangeTable({ changes, caption }: { changes: EvaluationChangeView[]; caption?: string }) {
  const { t } = useI18n()
  return (
    <table className="diff-table evaluation-changes">
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>
          <th scope="col">{t('history.field')}</th>
          <th scope="col">{t('history.before')}</th>
          <th scope="col">{t('history.after')}</th>
          <th scope="col">{t('history.editedBy')}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={`${change.kind}-${change.rowId}-${change.field}-${change.indicatorId ?? ''}`}>
            <th scope="row">
              <RowLabel label={change.label} />
            </th>
            <td>
              <Side change={change} side="before" />
            </td>
            <td>
              <Side change={change} side="after" />
            </td>
            <td className="change-author">
              <EditedBy change={change} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** 「確認依頼（山田 花子、2025/09/30 10:00）の後に変更された項目です。」, or up to the approval once approved. */
export function sinceText(data: EvaluationChangesResponse, approved: boolean, t: ReturnType<typeof useI18n>['t'], locale: string): string {
  if (!data.baseline) return ''
  const values = { who: data.baseline.by.name, when: formatDateTime(data.baseline.at, locale, 'medium') }
  return fill(t(approved ? 'evaluation.changes.untilApproved' : 'evaluation.changes.since'), values)
}

/** 確認依頼後の変更 beside the 課長's steps, as the plan's 提出後の変更: what to look at before approving. */
export function EvaluationSinceSubmit({ sheetId, kind }: { sheetId: string; kind: EvaluationKindValue }) {
  const { t, locale } = useI18n()
  const data = useEvaluationChanges(sheetId, kind)
  if (!data?.baseline) return null
  const title = fill(t('evaluation.changes.title'), { kind: evaluationKindLabels[kind] })
  return (
    <section className="since-submit" aria-label={title}>
      <h2>
        {title} <span className="count">{data.changes.length}</span>
      </h2>
      <p className="muted">{sinceText(data, false, t, locale)}</p>
      {data.changes.length === 0 ? <p>{t('evaluation.changes.none')}</p> : <EvaluationChangeTable changes={data.changes} />}
    </section>
  )
}
