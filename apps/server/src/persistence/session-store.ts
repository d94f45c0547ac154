import type { Adapter, DatabaseSession, DatabaseUser } from 'lucia'
import type { Database } from './database.js'

interface SessionRow {
  id: string
  userId: string
  expiresAt: number
}

function toSession(row: SessionRow): DatabaseSession {
  return { id: row.id, userId: row.userId, expiresAt: new Date(row.expiresAt), attributes: {} }
}

/**
 * Lucia's storage adapter on our SQLite database. Lucia only needs the user's id here; the request
 * middleware loads the full user (role, section) fresh on every request, so a transfer or role change
 * takes effect at once.
 */
export class SqliteSessionStore implements Adapter {
  constructor(private readonly db: Database) {}

  async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = await this.db.get<SessionRow>(
      `SELECT s.id, s.user_id AS userId, s.expires_at AS expiresAt
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      [sessionId],
    )
    if (!row) return [null, null]
    return [toSession(row), { id: row.userId, attributes: {} }]
  }

  async getUserSessions(userId: string): Promise<DatabaseSession[]> {
    const rows = await this.db.all<SessionRow>(
      'SELECT id, user_id AS userId, expires_at AS expiresAt FROM sessions WHERE user_id = ?',
      [userId],
    )
    return rows.map(toSession)
  }

  async setSession(session: DatabaseSession): Promise<void> {
    await this.db.run('INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)', [
      session.id,
      session.userId,
      session.expiresAt.getTime(),
    ])
  }

  async updateSessionExpiration(sessionId: string, expiresAt: Date): Promise<void> {
    await this.db.run('UPDATE sessions SET expires_at = ? WHERE id = ?', [expiresAt.getTime(), sessionId])
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id = ?', [sessionId])
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId])
  }

  async deleteExpiredSessions(): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE expires_at <= ?', [Date.now()])
  }
}
