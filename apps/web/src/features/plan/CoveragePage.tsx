import type { CoverageResponse } from '@hoshin/protocol'
import { fiscalYearLabel, formatIndicatorNumber } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { fill } from '../../i18n/fill'
import { useI18n } from '../../i18n/I18nProvider'

const partWords = { measures: '施策', projects: '事務事業' } as const

/** `/plan/coverage/:year`: which plan 施策 the year's sheets address, the ones none does, KPI targets and actuals. */
export function CoveragePage() {
  const { t } = useI18n()
  const errorText = useErrorMessage()
  const navigate = useNavigate()
  const year = Number(useParams().year)
  const [coverage, setCoverage] = useState<CoverageResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    setCoverage(null)
    api<CoverageResponse>(`/api/coverage/${year}`).then(
      (c) => live && setCoverage(c),
      (e: unknown) => live && setError(errorText(e)),
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [year])
  const label = Number.isInteger(year) ? fiscalYearLabel(year) : ''
  const plan = coverage?.plan
  const byId = new Map((coverage?.measures ?? []).map((m) => [m.id, m]))
  const goals = [...new Map((coverage?.measures ?? []).map((m) => [m.goal.id, m.goal])).values()]
  return (
    <main id="main" className="coverage-page">
      <p>
        <Link to="/plan">← {t('plan.title')}</Link>
      </p>
      <h1>
        {label} {t('plan.coverage')}
      </h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {coverage && !plan && <p>{t('plan.noPlanForYear')}</p>}
      {coverage && plan && (
        <>
          <p className="lead">
            {plan.name}（{fiscalYearLabel(plan.startYear)}〜{fiscalYearLabel(plan.endYear)}）— {fill(t('plan.coverageLead'), { year: label })}
          </p>
          <label className="coverage-year">
            {t('sheets.fiscalYear')}{' '}
            <select value={year} onChange={(e) => navigate(`/plan/coverage/${e.currentTarget.value}`)}>
              {Array.from({ length: plan.endYear - plan.startYear + 1 }, (_, i) => plan.startYear + i).map((y) => (
                <option key={y} value={y}>
                  {fiscalYearLabel(y)}
                </option>
              ))}
            </select>
          </label>
          <p className="coverage-totals" data-testid="coverage-totals">
            {fill(t('plan.coverageTotals'), {
              measures: coverage.totals.measures,
              addressed: coverage.totals.addressed,
              unaddressed: coverage.unaddressed.length,
              sheets: coverage.totals.sheets,
              linkedRows: coverage.totals.linkedRows,
              rows: coverage.totals.rows,
            })}
          </p>
          <section aria-labelledby="unaddressed-head" className="unaddressed">
            <h2 id="unaddressed-head">
              {t('plan.unaddressed')}（{coverage.unaddressed.length}）
            </h2>
            {coverage.unaddressed.length ? (
              <ul data-testid="unaddressed">
                {coverage.unaddressed.map((id) => {
                  const m = byId.get(id)!
                  return (
                    <li key={id}>
                      {m.number} {m.name}
                    </li>
                  )
                })}
              </ul>
            ) : (
              <p>{t('plan.allAddressed')}</p>
            )}
          </section>
          <section aria-labelledby="coverage-head">
            <h2 id="coverage-head">{t('plan.measure')}</h2>
            <div className="table-scroll">
              <table className="coverage-table">
                <thead>
                  <tr>
                    <th scope="col">{t('plan.number')}</th>
                    <th scope="col">{t('plan.measure')}</th>
                    <th scope="col">{t('plan.departments')}</th>
                    <th scope="col">{t('plan.rows')}</th>
                  </tr>
                </thead>
                {goals.map((g) => (
                  <tbody key={g.id}>
                    <tr className="plan-goal">
                      <th scope="rowgroup" colSpan={4}>
                        {t('plan.goal')} {g.number} {g.name}
                      </th>
                    </tr>
                    {coverage.measures
                      .filter((m) => m.goal.id === g.id)
                      .map((m) => (
                        <tr key={m.id} className={m.rows.length ? '' : 'unaddressed-row'} data-measure={m.number}>
                          <th scope="row">{m.number}</th>
                          <td>{m.name}</td>
                          <td>{m.departments.length ? m.departments.map((d) => d.name).join('、') : <strong>{t('plan.noRows')}</strong>}</td>
                          <td>
                            <ul className="coverage-rows">
                              {m.rows.map((r) => (
                                <li key={`${r.sheetId}-${r.rowId}`}>
                                  <Link to={`/sheets/${r.sheetId}`}>
                                    {r.departmentName} {partWords[r.part]} {r.rank} {r.name}
                                  </Link>
                                </li>
                              ))}
                            </ul>
                          </td>
                        </tr>
                      ))}
                  </tbody>
                ))}
              </table>
            </div>
          </section>
          <section aria-labelledby="kpi-head">
            <h2 id="kpi-head">{t('plan.kpiTitle')}</h2>
            <div className="table-scroll">
              <table className="coverage-kpis">
                <thead>
                  <tr>
                    <th scope="col">{t('plan.measure')}</th>
                    <th scope="col">{t('plan.kpi')}</th>
                    <th scope="col">{fill(t('plan.target'), { year: label })}</th>
                    <th scope="col">{t('plan.actual')}</th>
                    <th scope="col">{t('plan.actualFrom')}</th>
                  </tr>
                </thead>
                <tbody>
                  {coverage.kpis.map((k) => {
                    const m = byId.get(k.measureId)
                    const unit = k.unit ? ` ${k.unit}` : ''
                    return (
                      <tr key={k.id}>
                        <td>{m ? `${m.number} ${m.name}` : ''}</td>
                        <th scope="row">{k.name}</th>
                        <td className="number">{k.target === null ? '—' : `${formatIndicatorNumber(k.target)}${unit}`}</td>
                        <td className="number">
                          {k.actuals.length
                            ? k.actuals.map((a, i) => <div key={i}>{a.value === null ? t('plan.noActual') : `${formatIndicatorNumber(a.value)}${unit}`}</div>)
                            : t('plan.noActual')}
                        </td>
                        <td>
                          {k.actuals.map((a, i) => (
                            <div key={i}>
                              {a.departmentName}「{a.indicatorName}」
                              {a.evaluation && `（${t(a.evaluation === 'yearend' ? 'plan.yearend' : 'plan.midyear')}${a.date ? ` ${a.date}` : ''}）`}
                            </div>
                          ))}
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </main>
  )
}
