import type { Database } from './database.js'
import { nowIso } from './ids.js'

export interface AuditEntry {
  userId?: string | null
  username?: string | null
  action: string
  target?: string | null
  detail?: string | null
}

/** Append-only access and change log (kept at least a year by town rules; the app never prunes it). */
export interface AuditStore {
  append(entry: AuditEntry): Promise<void>
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: Database) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db.run('INSERT INTO audit_log (at, user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      nowIso(),
      entry.userId ?? null,
      entry.username ?? null,
      entry.action,
      entry.target ?? null,
      entry.detail ?? null,
    ])
  }
}
