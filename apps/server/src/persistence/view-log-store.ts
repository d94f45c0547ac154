import type { SheetViewEntry } from '@hoshin/protocol'
import { nowIso } from './ids.js'
import type { Database } from './database.js'

/**
 * Who opened which sheet and version. One row per person, sheet and version per `coalesceMs` (a page
 * refreshed or reopened within minutes is one visit). Rows are kept at least `keepDays`.
 */
export class ViewLogStore {
  constructor(
    private readonly db: Database,
    private readonly coalesceMs = 10 * 60 * 1000,
  ) {}

  async record(sheetId: string, userId: string, version: number | null, at = new Date()): Promise<void> {
    const since = new Date(at.getTime() - this.coalesceMs).toISOString()
    await this.db.run(
      `INSERT INTO sheet_views (sheet_id, user_id, version_number, opened_at)
       SELECT ?, ?, CAST(? AS INTEGER), ?
       WHERE NOT EXISTS (
         SELECT 1 FROM sheet_views WHERE user_id = ? AND sheet_id = ? AND version_number IS NOT DISTINCT FROM CAST(? AS INTEGER) AND opened_at >= ? AND opened_at <= ?
       )`,
      [sheetId, userId, version, at.toISOString(), userId, sheetId, version, since, at.toISOString()],
    )
  }

  /** The latest openings of a sheet, newest first. */
  list(sheetId: string, limit: number): Promise<SheetViewEntry[]> {
    return this.db
      .all<{ at: string; userId: string; name: string; department: string | null; version: number | null }>(
        `SELECT v.opened_at AS at, v.user_id AS userId, u.display_name AS name, d.name AS department, v.version_number AS version
         FROM sheet_views v JOIN users u ON u.id = v.user_id LEFT JOIN departments d ON d.id = u.department_id
         WHERE v.sheet_id = ? ORDER BY v.opened_at DESC, v.id DESC LIMIT ?`,
        [sheetId, limit],
      )
      .then((rows) => rows.map((r) => ({ at: r.at, user: { id: r.userId, name: r.name }, department: r.department, version: r.version })))
  }

  /** Removes rows older than `keepDays` (at start-up); returns how many. */
  async prune(keepDays: number, now = nowIso()): Promise<number> {
    const before = new Date(new Date(now).getTime() - keepDays * 24 * 60 * 60 * 1000).toISOString()
    return (await this.db.run('DELETE FROM sheet_views WHERE opened_at < ?', [before])).changes
  }
}
