import type { EvaluationKindValue, EvaluationState } from '@hoshin/protocol'
import { nowIso } from './ids.js'
import type { Database, SqlExecutor } from './database.js'

export interface EvaluationRecord {
  sheetId: string
  kind: EvaluationKindValue
  status: EvaluationState
  planVersion: number
  openedBy: string
  openedAt: string
  returnedReason: string | null
  submittedCanonical: string | null
  canonical: string | null
  sha256: string | null
  approvedBy: string | null
  approvedAt: string | null
}

const columns = `sheet_id AS sheetId, kind, status, plan_version AS planVersion, opened_by AS openedBy, opened_at AS openedAt,
  returned_reason AS returnedReason, submitted_canonical AS submittedCanonical, canonical, sha256, approved_by AS approvedBy,
  approved_at AS approvedAt`

interface Audit {
  userId: string
  username: string
  action: string
  detail?: string
}

class StateChanged extends Error {}

/**
 * 中間評価 and 年度末評価 of approved sheets ([S20]): their workflow state and, once approved, the frozen
 * canonical JSON with its SHA-256. Each step is one transaction with its audit entry, and names the state it
 * expects: when another request moved it first (two 課長 approving at once), nothing is written.
 */
export class EvaluationStore {
  constructor(private readonly db: Database) {}

  list(sheetId: string): Promise<EvaluationRecord[]> {
    return this.db.all(`SELECT ${columns} FROM sheet_evaluations WHERE sheet_id = ? ORDER BY kind = 'yearend', kind`, [sheetId])
  }

  get(sheetId: string, kind: EvaluationKindValue): Promise<EvaluationRecord | undefined> {
    return this.db.get(`SELECT ${columns} FROM sheet_evaluations WHERE sheet_id = ? AND kind = ?`, [sheetId, kind])
  }

  /** Every evaluation of these sheets (the board). */
  async forSheets(sheetIds: readonly string[]): Promise<EvaluationRecord[]> {
    if (!sheetIds.length) return []
    return this.db.all(`SELECT ${columns} FROM sheet_evaluations WHERE sheet_id IN (${sheetIds.map(() => '?').join(', ')})`, [...sheetIds])
  }

  /** When the evaluation was last submitted (確認を依頼) and by whom, read from its audit entry. */
  lastSubmission(sheetId: string, kind: EvaluationKindValue): Promise<{ at: string; userId: string | null } | undefined> {
    return this.db.get(
      `SELECT at, user_id AS userId FROM audit_log WHERE target = ? AND action = 'evaluation.submit' AND detail = ? ORDER BY id DESC LIMIT 1`,
      [sheetId, kind],
    )
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

  /** Opens an evaluation; false when it exists already (opened by someone else first). */
  open(sheetId: string, kind: EvaluationKindValue, planVersion: number, audit: Audit): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const at = nowIso()
      const result = await tx.run(
        `INSERT INTO sheet_evaluations (sheet_id, kind, status, plan_version, opened_by, opened_at)
         VALUES (?, ?, 'draft', ?, ?, ?) ON CONFLICT (sheet_id, kind) DO NOTHING`,
        [sheetId, kind, planVersion, audit.userId, at],
      )
      if (result.changes !== 1) return false
      await this.audit(tx, at, sheetId, audit)
      return true
    })
  }

  /** Moves an evaluation from one state to another with its audit entry; false when its state was not `from`. */
  transition(
    t: { sheetId: string; kind: EvaluationKindValue; from: EvaluationState; to: EvaluationState; returnedReason?: string | null; submittedCanonical?: string },
    audit: Audit,
    approved?: { canonical: string; sha256: string },
  ): Promise<boolean> {
    return this.db
      .transaction(async (tx) => {
        const at = nowIso()
        const result = await tx.run(
          `UPDATE sheet_evaluations SET status = ?, returned_reason = ?, submitted_canonical = coalesce(?, submitted_canonical),
             canonical = ?, sha256 = ?, approved_by = ?, approved_at = ?
           WHERE sheet_id = ? AND kind = ? AND status = ?`,
          [
            t.to,
            t.returnedReason ?? null,
            t.submittedCanonical ?? null,
            approved?.canonical ?? null,
            approved?.sha256 ?? null,
            approved ? audit.userId : null,
            approved ? at : null,
            t.sheetId,
            t.kind,
            t.from,
          ],
        )
        if (result.changes !== 1) throw new StateChanged()
        await this.audit(tx, at, t.sheetId, audit)
        return true
      })
      .catch((error: unknown) => {
        if (error instanceof StateChanged) return false
        throw error
      })
  }
}
