import { usePlanForYear } from '../../editor/usePlan'

/** 「総合計画: 1-1 移住定住の促進」 under a measure's or project's name in print ([S21]); nothing when unlinked. */
export function PrintPlanLinks({ links, year }: { links: readonly string[] | undefined; year: number }) {
  const plan = usePlanForYear(links?.length ? year : undefined)
  if (!links?.length) return null
  const byId = new Map((plan?.measures ?? []).map((m) => [m.id, `${m.number} ${m.name}`]))
  return <div className="print-plan-links">総合計画: {links.map((id) => byId.get(id) ?? '（計画にない施策）').join('、')}</div>
}

/** 「総合計画の KPI: 移住者数」 under an indicator's name in print ([S21]); nothing when unlinked. */
export function PrintKpi({ kpi, year }: { kpi: string | undefined; year: number }) {
  const plan = usePlanForYear(kpi ? year : undefined)
  if (!kpi) return null
  const found = plan?.kpis.find((k) => k.id === kpi)
  return <div className="print-plan-links">総合計画の KPI: {found ? found.name : '（計画にない KPI）'}</div>
}
