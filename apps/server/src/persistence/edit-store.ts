import type { Database } from './database.js'

/** One person's latest change to one field, with their name. */
export interface FieldEditView {
  part: string
  rowId: string
  field: string
  userId: string
  displayName: string
  editedAt: string
}

export interface SubmissionRecord {
  revision: number
  submittedBy: string
  submittedAt: string
  canonical: string
}

/**
 * Who changed what ([S17]): read side of `field_edits` (written with the update log's flush) and the
 * content each 確認依頼 submitted (written with the step itself, see VersionStore).
 */
export class EditStore {
  constructor(private readonly db: Database) {}

  /** Every field edit of the sheet after `since` (ISO time), newest first. */
  since(sheetId: string, since: string): Promise<FieldEditView[]> {
    return this.db.all(
      `SELECT e.part, e.row_id AS rowId, e.field, e.user_id AS userId, u.display_name AS displayName, e.edited_at AS editedAt
       FROM field_edits e JOIN users u ON u.id = e.user_id
       WHERE e.sheet_id = ? AND e.edited_at > ? ORDER BY e.edited_at DESC`,
      [sheetId, since],
    )
  }

  /** The latest submission of the sheet, if any. */
  lastSubmission(sheetId: string): Promise<SubmissionRecord | undefined> {
    return this.db.get(
      `SELECT revision, submitted_by AS submittedBy, submitted_at AS submittedAt, canonical
       FROM sheet_submissions WHERE sheet_id = ? ORDER BY id DESC LIMIT 1`,
      [sheetId],
    )
  }
}
