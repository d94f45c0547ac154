import type { PlanView } from '@hoshin/protocol'
import { type IndicatorListName, readPlanLinks, setIndicatorKpi, setPlanLinks } from '@hoshin/sheet'
import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { fill } from '../i18n/fill'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import { ROW_ORIGIN } from '../sync/useSheetSession'
import { planMatch } from './usePlan'
import { useYValue } from './useY'

/**
 * A searchable popup checklist (or radio list) under a cell: the summary shows what is chosen, Enter or
 * Space opens it with the cursor in the search box, typing filters by number or name, Tab reaches the
 * choices (Space ticks), Escape closes and gives the focus back. Each choice is stored at once.
 */
function SearchPopup({ label, legend, summary, children, query, setQuery, className }: {
  /** The summary's name: the field and what is chosen. */
  label: string
  /** The open list's title: the field alone. */
  legend: string
  summary: ReactNode
  children: ReactNode
  query: string
  setQuery: (q: string) => void
  className: string
}) {
  const { t } = useI18n()
  const details = useRef<HTMLDetailsElement>(null)
  const summaryRef = useRef<HTMLElement>(null)
  const search = useRef<HTMLInputElement>(null)
  const listId = useId()
  function onKeyDown(event: KeyboardEvent) {
    // Opened here rather than by the browser's own toggle (an event that comes later): what is typed
    // right after Enter goes into the search box, not into the summary.
    if ((event.key === 'Enter' || event.key === ' ') && event.target === summaryRef.current && details.current && !details.current.open) {
      event.preventDefault()
      details.current.open = true
      search.current?.focus()
      return
    }
    if (event.key === 'Escape' && details.current?.open) {
      details.current.open = false
      event.preventDefault()
      event.stopPropagation()
      summaryRef.current?.focus()
    }
  }
  return (
    <details
      ref={details}
      className={`picker plan-picker ${className}`}
      onToggle={(event) => {
        if (event.currentTarget.open) search.current?.focus()
        else setQuery('')
      }}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) event.currentTarget.open = false
      }}
      onKeyDown={onKeyDown}
    >
      <summary ref={summaryRef} aria-label={label}>
        {summary}
      </summary>
      <fieldset id={listId}>
        <legend>{legend}</legend>
        <input ref={search} type="search" value={query} onChange={(e) => setQuery(e.currentTarget.value)} aria-label={t('plan.search')} placeholder={t('plan.search')} aria-controls={listId} />
        <div className="plan-choices">{children}</div>
      </fieldset>
    </details>
  )
}

const measureLabel = (m: { number: string; name: string }) => `${m.number} ${m.name}`

/** 総合計画: which plan 施策 a measure or project carries out ([S21]), under its name. */
export function PlanLinksPicker({ session, list, row, rowId, rowLabel, readOnly, plan }: {
  session: SheetSession
  list: IndicatorListName
  row: Y.Map<unknown>
  rowId: string
  rowLabel: string
  readOnly: boolean
  plan: PlanView | null | undefined
}) {
  const { t } = useI18n()
  const [query, setQuery] = useState('')
  // Re-render when the row's links change (a peer's pick shows at once).
  useYValue<unknown>(row, 'planLinks')
  const chosen = readPlanLinks(row)
  if (!plan && !chosen.length) return null
  const byId = new Map((plan?.measures ?? []).map((m) => [m.id, m]))
  const labelOf = (id: string) => {
    const m = byId.get(id)
    return m ? measureLabel(m) : t('plan.missing')
  }
  const names = chosen.map(labelOf)
  const summary = (
    <span className="plan-links">
      <span className="plan-links-head">{t('plan.links')}:</span> {names.length ? names.join('、') : <span className="muted">{t('plan.unlinked')}</span>}
    </span>
  )
  if (readOnly || !plan) return chosen.length ? <div className="plan-picker read-only">{summary}</div> : null
  const label = fill(t('plan.linksLabel'), { row: rowLabel })
  const goals = new Map(plan.goals.map((g) => [g.id, g]))
  const shown = plan.measures.filter((m) => planMatch(query, m.number, m.name, goals.get(m.goalId)?.name ?? ''))
  const toggle = (id: string, on: boolean) => {
    const next = on ? [...chosen.filter((c) => c !== id), id] : chosen.filter((c) => c !== id)
    session.doc.transact(() => setPlanLinks(session.doc, list, rowId, next), ROW_ORIGIN)
  }
  return (
    <SearchPopup label={`${label}: ${names.join('、') || t('plan.unlinked')}`} legend={label} summary={summary} query={query} setQuery={setQuery} className="plan-links-picker">
      {chosen
        .filter((id) => !byId.has(id))
        .map((id) => (
          <label key={id}>
            <input type="checkbox" checked onChange={() => toggle(id, false)} />
            {t('plan.missing')} {id}
          </label>
        ))}
      {shown.map((m) => (
        <label key={m.id}>
          <input type="checkbox" checked={chosen.includes(m.id)} onChange={(e) => toggle(m.id, e.currentTarget.checked)} />
          {measureLabel(m)}
        </label>
      ))}
      {!shown.length && <p className="muted">{t('plan.noMatch')}</p>}
    </SearchPopup>
  )
}

/** 総合計画の KPI an indicator reports on ([S21]), under its name. */
export function KpiPicker({ session, list, rowId, indicator, indicatorId, label: rowLabel, readOnly, plan }: {
  session: SheetSession
  list: IndicatorListName
  rowId: string
  indicator: Y.Map<unknown>
  indicatorId: string
  label: string
  readOnly: boolean
  plan: PlanView | null | undefined
}) {
  const { t } = useI18n()
  const [query, setQuery] = useState('')
  const name = useId()
  const raw = useYValue<unknown>(indicator, 'kpi')
  const chosen = typeof raw === 'string' ? raw : null
  if (!plan && !chosen) return null
  const measures = new Map((plan?.measures ?? []).map((m) => [m.id, m]))
  const kpi = chosen ? plan?.kpis.find((k) => k.id === chosen) : undefined
  const shownName = chosen ? (kpi ? kpi.name : t('plan.missingKpi')) : null
  const summary = (
    <span className="plan-links">
      <span className="plan-links-head">KPI:</span> {shownName ?? <span className="muted">{t('plan.unlinked')}</span>}
    </span>
  )
  if (readOnly || !plan) return chosen ? <div className="plan-picker read-only">{summary}</div> : null
  const label = fill(t('plan.kpiLabel'), { row: rowLabel })
  const shown = plan.kpis.filter((k) => {
    const m = measures.get(k.measureId)
    return planMatch(query, k.name, m?.number ?? '', m?.name ?? '')
  })
  const set = (id: string | null) => session.doc.transact(() => setIndicatorKpi(session.doc, list, rowId, indicatorId, id), ROW_ORIGIN)
  return (
    <SearchPopup label={`${label}: ${shownName ?? t('plan.unlinked')}`} legend={label} summary={summary} query={query} setQuery={setQuery} className="kpi-picker">
      <label>
        <input type="radio" name={name} checked={chosen === null} onChange={() => set(null)} />
        {t('plan.noKpi')}
      </label>
      {shown.map((k) => {
        const m = measures.get(k.measureId)
        return (
          <label key={k.id}>
            <input type="radio" name={name} checked={chosen === k.id} onChange={() => set(k.id)} />
            {m ? `${m.number} ` : ''}
            {k.name}
            {k.unit ? `（${k.unit}）` : ''}
          </label>
        )
      })}
      {!shown.length && <p className="muted">{t('plan.noMatch')}</p>}
    </SearchPopup>
  )
}
