import type { Database, SqlExecutor } from './database.js'
import { nowIso } from './ids.js'

/** The town's settings (town_settings): one row per key. */
export const REVIEW_STEP_SETTING = 'review_step'

/** How far the review above the 課長 went for one approved version (a row of sheet_reviews). */
export interface ReviewRecord {
  sheetId: string
  versionNumber: number
  confirmedBy: string | null
  confirmedAt: string | null
  returnedBy: string | null
  returnedAt: string | null
  returnedReason: string | null
  /** The management meeting's day (庁議報告), YYYY-MM-DD. */
  reportedOn: string | null
  reportedBy: string | null
  reportedAt: string | null
}

interface Audit {
  userId: string
  username: string
  action: string
  detail?: string
}

const columns = `sheet_id AS sheetId, version_number AS versionNumber, confirmed_by AS confirmedBy, confirmed_at AS confirmedAt,
  returned_by AS returnedBy, returned_at AS returnedAt, returned_reason AS returnedReason,
  reported_on AS reportedOn, reported_by AS reportedBy, reported_at AS reportedAt`

class StateChanged extends Error {}

/**
 * The review step's writes (企画確認, its send-back, 庁議報告), each in one transaction with its audit entry.
 * Each names the state it expects (the sheet approved at that version, the step not taken yet): when another
 * request got there first, nothing is written and the call answers false. Approved versions are never
 * touched: the review is a row beside the version.
 */
export class ReviewStore {
  constructor(private readonly db: Database) {}

  async setting(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM town_settings WHERE key = ?', [key]))?.value
  }

  async setSetting(key: string, value: string, audit: Audit): Promise<void> {
    await this.db.transaction(async (tx) => {
      const now = nowIso()
      await tx.run(
        `INSERT INTO town_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
        [key, value, audit.userId, now],
      )
      await tx.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
        now,
        audit.userId,
        audit.username,
        audit.action,
        key,
        audit.detail ?? value,
      ])
    })
  }

  get(sheetId: string, versionNumber: number): Promise<ReviewRecord | undefined> {
    return this.db.get<ReviewRecord>(`SELECT ${columns} FROM sheet_reviews WHERE sheet_id = ? AND version_number = ?`, [sheetId, versionNumber])
  }

  /** The reviews of many sheets' versions at once (the board, the list). */
  async forSheets(sheetIds: readonly string[]): Promise<ReviewRecord[]> {
    if (!sheetIds.length) return []
    const out: ReviewRecord[] = []
    // In slices: SQLite caps bound parameters (999 on older builds).
    for (let i = 0; i < sheetIds.length; i += 500) {
      const slice = sheetIds.slice(i, i + 500)
      out.push(...(await this.db.all<ReviewRecord>(`SELECT ${columns} FROM sheet_reviews WHERE sheet_id IN (${slice.map(() => '?').join(', ')})`, slice)))
    }
    return out
  }

  /**
   * Locks the sheet's row while it is approved at `versionNumber` (the latest version) and answers whether it
   * is; every write below starts with it, so a 改訂 or a second reviewer racing this one waits or loses.
   */
  private async lockApproved(tx: SqlExecutor, sheetId: string, versionNumber: number): Promise<boolean> {
    const locked = await tx.run("UPDATE sheets SET updated_at = updated_at WHERE id = ? AND status = 'approved'", [sheetId])
    if (locked.changes !== 1) return false
    const latest = await tx.get<{ n: number | null }>('SELECT max(number) AS n FROM sheet_versions WHERE sheet_id = ?', [sheetId])
    return Number(latest?.n ?? 0) === versionNumber
  }

  private audit(tx: SqlExecutor, at: string, sheetId: string, audit: Audit) {
    return tx.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      at,
      audit.userId,
      audit.username,
      audit.action,
      sheetId,
      audit.detail ?? null,
    ])
  }

  private guarded(work: (tx: SqlExecutor) => Promise<void>): Promise<boolean> {
    return this.db
      .transaction(async (tx) => {
        await work(tx)
        return true
      })
      .catch((error: unknown) => {
        if (error instanceof StateChanged) return false
        throw error
      })
  }

  /** 企画確認 of the latest version, once. */
  confirm(sheetId: string, versionNumber: number, audit: Audit): Promise<boolean> {
    return this.guarded(async (tx) => {
      if (!(await this.lockApproved(tx, sheetId, versionNumber))) throw new StateChanged()
      const now = nowIso()
      const inserted = await tx.run(
        `INSERT INTO sheet_reviews (sheet_id, version_number, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (sheet_id, version_number) DO NOTHING`,
        [sheetId, versionNumber, audit.userId, now],
      )
      if (inserted.changes !== 1) throw new StateChanged()
      await this.audit(tx, now, sheetId, audit)
    })
  }

  /**
   * 企画's send-back of the latest version before it was confirmed: the version stays as it is (frozen for
   * good); the sheet goes back to draft as the next revision, as 改訂 does, with the reason shown to the
   * department as a 課長's 差し戻し is.
   */
  sendBack(sheetId: string, versionNumber: number, reason: string, audit: Audit): Promise<boolean> {
    return this.guarded(async (tx) => {
      if (!(await this.lockApproved(tx, sheetId, versionNumber))) throw new StateChanged()
      const now = nowIso()
      const inserted = await tx.run(
        `INSERT INTO sheet_reviews (sheet_id, version_number, returned_by, returned_at, returned_reason) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sheet_id, version_number) DO NOTHING`,
        [sheetId, versionNumber, audit.userId, now, reason],
      )
      if (inserted.changes !== 1) throw new StateChanged()
      await tx.run("UPDATE sheets SET status = 'draft', revision = revision + 1, returned_reason = ?, updated_at = ? WHERE id = ?", [reason, now, sheetId])
      await this.audit(tx, now, sheetId, audit)
    })
  }

  /** 庁議報告 of a confirmed version, once: the meeting's day. */
  report(sheetId: string, versionNumber: number, reportedOn: string, audit: Audit): Promise<boolean> {
    return this.guarded(async (tx) => {
      if (!(await this.lockApproved(tx, sheetId, versionNumber))) throw new StateChanged()
      const now = nowIso()
      const updated = await tx.run(
        `UPDATE sheet_reviews SET reported_on = ?, reported_by = ?, reported_at = ?
         WHERE sheet_id = ? AND version_number = ? AND confirmed_at IS NOT NULL AND reported_on IS NULL`,
        [reportedOn, audit.userId, now, sheetId, versionNumber],
      )
      if (updated.changes !== 1) throw new StateChanged()
      await this.audit(tx, now, sheetId, audit)
    })
  }
}
