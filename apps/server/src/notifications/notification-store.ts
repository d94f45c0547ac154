import type { NotificationKind, NotificationView } from '@hoshin/protocol'
import { newId, nowIso } from '../persistence/ids.js'
import type { SqlExecutor } from '../persistence/sqlite.js'

export interface NewNotification {
  kind: NotificationKind
  sheetId: string | null
  link: string | null
  text: string
}

/** In-app notifications, one row per person reached. */
export class NotificationStore {
  constructor(private readonly db: SqlExecutor) {}

  async add(userIds: readonly string[], notification: NewNotification): Promise<void> {
    const at = nowIso()
    for (const userId of userIds) {
      await this.db.run('INSERT INTO notifications (id, user_id, kind, sheet_id, link, text, at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        newId('n'),
        userId,
        notification.kind,
        notification.sheetId,
        notification.link,
        notification.text,
        at,
      ])
    }
  }

  async list(userId: string, limit: number): Promise<NotificationView[]> {
    const rows = await this.db.all<Omit<NotificationView, 'read'> & { readAt: string | null }>(
      `SELECT id, kind, sheet_id AS sheetId, link, at, text, read_at AS readAt FROM notifications
       WHERE user_id = ? ORDER BY at DESC, rowid DESC LIMIT ?`,
      [userId, limit],
    )
    return rows.map(({ readAt, ...n }) => ({ ...n, read: readAt !== null }))
  }

  async unread(userId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL', [userId])
    return row?.n ?? 0
  }

  /** Unread @mentions of this person, per sheet (the sheet list's badge). */
  async unreadMentionsBySheet(userId: string): Promise<Map<string, number>> {
    const rows = await this.db.all<{ sheetId: string; n: number }>(
      `SELECT sheet_id AS sheetId, COUNT(*) AS n FROM notifications
       WHERE user_id = ? AND kind = 'mention' AND read_at IS NULL AND sheet_id IS NOT NULL GROUP BY sheet_id`,
      [userId],
    )
    return new Map(rows.map((r) => [r.sheetId, r.n]))
  }

  /** Marks these (or all) of this person's notifications read; another person's ids are ignored. */
  async markRead(userId: string, ids: readonly string[] | 'all'): Promise<void> {
    const now = nowIso()
    if (ids === 'all') {
      await this.db.run('UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL', [now, userId])
      return
    }
    for (const id of ids) await this.db.run('UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL', [now, id, userId])
  }

  /** Reading a thread clears the mention notifications that led there; says whether any did. */
  async markThreadMentionsRead(userId: string, sheetId: string, threadId: string): Promise<boolean> {
    const { changes } = await this.db.run(
      `UPDATE notifications SET read_at = ? WHERE user_id = ? AND sheet_id = ? AND kind = 'mention' AND link = ? AND read_at IS NULL`,
      [nowIso(), userId, sheetId, `/sheets/${sheetId}#thread-${threadId}`],
    )
    return changes > 0
  }
}
