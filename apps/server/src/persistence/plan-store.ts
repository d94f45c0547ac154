import type { PlanGoalView, PlanKpiView, PlanMeasureView, PlanSummary, PlanTarget, PlanView } from '@hoshin/protocol'
import type { Database, SqlExecutor } from './database.js'
import { newId, nowIso } from './ids.js'

/** The plan's entries as the store writes them: every level with its id, in order. */
export interface PlanEntries {
  goals: PlanGoalView[]
  measures: PlanMeasureView[]
  kpis: PlanKpiView[]
}

interface EntryRow {
  id: string
  kind: 'goal' | 'measure' | 'kpi'
  parentId: string | null
  number: string
  name: string
  unit: string
  baseline: number | null
  baselineYear: number | null
  targets: string
}

const planColumns = `p.id, p.name, p.start_year AS startYear, p.end_year AS endYear, p.revision, p.updated_at AS updatedAt`

/** The revision the caller read is no longer the plan's: nothing was written. */
export class StaleRevision extends Error {}

function targetsOf(json: string): PlanTarget[] {
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) ? (value as PlanTarget[]) : []
  } catch {
    return []
  }
}

/**
 * The comprehensive plan (総合計画) (tables plans, plan_entries): one plan per span of years, each a tree of
 * 基本目標 → 施策 → KPI with stable ids. Every write names the revision it was made against and bumps it, in
 * one transaction with its audit entry; a stale revision writes nothing.
 */
export class PlanStore {
  constructor(private readonly db: Database) {}

  list(): Promise<PlanSummary[]> {
    return this.db.all<PlanSummary>(
      `SELECT ${planColumns},
         (SELECT COUNT(*) FROM plan_entries e WHERE e.plan_id = p.id AND e.kind = 'goal') AS goals,
         (SELECT COUNT(*) FROM plan_entries e WHERE e.plan_id = p.id AND e.kind = 'measure') AS measures,
         (SELECT COUNT(*) FROM plan_entries e WHERE e.plan_id = p.id AND e.kind = 'kpi') AS kpis
       FROM plans p ORDER BY p.start_year, p.id`,
    )
  }

  async get(id: string, db: SqlExecutor = this.db): Promise<PlanView | undefined> {
    const plan = await db.get<Omit<PlanView, 'goals' | 'measures' | 'kpis'>>(`SELECT ${planColumns} FROM plans p WHERE p.id = ?`, [id])
    if (!plan) return undefined
    const rows = await db.all<EntryRow>(
      `SELECT id, kind, parent_id AS parentId, number, name, unit, baseline, baseline_year AS baselineYear, targets
       FROM plan_entries WHERE plan_id = ? ORDER BY position, id`,
      [id],
    )
    return { ...plan, ...entriesOf(rows) }
  }

  /** The plan whose span holds the fiscal year, if any (spans do not overlap: the service sees to it). */
  async forYear(year: number): Promise<PlanView | undefined> {
    const row = await this.db.get<{ id: string }>('SELECT id FROM plans WHERE start_year <= ? AND end_year >= ? ORDER BY start_year LIMIT 1', [year, year])
    return row ? this.get(row.id) : undefined
  }

  /** Plans whose span meets [startYear, endYear], other than `except`. */
  overlapping(startYear: number, endYear: number, except?: string): Promise<{ id: string; name: string }[]> {
    return this.db.all(`SELECT id, name FROM plans WHERE start_year <= ? AND end_year >= ? AND id <> ?`, [endYear, startYear, except ?? ''])
  }

  async create(plan: { name: string; startYear: number; endYear: number }, actor: { id: string; username: string }): Promise<PlanView> {
    const id = newId('pl')
    const now = nowIso()
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO plans (id, name, start_year, end_year, revision, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)`,
        [id, plan.name, plan.startYear, plan.endYear, actor.id, now, actor.id, now],
      )
      await audit(tx, actor, 'plan.create', id, `${plan.name} ${plan.startYear}-${plan.endYear}`)
    })
    return (await this.get(id))!
  }

  async patch(id: string, revision: number, patch: { name: string; startYear: number; endYear: number }, actor: { id: string; username: string }): Promise<PlanView> {
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run(
        `UPDATE plans SET name = ?, start_year = ?, end_year = ?, revision = revision + 1, updated_by = ?, updated_at = ? WHERE id = ? AND revision = ?`,
        [patch.name, patch.startYear, patch.endYear, actor.id, nowIso(), id, revision],
      )
      if (!changes) throw new StaleRevision()
      await audit(tx, actor, 'plan.update', id, `${patch.name} ${patch.startYear}-${patch.endYear}`)
    })
    return (await this.get(id))!
  }

  /**
   * Makes the plan's entries exactly `entries` (ids given: kept ones are updated in place, new ones
   * inserted, missing ones deleted), when the plan is still at `revision`. Parents are written before their
   * children and removed after them, so every reference holds at every step.
   */
  async replaceEntries(id: string, revision: number, entries: PlanEntries, actor: { id: string; username: string }, action: string, detail: string): Promise<PlanView> {
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run(`UPDATE plans SET revision = revision + 1, updated_by = ?, updated_at = ? WHERE id = ? AND revision = ?`, [
        actor.id,
        nowIso(),
        id,
        revision,
      ])
      if (!changes) throw new StaleRevision()
      const existing = new Set((await tx.all<{ id: string }>('SELECT id FROM plan_entries WHERE plan_id = ?', [id])).map((r) => r.id))
      const rows: (EntryRow & { position: number })[] = [
        ...entries.goals.map((g, i) => ({ id: g.id, kind: 'goal' as const, parentId: null, number: g.number, name: g.name, unit: '', baseline: null, baselineYear: null, targets: '[]', position: i })),
        ...entries.measures.map((m, i) => ({ id: m.id, kind: 'measure' as const, parentId: m.goalId, number: m.number, name: m.name, unit: '', baseline: null, baselineYear: null, targets: '[]', position: i })),
        ...entries.kpis.map((k, i) => ({
          id: k.id,
          kind: 'kpi' as const,
          parentId: k.measureId,
          number: '',
          name: k.name,
          unit: k.unit,
          baseline: k.baseline,
          baselineYear: k.baselineYear,
          targets: JSON.stringify(k.targets),
          position: i,
        })),
      ]
      for (const row of rows) {
        if (existing.has(row.id)) {
          await tx.run(
            `UPDATE plan_entries SET parent_id = ?, number = ?, name = ?, unit = ?, baseline = ?, baseline_year = ?, targets = ?, position = ? WHERE id = ? AND plan_id = ? AND kind = ?`,
            [row.parentId, row.number, row.name, row.unit, row.baseline, row.baselineYear, row.targets, row.position, row.id, id, row.kind],
          )
        } else {
          await tx.run(
            `INSERT INTO plan_entries (id, plan_id, kind, parent_id, number, name, unit, baseline, baseline_year, targets, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [row.id, id, row.kind, row.parentId, row.number, row.name, row.unit, row.baseline, row.baselineYear, row.targets, row.position],
          )
        }
      }
      const kept = new Set(rows.map((r) => r.id))
      for (const kind of ['kpi', 'measure', 'goal'] as const) {
        const gone = (await tx.all<{ id: string }>('SELECT id FROM plan_entries WHERE plan_id = ? AND kind = ?', [id, kind])).filter((r) => !kept.has(r.id))
        for (const r of gone) await tx.run('DELETE FROM plan_entries WHERE id = ?', [r.id])
      }
      await audit(tx, actor, action, id, detail)
      return (await this.get(id, tx))!
    })
  }
}

function audit(tx: SqlExecutor, actor: { id: string; username: string }, action: string, target: string, detail: string) {
  return tx.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [nowIso(), actor.id, actor.username, action, target, detail])
}

function entriesOf(rows: EntryRow[]): PlanEntries {
  const goals: PlanGoalView[] = []
  const measures: PlanMeasureView[] = []
  const kpis: PlanKpiView[] = []
  for (const r of rows) {
    if (r.kind === 'goal') goals.push({ id: r.id, number: r.number, name: r.name })
    else if (r.kind === 'measure') measures.push({ id: r.id, goalId: r.parentId ?? '', number: r.number, name: r.name })
    else
      kpis.push({
        id: r.id,
        measureId: r.parentId ?? '',
        name: r.name,
        unit: r.unit,
        baseline: r.baseline === null ? null : Number(r.baseline),
        baselineYear: r.baselineYear,
        targets: targetsOf(r.targets),
      })
  }
  return { goals, measures, kpis }
}
