import type { SheetStatus } from '@hoshin/protocol'
import type { Database, SqlExecutor } from './database.js'
import * as Y from 'yjs'
import { newId, nowIso } from './ids.js'

export interface VersionRecord {
  number: number
  revision: number
  sha256: string
  approvedBy: string
  approvedAt: string
  /** The approving 課長's name and the department's 職員数 at approval (the form's header); null before issue 19. */
  headName: string | null
  staffCount: number | null
}

/** What an approval freezes: the Yjs state and its canonical JSON, hashed. */
export interface VersionContent {
  revision: number
  state: Uint8Array
  canonical: string
  sha256: string
  /** What the form's header prints, as it is at approval. */
  headName?: string | null
  staffCount?: number | null
}

export interface Transition {
  sheetId: string
  from: SheetStatus
  to: SheetStatus
  revision?: number
  returnedReason?: string | null
  audit: { userId: string; username: string; action: string; detail?: string }
  /** A 確認依頼: the content as submitted, kept so the 課長 sees what changed since. */
  submission?: { revision: number; canonical: string }
}

/**
 * The workflow's writes, each in one transaction with its audit entry. A transition names the state it
 * expects; when another request changed the state first (two 課長 approving at once), nothing is written
 * and the call answers false.
 */
export class VersionStore {
  constructor(private readonly db: Database) {}

  private async move(tx: SqlExecutor, t: Transition): Promise<boolean> {
    const now = nowIso()
    const result = await tx.run(
      `UPDATE sheets SET status = ?, revision = coalesce(?, revision), returned_reason = ?, updated_at = ?
       WHERE id = ? AND status = ?`,
      [t.to, t.revision ?? null, t.returnedReason ?? null, now, t.sheetId, t.from],
    )
    if (result.changes !== 1) return false
    await tx.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      now,
      t.audit.userId,
      t.audit.username,
      t.audit.action,
      t.sheetId,
      t.audit.detail ?? null,
    ])
    if (t.submission) {
      await tx.run('INSERT INTO sheet_submissions (sheet_id, revision, submitted_by, submitted_at, canonical) VALUES (?, ?, ?, ?, ?)', [
        t.sheetId,
        t.submission.revision,
        t.audit.userId,
        now,
        t.submission.canonical,
      ])
    }
    return true
  }

  transition(t: Transition): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const moved = await this.move(tx, t)
      if (!moved) throw new StateChanged()
      return true
    }).catch((error: unknown) => {
      if (error instanceof StateChanged) return false
      throw error
    })
  }

  /** Approve = store the version, set the state and write the audit entry, all or nothing. */
  /**
   * `version` may be read inside the transaction, after the sheet's status changed (`capture`): the sheet's
   * row is then locked, so every update stored before is in it and every update stored after sees the
   * sheet approved (document-store.ts refuses it) — on any number of processes.
   */
  approve(t: Transition, version: VersionContent | ((tx: SqlExecutor) => Promise<VersionContent>)): Promise<VersionRecord | null> {
    return this.db
      .transaction(async (tx) => {
        if (!(await this.move(tx, t))) throw new StateChanged()
        if (typeof version === 'function') version = await version(tx)
        const last = await tx.get<{ n: number | null }>('SELECT max(number) AS n FROM sheet_versions WHERE sheet_id = ?', [t.sheetId])
        const record: VersionRecord = {
          number: (last?.n ?? 0) + 1,
          revision: version.revision,
          sha256: version.sha256,
          approvedBy: t.audit.userId,
          approvedAt: nowIso(),
          headName: version.headName ?? null,
          staffCount: version.staffCount ?? null,
        }
        await tx.run(
          `INSERT INTO sheet_versions (sheet_id, number, revision, state, canonical, sha256, approved_by, approved_at, head_name, staff_count)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            t.sheetId,
            record.number,
            record.revision,
            version.state,
            version.canonical,
            record.sha256,
            record.approvedBy,
            record.approvedAt,
            record.headName,
            record.staffCount,
          ],
        )
        await tx.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
          record.approvedAt,
          t.audit.userId,
          t.audit.username,
          'sheet.version',
          t.sheetId,
          `v${record.number} sha256=${record.sha256}`,
        ])
        return record
      })
      .catch((error: unknown) => {
        if (error instanceof StateChanged) return null
        throw error
      })
  }

  list(sheetId: string): Promise<VersionRecord[]> {
    return this.db.all(
      `SELECT number, revision, sha256, approved_by AS approvedBy, approved_at AS approvedAt, head_name AS headName, staff_count AS staffCount
       FROM sheet_versions WHERE sheet_id = ? ORDER BY number`,
      [sheetId],
    )
  }

  get(sheetId: string, number: number): Promise<(VersionRecord & { canonical: string; state: Buffer }) | undefined> {
    return this.db.get(
      `SELECT number, revision, sha256, approved_by AS approvedBy, approved_at AS approvedAt, head_name AS headName, staff_count AS staffCount,
       canonical, state FROM sheet_versions WHERE sheet_id = ? AND number = ?`,
      [sheetId, number],
    )
  }

  /** The person's late change set on a version that is not yet carried into a revision, if any. */
  lateSet(sheetId: string, userId: string, versionNumber: number): Promise<{ id: string; data: Buffer } | undefined> {
    return this.db.get(
      `SELECT id, data FROM rejected_changes
       WHERE sheet_id = ? AND user_id = ? AND version_number = ? AND carried_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [sheetId, userId, versionNumber],
    )
  }

  /**
   * Merges `update` into the person's open late set on that version, or starts it, in one transaction:
   * two processes keeping the same person's late changes at once (each refused a part of them) make one
   * set, not two. On PostgreSQL a lock per sheet and person orders them; SQLite has one writer anyway.
   */
  mergeLateSet(set: { sheetId: string; userId: string; versionNumber: number; update: Uint8Array }): Promise<{ id: string; created: boolean }> {
    return this.db.transaction(async (tx) => {
      if (this.db.dialect === 'postgres') {
        await tx.get("SELECT pg_advisory_xact_lock(hashtextextended('hoshin-late:' || current_schema() || ':' || ? || ':' || ?, 0))", [set.sheetId, set.userId])
      }
      const existing = await tx.get<{ id: string; data: Buffer }>(
        `SELECT id, data FROM rejected_changes
         WHERE sheet_id = ? AND user_id = ? AND version_number = ? AND carried_at IS NULL ORDER BY created_at DESC LIMIT 1`,
        [set.sheetId, set.userId, set.versionNumber],
      )
      const now = nowIso()
      if (existing) {
        const merged = Y.mergeUpdates([new Uint8Array(existing.data), set.update])
        await tx.run('UPDATE rejected_changes SET data = ?, updated_at = ? WHERE id = ?', [merged, now, existing.id])
        return { id: existing.id, created: false }
      }
      const id = newId('rj')
      await tx.run(
        'INSERT INTO rejected_changes (id, sheet_id, user_id, version_number, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [id, set.sheetId, set.userId, set.versionNumber, set.update, now, now],
      )
      return { id, created: true }
    })
  }

  /** Stores a late change set: a new one, or the merged set replacing the person's set on that version. */
  async saveLate(set: { id?: string; sheetId: string; userId: string; versionNumber: number; data: Uint8Array }): Promise<string> {
    const now = nowIso()
    if (set.id) {
      await this.db.run('UPDATE rejected_changes SET data = ?, updated_at = ? WHERE id = ?', [set.data, now, set.id])
      return set.id
    }
    const id = newId('rj')
    await this.db.run(
      'INSERT INTO rejected_changes (id, sheet_id, user_id, version_number, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, set.sheetId, set.userId, set.versionNumber, set.data, now, now],
    )
    return id
  }

  rejected(
    sheetId: string,
    userId: string,
  ): Promise<{ id: string; versionNumber: number; data: Buffer; createdAt: string; updatedAt: string | null; carriedAt: string | null }[]> {
    return this.db.all(
      `SELECT id, version_number AS versionNumber, data, created_at AS createdAt, updated_at AS updatedAt, carried_at AS carriedAt
       FROM rejected_changes WHERE sheet_id = ? AND user_id = ? ORDER BY created_at`,
      [sheetId, userId],
    )
  }

  /** Marks a late change set as carried into a revision; false when it already was. */
  async markCarried(id: string): Promise<boolean> {
    const result = await this.db.run('UPDATE rejected_changes SET carried_at = ? WHERE id = ? AND carried_at IS NULL', [nowIso(), id])
    return result.changes === 1
  }

  /** The sheet's audit entries, each with the person's display name as it is now (null: no such account). */
  audit(
    sheetId: string,
    actionPrefix: string,
  ): Promise<{ at: string; username: string | null; displayName: string | null; action: string; detail: string | null }[]> {
    return this.db.all(
      `SELECT a.at, a.username, u.display_name AS displayName, a.action, a.detail
       FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
       WHERE a.target = ? AND a.action LIKE ? ORDER BY a.id`,
      [sheetId, `${actionPrefix}%`],
    )
  }
}

class StateChanged extends Error {}
