import type { Database, SqlExecutor } from '../persistence/database.js'
import { chunks } from '../chunks.js'
import { nowIso } from '../persistence/ids.js'

/** Sheets per statement: 8 parameters a row, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const ROWS = 500

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
  constructor(private readonly db: Database) {}

  /**
   * Reads the stored projections of these sheets, lets `decide` say which to write (given what is stored),
   * and writes those, in one transaction whose reads lock the sheets' rows (PostgreSQL; SQLite's writer
   * lock covers it): two processes refreshing one sheet at once take turns, and the second sees the first's
   * projection as the previous one, so a new 連携課 entry is announced once, not by each of them.
   */
  exchange<T extends { sheetId: string; projection: Projection; edit?: { by: string | null; at: string } | undefined }>(
    sheetIds: readonly string[],
    decide: (previous: Map<string, ProjectionRecord>) => T[] | Promise<T[]>,
  ): Promise<T[]> {
    return this.db.transaction(async (tx) => {
      const chosen = await decide(await this.read(tx, sheetIds, this.db.dialect === 'postgres' ? ' ORDER BY sheet_id FOR UPDATE' : ''))
      await this.write(tx, chosen)
      return chosen
    })
  }

  /** Writes the projection; `edit` (who changed the content, and when) is kept from before when absent. */
  put(sheetId: string, projection: Projection, edit?: { by: string | null; at: string }): Promise<void> {
    return this.putMany([{ sheetId, projection, edit }])
  }

  /** Writes several sheets' projections, a statement per ROWS (see `put`). */
  putMany(rows: readonly { sheetId: string; projection: Projection; edit?: { by: string | null; at: string } | undefined }[]): Promise<void> {
    return this.write(this.db, rows)
  }

  private async write(db: SqlExecutor, rows: readonly { sheetId: string; projection: Projection; edit?: { by: string | null; at: string } | undefined }[]): Promise<void> {
    const now = nowIso()
    for (const chunk of chunks(rows, ROWS)) {
      await db.run(
        `INSERT INTO sheet_projections (sheet_id, canonical, budget_total, measures, projects, edited_at, edited_by, updated_at)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (sheet_id) DO UPDATE SET canonical = excluded.canonical, budget_total = excluded.budget_total,
           measures = excluded.measures, projects = excluded.projects,
           edited_at = COALESCE(excluded.edited_at, sheet_projections.edited_at),
           edited_by = CASE WHEN excluded.edited_at IS NULL THEN sheet_projections.edited_by ELSE excluded.edited_by END,
           updated_at = excluded.updated_at`,
        chunk.flatMap(({ sheetId, projection, edit }) => [sheetId, projection.canonical, projection.budgetTotal, projection.measures, projection.projects, edit?.at ?? null, edit?.by ?? null, now]),
      )
    }
  }

  get(sheetId: string): Promise<ProjectionRecord | undefined> {
    return this.getMany([sheetId]).then((found) => found.get(sheetId))
  }

  /** The stored projections of these sheets, by sheet (a sheet without one is absent). */
  getMany(sheetIds: readonly string[]): Promise<Map<string, ProjectionRecord>> {
    return this.read(this.db, sheetIds, '')
  }

  private async read(db: SqlExecutor, sheetIds: readonly string[], lock: string): Promise<Map<string, ProjectionRecord>> {
    const found = new Map<string, ProjectionRecord>()
    for (const chunk of chunks(sheetIds, ROWS)) {
      const rows = await db.all<ProjectionRecord>(
        `SELECT sheet_id AS sheetId, canonical, budget_total AS budgetTotal, measures, projects, edited_at AS editedAt, edited_by AS editedBy
         FROM sheet_projections WHERE sheet_id IN (${chunk.map(() => '?').join(', ')})${lock}`,
        chunk,
      )
      for (const row of rows) found.set(row.sheetId, row)
    }
    return found
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
