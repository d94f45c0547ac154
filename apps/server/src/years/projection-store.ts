import type { SqlExecutor } from '../persistence/database.js'
import { nowIso } from '../persistence/ids.js'

/** What the board needs of a sheet without decoding its Y.Doc: its canonical JSON and totals. */
export interface Projection {
  canonical: string
  budgetTotal: number
  measures: number
  projects: number
}

export interface ProjectionRecord extends Projection {
  sheetId: string
  editedAt: string | null
  editedBy: string | null
}

export interface OverviewRow {
  id: string
  departmentId: string
  departmentName: string
  status: 'draft' | 'submitted' | 'approved'
  revision: number
  updatedAt: string
  budgetTotal: number | null
  measures: number | null
  projects: number | null
  editedAt: string | null
  editedById: string | null
  editedByName: string | null
  openThreads: number
  approvedAt: string | null
}

/** The stored projection of each sheet (table sheet_projections). */
export class ProjectionStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Writes the projection; `edit` (who changed the content, and when) is kept from before when absent. */
  async put(sheetId: string, projection: Projection, edit?: { by: string | null; at: string }): Promise<void> {
    await this.db.run(
      `INSERT INTO sheet_projections (sheet_id, canonical, budget_total, measures, projects, edited_at, edited_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sheet_id) DO UPDATE SET canonical = excluded.canonical, budget_total = excluded.budget_total,
         measures = excluded.measures, projects = excluded.projects,
         edited_at = COALESCE(excluded.edited_at, sheet_projections.edited_at),
         edited_by = CASE WHEN excluded.edited_at IS NULL THEN sheet_projections.edited_by ELSE excluded.edited_by END,
         updated_at = excluded.updated_at`,
      [sheetId, projection.canonical, projection.budgetTotal, projection.measures, projection.projects, edit?.at ?? null, edit?.by ?? null, nowIso()],
    )
  }

  get(sheetId: string): Promise<ProjectionRecord | undefined> {
    return this.db.get<ProjectionRecord>(
      `SELECT sheet_id AS sheetId, canonical, budget_total AS budgetTotal, measures, projects, edited_at AS editedAt, edited_by AS editedBy
       FROM sheet_projections WHERE sheet_id = ?`,
      [sheetId],
    )
  }

  /** Sheets that have none yet (a database from before projections, the demo seed). */
  async missing(): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM sheets WHERE id NOT IN (SELECT sheet_id FROM sheet_projections)')
    return rows.map((r) => r.id)
  }

  /** The board in one statement: sheets, departments, projections, open threads, last approval, last editor. */
  overview(fiscalYear: number): Promise<OverviewRow[]> {
    return this.db.all<OverviewRow>(
      `SELECT s.id, s.department_id AS departmentId, d.name AS departmentName, s.status, s.revision, s.updated_at AS updatedAt,
         p.budget_total AS budgetTotal, p.measures, p.projects, p.edited_at AS editedAt, p.edited_by AS editedById,
         u.display_name AS editedByName,
         (SELECT COUNT(*) FROM comment_threads t WHERE t.sheet_id = s.id AND t.state = 'open') AS openThreads,
         (SELECT MAX(v.approved_at) FROM sheet_versions v WHERE v.sheet_id = s.id) AS approvedAt
       FROM sheets s
       JOIN departments d ON d.id = s.department_id
       LEFT JOIN sheet_projections p ON p.sheet_id = s.id
       LEFT JOIN users u ON u.id = p.edited_by
       WHERE s.fiscal_year = ?
       ORDER BY d.sort_order, d.rowid`,
      [fiscalYear],
    )
  }

  /** Projections of every sheet of a year with its department, for the partner inbox (null: none yet). */
  yearSheets(fiscalYear: number): Promise<{ sheetId: string; departmentId: string; departmentName: string; canonical: string | null }[]> {
    return this.db.all(
      `SELECT s.id AS sheetId, s.department_id AS departmentId, d.name AS departmentName, p.canonical
       FROM sheets s JOIN departments d ON d.id = s.department_id LEFT JOIN sheet_projections p ON p.sheet_id = s.id
       WHERE s.fiscal_year = ? ORDER BY d.sort_order, d.rowid`,
      [fiscalYear],
    )
  }
}
