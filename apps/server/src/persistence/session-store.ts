import type { Adapter, DatabaseSession, DatabaseUser } from 'lucia'
import type { Role } from '@hoshin/protocol'
import type { Database } from './database.js'

/** The person of a session as the request middleware needs them (the user's row and their units' names). */
export interface SessionUser {
  id: string
  username: string
  displayName: string
  role: Role
  departmentId: string | null
  sectionId: string | null
  disabledAt: string | null
  departmentName: string | null
  sectionName: string | null
}

interface SessionRow {
  id: string
  userId: string
  expiresAt: number
}

function toSession(row: SessionRow): DatabaseSession {
  return { id: row.id, userId: row.userId, expiresAt: new Date(row.expiresAt), attributes: {} }
}

/**
 * Lucia's storage adapter on our database. The person comes with the session, read fresh on every
 * request (role, department, section, disabled), so a transfer or role change takes effect at once.
 */
export class SqliteSessionStore implements Adapter {
  constructor(private readonly db: Database) {}

  /**
   * The session with its person and the names of the person's department and section, in one statement:
   * it runs for every request and every socket upgrade (three statements before, issue 18).
   */
  async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = await this.db.get<SessionRow & Omit<SessionUser, 'id'>>(
      `SELECT s.id, s.user_id AS userId, s.expires_at AS expiresAt,
         u.username, u.display_name AS displayName, u.role, u.department_id AS departmentId, u.section_id AS sectionId,
         u.disabled_at AS disabledAt, d.name AS departmentName, sec.name AS sectionName
       FROM sessions s JOIN users u ON u.id = s.user_id
       LEFT JOIN departments d ON d.id = u.department_id LEFT JOIN sections sec ON sec.id = u.section_id
       WHERE s.id = ?`,
      [sessionId],
    )
    if (!row) return [null, null]
    const { id: _session, userId, expiresAt: _expires, ...person } = row
    const attributes: Omit<SessionUser, 'id'> = person
    return [toSession(row), { id: userId, attributes }]
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
