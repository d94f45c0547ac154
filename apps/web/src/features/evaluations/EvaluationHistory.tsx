import type { EvaluationSummary } from '@hoshin/protocol'
import { evaluationKindLabels } from '@hoshin/sheet'
import { fill } from '../../i18n/fill'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { EvaluationChangeTable, sinceText, useEvaluationChanges } from './EvaluationChanges'
import { useEvaluations } from './EvaluationBar'

/**
 * The evaluations in the sheet's 履歴, as its plan versions are: each 中間評価 / 年度末評価 with the plan
 * version it evaluates, its state, who approved it and when, the SHA-256 of its frozen JSON and that JSON
 * to open or save; then what changed after each was submitted (up to its approval), row-named ([S20]).
 */
export function EvaluationHistory({ sheetId }: { sheetId: string }) {
  const { t, locale } = useI18n()
  const { evaluations } = useEvaluations(sheetId)
  if (!evaluations?.length) return null
  const base = `/api/sheets/${encodeURIComponent(sheetId)}/evaluations`
  return (
    <section className="evaluation-history" aria-label={t('evaluation.history.title')}>
      <h3>{t('evaluation.history.title')}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('evaluation.history.kind')}</th>
            <th scope="col">{t('evaluation.history.planVersion')}</th>
            <th scope="col">{t('evaluation.history.status')}</th>
            <th scope="col">{t('history.approvedBy')}</th>
            <th scope="col">{t('history.approvedAt')}</th>
            <th scope="col">SHA-256</th>
            <th scope="col">
              <span className="visually-hidden">{t('evaluation.history.frozen')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {evaluations.map((e) => {
            const v = e.version
            const name = evaluationKindLabels[e.kind]
            return (
              <tr key={e.kind}>
                <th scope="row">{name}</th>
                <td>v{e.planVersion}</td>
                <td>
                  <span className={`status status-${e.status}`}>{t(`status.${e.status}`)}</span>
                </td>
                <td>{v ? v.approvedBy.name : '—'}</td>
                <td>{v ? formatDateTime(v.approvedAt, locale, 'medium') : '—'}</td>
                <td>{v ? <code title={v.sha256}>{v.sha256.slice(0, 12)}…</code> : '—'}</td>
                <td>
                  {v && (
                    <a href={`${base}/${e.kind}/version.json`} download>
                      {fill(t('evaluation.history.json'), { kind: name })}
                    </a>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {evaluations.map((e) => (
        <EvaluationChangesSince key={e.kind} sheetId={sheetId} evaluation={e} />
      ))}
    </section>
  )
}

/** One evaluation's changes after its submission: up to the approval once approved, up to now while open. */
function EvaluationChangesSince({ sheetId, evaluation }: { sheetId: string; evaluation: EvaluationSummary }) {
  const { t, locale } = useI18n()
  const approved = evaluation.status === 'approved'
  // An approved evaluation no longer changes: read once. An open one follows the typing.
  const data = useEvaluationChanges(sheetId, evaluation.kind, true, approved ? 0 : 3000)
  if (!data?.baseline) return null
  const title = fill(t('evaluation.changes.title'), { kind: evaluationKindLabels[evaluation.kind] })
  return (
    <section className="diff evaluation-diff" aria-label={title}>
      <h4>
        {title}<span className="muted">{fill(t('evaluation.changes.countShort'), { count: data.changes.length })}</span>
      </h4>
      <p className="muted">{sinceText(data, approved, t, locale)}</p>
      {data.changes.length === 0 ? <p className="muted">{t('evaluation.changes.none')}</p> : <EvaluationChangeTable changes={data.changes} caption={title} />}
    </section>
  )
}
