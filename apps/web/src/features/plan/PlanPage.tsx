import type { PlanPreviewResponse, PlanResponse, PlansResponse, PlanStructureRequest, PlanView } from '@hoshin/protocol'
import { fiscalYearLabel, formatIndicatorNumber, parseIndicatorNumber } from '@hoshin/sheet'
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { fiscalYearOf } from '../../app/time'
import { useErrorMessage } from '../../app/useErrorMessage'
import { fill } from '../../i18n/fill'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { sendPlanFile } from './planApi'

const years = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** The plan as the editor edits it: entries by number, numbers as typed (parsed on save). */
type Draft = Omit<PlanStructureRequest, 'kpis'> & {
  kpis: (Omit<PlanStructureRequest['kpis'][number], 'baseline' | 'targets'> & { baseline: string; targets: Record<number, string> })[]
}

function draftOf(plan: PlanView): Draft {
  const goalNumber = new Map(plan.goals.map((g) => [g.id, g.number]))
  const measureNumber = new Map(plan.measures.map((m) => [m.id, m.number]))
  return {
    revision: plan.revision,
    goals: plan.goals.map(({ id, number, name }) => ({ id, number, name })),
    measures: plan.measures.map((m) => ({ id: m.id, goal: goalNumber.get(m.goalId) ?? '', number: m.number, name: m.name })),
    kpis: plan.kpis.map((k) => ({
      id: k.id,
      measure: measureNumber.get(k.measureId) ?? '',
      name: k.name,
      unit: k.unit,
      baseline: formatIndicatorNumber(k.baseline),
      baselineYear: k.baselineYear,
      targets: Object.fromEntries(k.targets.map((t) => [t.year, formatIndicatorNumber(t.value)])),
    })),
  }
}

/** `/plan`: the 総合計画 for planning (list, import with preview, edit); read-only for others. */
export function PlanPage() {
  const { t } = useI18n()
  const errorText = useErrorMessage()
  const { state } = useAuth()
  const planning = state.status === 'signedIn' && state.user.role === 'planning'
  const [params, setParams] = useSearchParams()
  const [plans, setPlans] = useState<PlansResponse['plans'] | null>(null)
  const [plan, setPlan] = useState<PlanView | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const chosen = params.get('id') ?? plans?.[0]?.id ?? null

  const load = useCallback(async () => {
    try {
      const list = (await api<PlansResponse>('/api/plans')).plans
      setPlans(list)
      const id = params.get('id') ?? list[0]?.id
      setPlan(id ? (await api<PlanResponse>(`/api/plans/${encodeURIComponent(id)}`)).plan : null)
    } catch (e) {
      setError(errorText(e))
    }
  }, [params, errorText])
  useEffect(() => {
    void load()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params])

  return (
    <main id="main" className="plan-page">
      <h1>{t('plan.title')}</h1>
      <p className="lead">{t('plan.lead')}</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {plans && plans.length > 1 && (
        <label className="plan-choose">
          {t('plan.choose')}{' '}
          <select value={chosen ?? ''} onChange={(e) => setParams({ id: e.currentTarget.value })}>
            {plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}（{fiscalYearLabel(p.startYear)}〜{fiscalYearLabel(p.endYear)}）
              </option>
            ))}
          </select>
        </label>
      )}
      {plans && !plans.length && <p>{t('plan.none')}</p>}
      {plan && (
        <>
          <section aria-labelledby="plan-head">
            <h2 id="plan-head">
              {plan.name}（{fiscalYearLabel(plan.startYear)}〜{fiscalYearLabel(plan.endYear)}）
            </h2>
            <p>
              {fill(t('plan.counts'), { goals: plan.goals.length, measures: plan.measures.length, kpis: plan.kpis.length })}
              {' ・ '}
              <Link to={`/plan/coverage/${Math.min(Math.max(fiscalYearOf(), plan.startYear), plan.endYear)}`}>
                {fill(t('plan.coverageLink'), { year: fiscalYearLabel(Math.min(Math.max(fiscalYearOf(), plan.startYear), plan.endYear)) })}
              </Link>
            </p>
          </section>
          {planning && <ImportSection key={plan.revision} plan={plan} onApplied={(p) => { setPlan(p); setNotice(t('plan.applied')) }} />}
          <Structure plan={plan} editable={planning} onSaved={(p) => { setPlan(p); setNotice(t('plan.saved')) }} />
        </>
      )}
      {planning && plans && <CreatePlan key={plans.length} onCreated={(p) => setParams({ id: p.id })} />}
    </main>
  )
}

function CreatePlan({ onCreated }: { onCreated: (plan: PlanView) => void }) {
  const { t } = useI18n()
  const errorText = useErrorMessage()
  const [error, setError] = useState<string | null>(null)
  const now = fiscalYearOf()
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    try {
      const { plan } = await api<PlanResponse>('/api/plans', {
        method: 'POST',
        json: { name: String(form.get('name') ?? ''), startYear: Number(form.get('startYear')), endYear: Number(form.get('endYear')) },
      })
      onCreated(plan)
    } catch (e) {
      setError(errorText(e))
    }
  }
  return (
    <details className="plan-create">
      <summary>{t('plan.create')}</summary>
      <form onSubmit={submit}>
        <label>
          {t('plan.name')} <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('plan.startYear')}{' '}
          <select name="startYear" defaultValue={now}>
            {years(now - 10, now + 10).map((y) => (
              <option key={y} value={y}>
                {fiscalYearLabel(y)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('plan.endYear')}{' '}
          <select name="endYear" defaultValue={now + 4}>
            {years(now - 10, now + 20).map((y) => (
              <option key={y} value={y}>
                {fiscalYearLabel(y)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('plan.create')}</button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </details>
  )
}

function ImportSection({ plan, onApplied }: { plan: PlanView; onApplied: (plan: PlanView) => void }) {
  const { t } = useI18n()
  const errorText = useErrorMessage()
  const [file, setFile] = useState<File | null>(null)
  const [preview, setPreview] = useState<PlanPreviewResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function previewFile(event: FormEvent) {
    event.preventDefault()
    if (!file) return
    setBusy(true)
    setError(null)
    try {
      setPreview((await sendPlanFile(plan.id, file, { preview: true })) as PlanPreviewResponse)
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  async function apply() {
    if (!file || !preview) return
    setBusy(true)
    try {
      const answer = await sendPlanFile(plan.id, file, { revision: preview.revision })
      if ('plan' in answer) {
        setPreview(null)
        setFile(null)
        onApplied(answer.plan)
      } else setPreview(answer)
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="plan-import" className="plan-import">
      <h2 id="plan-import">{t('plan.import')}</h2>
      <p className="hint">{t('plan.importHelp')}</p>
      <form onSubmit={previewFile}>
        <label>
          {t('plan.file')}{' '}
          <input
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null)
              setPreview(null)
            }}
          />
        </label>
        <button type="submit" disabled={!file || busy}>
          {t('plan.preview')}
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {preview && (
        <section className="plan-preview" aria-labelledby="plan-preview-head">
          <h3 id="plan-preview-head">{t('plan.previewTitle')}</h3>
          {preview.encoding && <p>{fill(t('plan.previewEncoding'), { encoding: preview.encoding === 'shift_jis' ? 'Shift_JIS' : preview.encoding === 'xlsx' ? 'Excel (.xlsx)' : 'UTF-8' })}</p>}
          {preview.ok ? (
            <>
              <p>{fill(t('plan.previewCounts'), preview.counts)}</p>
              {preview.changes.length ? (
                <ul className="plan-changes">
                  {preview.changes.map((c, i) => (
                    <li key={i} className={`change-${c.kind}`}>
                      {c.text}
                    </li>
                  ))}
                </ul>
              ) : (
                <p>{t('plan.noChanges')}</p>
              )}
              <div className="actions">
                <button type="button" className="primary" onClick={() => void apply()} disabled={busy || !preview.changes.length}>
                  {t('plan.apply')}
                </button>
                <button type="button" onClick={() => setPreview(null)}>
                  {t('plan.cancel')}
                </button>
              </div>
            </>
          ) : (
            <>
              <p role="alert">{t('plan.errors')}</p>
              <table className="plan-errors">
                <tbody>
                  {preview.errors.map((e, i) => (
                    <tr key={i}>
                      <th scope="row">{e.line ? fill(t('plan.line'), { line: e.line }) : ''}</th>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
    </section>
  )
}

function Structure({ plan, editable, onSaved }: { plan: PlanView; editable: boolean; onSaved: (plan: PlanView) => void }) {
  const { t } = useI18n()
  const errorText = useErrorMessage()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [lineErrors, setLineErrors] = useState<string[]>([])
  const span = years(plan.startYear, plan.endYear)
  const view: Draft = draft ?? draftOf(plan)
  const editing = draft !== null
  const update = (change: (d: Draft) => void) => {
    const next = structuredClone(view)
    change(next)
    setDraft(next)
  }
  async function save() {
    if (!draft) return
    setError(null)
    setLineErrors([])
    const numbers: string[] = []
    const num = (raw: string, what: string) => {
      const parsed = parseIndicatorNumber(raw)
      if (parsed.ok) return parsed.value
      numbers.push(`${what}「${raw}」: ${parsed.message}`)
      return null
    }
    const body: PlanStructureRequest = {
      ...draft,
      kpis: draft.kpis.map((k) => ({
        ...k,
        baseline: num(k.baseline, `${k.name} ${t('plan.baseline')}`),
        targets: span.filter((y) => (k.targets[y] ?? '').trim()).map((y) => ({ year: y, value: num(k.targets[y] ?? '', `${k.name} ${fiscalYearLabel(y)}`) })),
      })),
    }
    if (numbers.length) return setLineErrors(numbers)
    try {
      // The server's own check first: every problem at once, in Japanese, before anything is written.
      const check = await api<PlanPreviewResponse>(`/api/plans/${encodeURIComponent(plan.id)}/structure/preview`, { method: 'POST', json: body })
      if (!check.ok) return setLineErrors(check.errors.map((x) => x.message))
      const { plan: saved } = await api<PlanResponse>(`/api/plans/${encodeURIComponent(plan.id)}/structure`, { method: 'PUT', json: body })
      setDraft(null)
      onSaved(saved)
    } catch (e) {
      setError(errorText(e))
    }
  }
  const input = (value: string, onChange: (v: string) => void, label: string, size = 8) =>
    editing ? <input value={value} aria-label={label} size={size} onChange={(e) => onChange(e.currentTarget.value)} /> : value
  return (
    <section aria-labelledby="plan-structure" className="plan-structure">
      <h2 id="plan-structure">{t('plan.structure')}</h2>
      {editable && !editing && (
        <button type="button" onClick={() => setDraft(draftOf(plan))}>
          {t('plan.edit')}
        </button>
      )}
      <div className="table-scroll">
        <table className="plan-table">
          <thead>
            <tr>
              <th scope="col">{t('plan.number')}</th>
              <th scope="col">
                {t('plan.measure')} / {t('plan.kpi')}
              </th>
              <th scope="col">{t('plan.unit')}</th>
              <th scope="col">{t('plan.baseline')}</th>
              {span.map((y) => (
                <th key={y} scope="col">
                  {fill(t('plan.target'), { year: fiscalYearLabel(y) })}
                </th>
              ))}
              {editing && <th scope="col"><span className="visually-hidden">{t('plan.remove')}</span></th>}
            </tr>
          </thead>
          {view.goals.map((g, gi) => (
            <tbody key={g.id ?? `g${gi}`}>
              <tr className="plan-goal">
                <th scope="rowgroup">{input(g.number, (v) => update((d) => {
                          // Its 施策 follow the renumbered 基本目標 (they refer to it by number).
                          for (const m of d.measures) if (m.goal === d.goals[gi]!.number) m.goal = v
                          d.goals[gi]!.number = v
                        }), `${t('plan.goal')} ${t('plan.number')}`, 4)}</th>
                <th scope="rowgroup" colSpan={3 + span.length}>
                  {t('plan.goal')} {input(g.name, (v) => update((d) => {
                          d.goals[gi]!.name = v
                        }), `${t('plan.goal')} ${g.number}`, 30)}
                </th>
                {editing && <td />}
              </tr>
              {view.measures.map((m, mi) =>
                m.goal !== g.number ? null : (
                  <MeasureRows key={m.id ?? `m${mi}`}>
                    <tr className="plan-measure">
                      <th scope="row">{input(m.number, (v) => update((d) => {
                        for (const k of d.kpis) if (k.measure === d.measures[mi]!.number) k.measure = v
                        d.measures[mi]!.number = v
                      }), `${t('plan.measure')} ${t('plan.number')}`, 6)}</th>
                      <td colSpan={3 + span.length}>{input(m.name, (v) => update((d) => {
                          d.measures[mi]!.name = v
                        }), `${t('plan.measure')} ${m.number}`, 40)}</td>
                      {editing && (
                        <td>
                          <button type="button" className="danger" onClick={() => update((d) => {
                            d.kpis = d.kpis.filter((k) => k.measure !== d.measures[mi]!.number)
                            d.measures.splice(mi, 1)
                          })}>
                            {t('plan.remove')}
                            <span className="visually-hidden"> {m.number}</span>
                          </button>
                        </td>
                      )}
                    </tr>
                    {view.kpis.map((k, ki) =>
                      k.measure !== m.number ? null : (
                        <tr key={k.id ?? `k${ki}`} className="plan-kpi">
                          <td />
                          <td>{input(k.name, (v) => update((d) => {
                          d.kpis[ki]!.name = v
                        }), `${t('plan.kpi')} ${m.number}`, 30)}</td>
                          <td>{input(k.unit, (v) => update((d) => {
                          d.kpis[ki]!.unit = v
                        }), `${k.name} ${t('plan.unit')}`, 4)}</td>
                          <td className="number">{input(k.baseline, (v) => update((d) => {
                          d.kpis[ki]!.baseline = v
                        }), `${k.name} ${t('plan.baseline')}`, 6)}</td>
                          {span.map((y) => (
                            <td key={y} className="number">
                              {input(k.targets[y] ?? '', (v) => update((d) => {
                          d.kpis[ki]!.targets[y] = v
                        }), `${k.name} ${fiscalYearLabel(y)}`, 6)}
                            </td>
                          ))}
                          {editing && (
                            <td>
                              <button type="button" className="danger" onClick={() => update((d) => void d.kpis.splice(ki, 1))}>
                                {t('plan.remove')}
                                <span className="visually-hidden"> {k.name}</span>
                              </button>
                            </td>
                          )}
                        </tr>
                      ),
                    )}
                  </MeasureRows>
                ),
              )}
              {editing && (
                <tr>
                  <td />
                  <td colSpan={3 + span.length + 1}>
                    <button type="button" onClick={() => update((d) => {
                      const n = d.measures.filter((x) => x.goal === g.number).length + 1
                      d.measures.push({ goal: g.number, number: `${g.number}-${n}`, name: '' })
                    })}>
                      {t('plan.addMeasure')}（{t('plan.goal')} {g.number}）
                    </button>
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      </div>
      {editing && (
        <div className="actions">
          <button type="button" onClick={() => update((d) => void d.goals.push({ number: String(d.goals.length + 1), name: '' }))}>
            {t('plan.addGoal')}
          </button>
          <button type="button" className="primary" onClick={() => void save()}>
            {t('plan.save')}
          </button>
          <button type="button" onClick={() => { setDraft(null); setError(null); setLineErrors([]) }}>
            {t('plan.cancel')}
          </button>
        </div>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      {lineErrors.length > 0 && (
        <ul className="error">
          {lineErrors.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
    </section>
  )
}

function MeasureRows({ children }: { children: React.ReactNode }) {
  return <>{children}</>
}
