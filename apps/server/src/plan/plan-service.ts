import {
  type CoverageResponse,
  type CsvLineError,
  ErrorCode,
  type NewPlanRequest,
  PLAN_LIMITS,
  type PlanChange,
  type PlanPatchRequest,
  type PlanPreviewResponse,
  type PlanStructureInput,
  type PlanSummary,
  type PlanView,
} from '@hoshin/protocol'
import { fiscalYearLabel, type PlanLabels, type Sheet } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import { errors, HttpError } from '../http/errors.js'
import { newId } from '../persistence/ids.js'
import { type PlanEntries, type PlanStore, StaleRevision } from '../persistence/plan-store.js'
import type { EvaluationSnapshot } from '../sheets/evaluation-service.js'
import { parsePlanRows, readPlanCsv } from './plan-file.js'
import { readPlanWorkbook } from './plan-xlsx.js'

/** What coverage reads of the sheets: the year's sheets with their department, a sheet's content, its evaluations. */
export interface CoverageSources {
  yearSheets(year: number): Promise<{ sheetId: string; departmentId: string; departmentName: string }[]>
  content(sheetId: string): Promise<Sheet>
  snapshots(sheetIds: readonly string[]): Promise<EvaluationSnapshot[]>
}

/** Only planning (企画) maintains the plan; everyone signed in reads it (the sheet editor's pickers). */
function mayWrite(actor: Actor): Actor {
  if (actor.role !== 'planning') throw errors.forbidden()
  return actor
}

const stale = () => new HttpError(409, ErrorCode.InvalidTransition, '総合計画はほかの人が先に変更しました。画面を読み込み直してからもう一度お試しください。')
const span = (p: { startYear: number; endYear: number }) => `${fiscalYearLabel(p.startYear)}〜${fiscalYearLabel(p.endYear)}`

/** `1-2 移住定住の促進`: how a 施策 reads in pickers, print, Excel and diffs. */
export const measureLabel = (m: { number: string; name: string }) => `${m.number} ${m.name}`

/** Labels of a plan's 施策 and KPI for a diff ([S21]); ids the plan no longer has read as such. */
export function planLabels(plans: readonly PlanView[]): PlanLabels {
  const measures = new Map(plans.flatMap((p) => p.measures.map((m) => [m.id, measureLabel(m)] as const)))
  const kpis = new Map(plans.flatMap((p) => p.kpis.map((k) => [k.id, k.name] as const)))
  return { measure: (id) => measures.get(id) ?? `（計画にない施策 ${id}）`, kpi: (id) => kpis.get(id) ?? `（計画にない KPI ${id}）` }
}

export class PlanService {
  constructor(
    private readonly store: PlanStore,
    private readonly sources: CoverageSources,
  ) {}

  list(): Promise<PlanSummary[]> {
    return this.store.list()
  }

  async get(id: string): Promise<PlanView> {
    const plan = await this.store.get(id)
    if (!plan) throw errors.notFound()
    return plan
  }

  async forYear(year: number): Promise<PlanView | null> {
    return (await this.store.forYear(year)) ?? null
  }

  /** Every plan with its entries (labels for diffs and exports). */
  async all(): Promise<PlanView[]> {
    const list = await this.store.list()
    return (await Promise.all(list.map((p) => this.store.get(p.id)))).filter((p): p is PlanView => !!p)
  }

  private async checkSpan(p: { startYear: number; endYear: number }, except?: string): Promise<void> {
    if (p.endYear < p.startYear || p.endYear - p.startYear >= PLAN_LIMITS.span) {
      throw new HttpError(400, ErrorCode.ValidationFailed, `計画期間は ${PLAN_LIMITS.span} 年度以内で、終わりを始まり以後にしてください。`, { path: 'endYear' })
    }
    const other = (await this.store.overlapping(p.startYear, p.endYear, except))[0]
    if (other) throw new HttpError(409, ErrorCode.DuplicateName, `計画期間が「${other.name}」と重なっています（1 つの年度に計画は 1 つです）。`)
  }

  async create(actor: Actor, request: NewPlanRequest): Promise<PlanView> {
    mayWrite(actor)
    if ((await this.store.list()).length >= PLAN_LIMITS.plans) throw errors.validation('plans')
    await this.checkSpan(request)
    return this.store.create(request, actor)
  }

  async patch(actor: Actor, id: string, patch: PlanPatchRequest): Promise<PlanView> {
    mayWrite(actor)
    const plan = await this.get(id)
    const next = { name: patch.name ?? plan.name, startYear: patch.startYear ?? plan.startYear, endYear: patch.endYear ?? plan.endYear }
    await this.checkSpan(next, id)
    const outside = plan.kpis.flatMap((k) => k.targets).find((t) => t.year < next.startYear || t.year > next.endYear)
    if (outside) throw new HttpError(400, ErrorCode.ValidationFailed, `${fiscalYearLabel(outside.year)}の目標値があるため、計画期間を${span(next)}にはできません。`, { path: 'startYear' })
    try {
      return await this.store.patch(id, patch.revision, next, actor)
    } catch (error) {
      if (error instanceof StaleRevision) throw stale()
      throw error
    }
  }

  /**
   * Gives every entry of `input` its id (kept when it names one of this plan's, or matched by number —
   * by 施策 and name for a KPI — else new) and says what would change, in Japanese, or what is wrong.
   */
  resolve(plan: PlanView, input: PlanStructureInput): { entries: PlanEntries; changes: PlanChange[]; errors: CsvLineError[] } {
    const problems: string[] = []
    const used = new Set<string>()
    const pick = <T extends { id: string }>(kind: string, given: string | undefined, existing: readonly T[], match: (e: T) => boolean, prefix: string): string => {
      let id: string | undefined
      if (given) {
        if (existing.some((e) => e.id === given)) id = given
        else problems.push(`${kind}の id「${given}」はこの計画にありません。`)
      }
      id ??= existing.find((e) => !used.has(e.id) && match(e))?.id ?? newId(prefix)
      if (used.has(id)) problems.push(`${kind}の id「${id}」が 2 回あります。`)
      used.add(id)
      return id
    }
    const goals = input.goals.map((g) => ({ id: pick('基本目標', g.id, plan.goals, (e) => e.number === g.number, 'pg'), number: g.number, name: g.name }))
    const goalByNumber = new Map<string, string>()
    for (const g of goals) {
      if (goalByNumber.has(g.number)) problems.push(`基本目標番号「${g.number}」が 2 回あります。`)
      goalByNumber.set(g.number, g.id)
    }
    const measures = input.measures.map((m) => {
      const goalId = goalByNumber.get(m.goal)
      if (!goalId) problems.push(`施策「${m.number} ${m.name}」の基本目標「${m.goal}」がありません。`)
      return { id: pick('施策', m.id, plan.measures, (e) => e.number === m.number, 'pm'), goalId: goalId ?? '', number: m.number, name: m.name }
    })
    const measureByNumber = new Map<string, string>()
    for (const m of measures) {
      if (measureByNumber.has(m.number)) problems.push(`施策番号「${m.number}」が 2 回あります。`)
      measureByNumber.set(m.number, m.id)
    }
    const oldMeasureNumber = new Map(plan.measures.map((m) => [m.id, m.number]))
    const seenKpi = new Set<string>()
    const kpis = input.kpis.map((k) => {
      const measureId = measureByNumber.get(k.measure)
      if (!measureId) problems.push(`KPI「${k.name}」の施策「${k.measure}」がありません。`)
      if (seenKpi.has(`${k.measure}\u0000${k.name}`)) problems.push(`施策 ${k.measure} に KPI「${k.name}」が 2 回あります。`)
      seenKpi.add(`${k.measure}\u0000${k.name}`)
      const years = new Set<number>()
      for (const t of k.targets) {
        if (t.year < plan.startYear || t.year > plan.endYear) problems.push(`KPI「${k.name}」の${fiscalYearLabel(t.year)}の目標値は計画期間（${span(plan)}）の外です。`)
        if (years.has(t.year)) problems.push(`KPI「${k.name}」に${fiscalYearLabel(t.year)}の目標値が 2 つあります。`)
        years.add(t.year)
      }
      return {
        id: pick('KPI', k.id, plan.kpis, (e) => e.name === k.name && oldMeasureNumber.get(e.measureId) === k.measure, 'pk'),
        measureId: measureId ?? '',
        name: k.name,
        unit: k.unit,
        baseline: k.baseline,
        baselineYear: k.baselineYear,
        targets: [...k.targets].sort((a, b) => a.year - b.year),
      }
    })
    const entries = { goals, measures, kpis }
    return { entries, changes: changesBetween(plan, entries), errors: problems.map((message) => ({ line: 0, message })) }
  }

  private preview(plan: PlanView, input: PlanStructureInput, lineErrors: CsvLineError[] = []) {
    const resolved = lineErrors.length ? undefined : this.resolve(plan, input)
    const errs = lineErrors.length ? lineErrors : resolved!.errors
    const response: PlanPreviewResponse = {
      ok: errs.length === 0,
      errors: errs,
      changes: errs.length ? [] : resolved!.changes,
      counts: { goals: input.goals.length, measures: input.measures.length, kpis: input.kpis.length },
      revision: plan.revision,
    }
    return { response, entries: resolved?.entries }
  }

  private async apply(actor: Actor, plan: PlanView, revision: number, entries: PlanEntries, action: string, detail: string): Promise<PlanView> {
    if (revision !== plan.revision) throw stale()
    try {
      return await this.store.replaceEntries(plan.id, revision, entries, actor, action, detail)
    } catch (error) {
      if (error instanceof StaleRevision) throw stale()
      throw error
    }
  }

  async previewStructure(actor: Actor, id: string, input: PlanStructureInput): Promise<PlanPreviewResponse> {
    mayWrite(actor)
    return this.preview(await this.get(id), input).response
  }

  async saveStructure(actor: Actor, id: string, revision: number, input: PlanStructureInput): Promise<PlanView> {
    mayWrite(actor)
    const plan = await this.get(id)
    const { response, entries } = this.preview(plan, input)
    if (!response.ok || !entries) throw new HttpError(400, ErrorCode.InvalidCsv, '計画の内容に誤りがあるため、何も変更していません。', { errors: response.errors })
    return this.apply(actor, plan, revision, entries, 'plan.edit', `${response.changes.length} changes`)
  }

  /** A CSV (UTF-8 or Shift_JIS) or .xlsx file read into the plan's structure, with every problem by line. */
  private async readFile(plan: PlanView, data: Uint8Array) {
    const isZip = data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04
    const lines = isZip ? await readPlanWorkbook(data) : readPlanCsv(data)
    const encoding: PlanPreviewResponse['encoding'] = isZip ? 'xlsx' : lines.ok && 'encoding' in lines ? (lines.encoding as 'utf-8' | 'shift_jis') : undefined
    if (!lines.ok) return { input: { goals: [], measures: [], kpis: [] }, errors: lines.errors, encoding }
    return { ...parsePlanRows(lines.rows, plan), encoding }
  }

  async previewImport(actor: Actor, id: string, data: Uint8Array): Promise<PlanPreviewResponse> {
    mayWrite(actor)
    const plan = await this.get(id)
    const file = await this.readFile(plan, data)
    return { ...this.preview(plan, file.input, file.errors).response, ...(file.encoding ? { encoding: file.encoding } : {}) }
  }

  /** Applies the file as previewed: `revision` is the one the preview was made against (409 if it moved). */
  async applyImport(actor: Actor, id: string, revision: number, data: Uint8Array): Promise<PlanView> {
    mayWrite(actor)
    const plan = await this.get(id)
    const file = await this.readFile(plan, data)
    const { response, entries } = this.preview(plan, file.input, file.errors)
    if (!response.ok || !entries) throw errors.invalidCsv(response.errors)
    return this.apply(actor, plan, revision, entries, 'plan.import', `${file.encoding ?? ''} ${response.counts.measures} measures ${response.counts.kpis} kpis`)
  }

  /**
   * The coverage of a fiscal year ([S21]): each plan 施策 with the rows (施策 and 事務事業 of every department's
   * sheet of the year, as they stand now) that link to it, the 施策 none does, and each KPI's target for the
   * year with the 実績値 its linked indicators reported (年度末評価 when it has a value, else 中間評価).
   */
  async coverage(actor: Actor, year: number): Promise<CoverageResponse> {
    if (actor.role !== 'planning' && actor.role !== 'admin') throw errors.forbidden()
    const plan = await this.store.forYear(year)
    const sheets = await this.sources.yearSheets(year)
    const contents = await Promise.all(sheets.map(async (s) => ({ ...s, sheet: await this.sources.content(s.sheetId) })))
    const snapshots = await this.sources.snapshots(sheets.map((s) => s.sheetId))
    const rows = contents.flatMap((c) =>
      (['measures', 'projects'] as const).flatMap((part) => c.sheet[part].map((row, i) => ({ c, part, row, rank: i + 1 }))),
    )
    const totals = { sheets: sheets.length, rows: rows.length, linkedRows: rows.filter((r) => r.row.planLinks?.length).length, addressed: 0, measures: plan?.measures.length ?? 0 }
    if (!plan) return { year, plan: null, measures: [], unaddressed: [], kpis: [], totals }
    const goals = new Map(plan.goals.map((g) => [g.id, g]))
    const measures = plan.measures.map((m) => {
      const linking = rows.filter((r) => r.row.planLinks?.includes(m.id))
      const departments = [...new Map(linking.map((r) => [r.c.departmentId, { id: r.c.departmentId, name: r.c.departmentName }])).values()]
      const goal = goals.get(m.goalId)
      return {
        id: m.id,
        number: m.number,
        name: m.name,
        goal: { id: m.goalId, number: goal?.number ?? '', name: goal?.name ?? '' },
        departments,
        rows: linking.map((r) => ({
          sheetId: r.c.sheetId,
          departmentId: r.c.departmentId,
          departmentName: r.c.departmentName,
          part: r.part,
          rowId: r.row.id,
          rank: r.rank,
          name: r.row.name.split('\n')[0] ?? '',
        })),
      }
    })
    totals.addressed = measures.filter((m) => m.rows.length).length
    const kpis = plan.kpis.map((k) => {
      const actuals: CoverageResponse['kpis'][number]['actuals'] = []
      for (const r of rows) {
        for (const indicator of r.row.indicators) {
          if (indicator.kpi !== k.id) continue
          const reported = (kind: 'midyear' | 'yearend') =>
            snapshots
              .find((s) => s.sheetId === r.c.sheetId && s.kind === kind)
              ?.rows.find((e) => e.rowId === r.row.id)
              ?.actuals.find((a) => a.indicatorId === indicator.id)
          const yearend = reported('yearend')
          const midyear = reported('midyear')
          const [evaluation, actual] =
            yearend && yearend.value !== null
              ? (['yearend', yearend] as const)
              : midyear && midyear.value !== null
                ? (['midyear', midyear] as const)
                : ([null, undefined] as const)
          actuals.push({
            sheetId: r.c.sheetId,
            departmentName: r.c.departmentName,
            rowName: r.row.name.split('\n')[0] ?? '',
            indicatorName: indicator.name,
            evaluation,
            value: actual?.value ?? null,
            date: actual?.date ?? null,
          })
        }
      }
      return { id: k.id, measureId: k.measureId, name: k.name, unit: k.unit, target: k.targets.find((t) => t.year === year)?.value ?? null, actuals }
    })
    return {
      year,
      plan: { id: plan.id, name: plan.name, startYear: plan.startYear, endYear: plan.endYear },
      measures,
      unaddressed: measures.filter((m) => !m.rows.length).map((m) => m.id),
      kpis,
      totals,
    }
  }
}

/** What replacing `plan`'s entries by `next` does, one Japanese sentence per entry. */
function changesBetween(plan: PlanView, next: PlanEntries): PlanChange[] {
  const changes: PlanChange[] = []
  const levels = [
    { entity: 'goal' as const, word: '基本目標', before: plan.goals, after: next.goals, label: (e: { number: string; name: string }) => `${e.number} ${e.name}` },
    { entity: 'measure' as const, word: '施策', before: plan.measures, after: next.measures, label: (e: { number: string; name: string }) => `${e.number} ${e.name}` },
  ]
  for (const { entity, word, before, after, label } of levels) {
    const was = new Map<string, { number: string; name: string }>(before.map((e) => [e.id, e]))
    const now = new Set(after.map((e) => e.id))
    for (const e of after) {
      const old = was.get(e.id)
      if (!old) changes.push({ kind: 'create', entity, text: `${word}「${label(e)}」を追加` })
      else if (old.number !== e.number || old.name !== e.name) changes.push({ kind: 'change', entity, text: `${word}「${label(old)}」→「${label(e)}」` })
    }
    const kept = entity === 'measure' ? '（この施策につないだシートの行には「計画にない施策」と表示されます）' : ''
    for (const e of before) if (!now.has(e.id)) changes.push({ kind: 'remove', entity, text: `${word}「${label(e)}」を削除${kept}` })
  }
  const measureNumber = new Map([...plan.measures, ...next.measures].map((m) => [m.id, m.number]))
  const was = new Map(plan.kpis.map((k) => [k.id, k]))
  const now = new Set(next.kpis.map((k) => k.id))
  for (const k of next.kpis) {
    const old = was.get(k.id)
    const where = `施策 ${measureNumber.get(k.measureId) ?? ''} の KPI「${k.name}」`
    if (!old) changes.push({ kind: 'create', entity: 'kpi', text: `${where}を追加` })
    else if (JSON.stringify({ ...old, id: '' }) !== JSON.stringify({ ...k, id: '' })) changes.push({ kind: 'change', entity: 'kpi', text: `${where}を変更` })
  }
  for (const k of plan.kpis) if (!now.has(k.id)) changes.push({ kind: 'remove', entity: 'kpi', text: `施策 ${measureNumber.get(k.measureId) ?? ''} の KPI「${k.name}」を削除` })
  return changes
}
