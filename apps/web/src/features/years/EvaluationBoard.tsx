import {
  type BoardEvaluation,
  type BoardEvaluationTotals,
  type EvaluationKindValue,
  type EvaluationStatusCounts,
  evaluationStatusValues,
  type OverviewResponse,
} from '@hoshin/protocol'
import { useId } from 'react'
import { fill } from '../../i18n/fill'
import { useI18n } from '../../i18n/I18nProvider'

export const boardEvaluationKinds: readonly EvaluationKindValue[] = ['midyear', 'yearend']
const chartStatuses = [...evaluationStatusValues, 'none'] as const

const total = (counts: EvaluationStatusCounts) => chartStatuses.reduce((n, s) => n + counts[s], 0)
/** Rows that have a status (計画以上・計画どおり・計画未満・評価不能). */
export const rated = (counts: EvaluationStatusCounts) => total(counts) - counts.none

const noCounts = (): EvaluationStatusCounts => ({ above: 0, onTrack: 0, below: 0, unknown: 0, none: 0 })
/** The town's figures of a year nobody opened yet. */
export const emptyEvaluationTotals = (): OverviewResponse['evaluationTotals'] => ({
  midyear: { measures: noCounts(), projects: noCounts() },
  yearend: { measures: noCounts(), projects: noCounts() },
})

/** The evaluation to show first: the year-end once any department has started it, the mid-year before. */
export function defaultEvaluationKind(overview: OverviewResponse): EvaluationKindValue {
  return overview.sheets.some((s) => s.evaluations.yearend.state !== null) ? 'yearend' : 'midyear'
}

/** 中間評価 | 年度末評価: which evaluation the chart and the table's column show. */
export function EvaluationKindSwitch({ kind, onChange }: { kind: EvaluationKindValue; onChange: (kind: EvaluationKindValue) => void }) {
  const { t } = useI18n()
  return (
    <fieldset className="view-switch board-evaluation-switch">
      <legend className="visually-hidden">{t('boardEval.switch')}</legend>
      {boardEvaluationKinds.map((k) => (
        <button key={k} type="button" aria-pressed={kind === k} onClick={() => onChange(k)}>
          {t(`boardEval.kind.${k}`)}
        </button>
      ))}
    </fieldset>
  )
}

function StatusBars({ name, counts }: { name: 'measures' | 'projects'; counts: EvaluationStatusCounts }) {
  const { t } = useI18n()
  const titleId = useId()
  const all = total(counts)
  return (
    <div className="evaluation-chart-group">
      <p id={titleId} className="evaluation-chart-title">
        {fill(t('boardEval.groupTotal'), { name: t(`boardEval.group.${name}`), n: all })}
      </p>
      <ul aria-labelledby={titleId}>
        {chartStatuses.map((status) => (
          <li key={status}>
            <span className="status-chart-label">{t(`boardEval.status.${status}`)}</span>
            <span className="status-chart-track" aria-hidden="true">
              <span className={`status-chart-bar bar-eval-${status}`} style={{ width: all ? `${(counts[status] / all) * 100}%` : '0' }} />
            </span>
            <span className="status-chart-count">
              {counts[status]}
              {t('boardEval.unitRows')}
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}

/**
 * The town's measures and projects by status in one evaluation, as CSS bars with the numbers written
 * out (as StatusChart), 施策 and 事務事業 counted apart.
 */
export function EvaluationChart({ kind, totals }: { kind: EvaluationKindValue; totals: BoardEvaluationTotals }) {
  const { t } = useI18n()
  const titleId = useId()
  return (
    <figure className="status-chart evaluation-chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>{fill(t('boardEval.chart'), { kind: t(`boardEval.kind.${kind}`) })}</figcaption>
      <div className="evaluation-chart-groups">
        <StatusBars name="measures" counts={totals.measures} />
        <StatusBars name="projects" counts={totals.projects} />
      </div>
    </figure>
  )
}

/** How far along an evaluation is, for sorting: not started, 作成中, 確認依頼中, 承認済, then rows rated. */
export function evaluationOrder(evaluation: BoardEvaluation): number {
  const state = evaluation.state === null ? 0 : { draft: 1, submitted: 2, approved: 3 }[evaluation.state]
  const rows = total(evaluation.measures) + total(evaluation.projects)
  return state + (rows ? (rated(evaluation.measures) + rated(evaluation.projects)) / rows / 2 : 0)
}

/** A department's line: the evaluation's step, and how many of its measures and projects have a status. */
export function EvaluationProgress({ evaluation }: { evaluation: BoardEvaluation }) {
  const { t } = useI18n()
  if (evaluation.state === null) return <span className="muted">{t('boardEval.state.none')}</span>
  return (
    <>
      <span className={`status status-${evaluation.state}`}>{t(`boardEval.state.${evaluation.state}`)}</span>
      <span className="evaluation-rated">
        {fill(t('boardEval.rated'), {
          m: rated(evaluation.measures),
          mt: total(evaluation.measures),
          p: rated(evaluation.projects),
          pt: total(evaluation.projects),
        })}
      </span>
    </>
  )
}

/** The town's line: departments whose evaluation is approved, and rows rated across the town. */
export function EvaluationTotal({ overview, kind }: { overview: OverviewResponse; kind: EvaluationKindValue }) {
  const { t } = useI18n()
  const totals = overview.evaluationTotals[kind]
  const approved = overview.sheets.filter((s) => s.evaluations[kind].state === 'approved').length
  return (
    <>
      <span>{fill(t('boardEval.approvedDepartments'), { n: approved, total: overview.sheets.length })}</span>
      <span className="evaluation-rated">
        {fill(t('boardEval.rated'), { m: rated(totals.measures), mt: total(totals.measures), p: rated(totals.projects), pt: total(totals.projects) })}
      </span>
    </>
  )
}
