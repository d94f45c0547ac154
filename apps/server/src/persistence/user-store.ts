import type { Role } from '@hoshin/protocol'
import type { SqlExecutor } from './database.js'
import { newId, nowIso } from './ids.js'

export interface UserRecord {
  id: string
  username: string
  displayName: string
  passwordHash: string
  role: Role
  /** null for admin and planning accounts. */
  departmentId: string | null
  sectionId: string | null
  /** When the account was disabled (it can no longer sign in), or null. */
  disabledAt: string | null
}

export type NewUser = Omit<UserRecord, 'id' | 'disabledAt'>

/**
 * Accounts. A user's id never changes, so authorship survives the yearly transfers (人事異動):
 * moving a user changes only department and section.
 */
export interface UserStore {
  create(user: NewUser): Promise<UserRecord>
  findById(id: string): Promise<UserRecord | undefined>
  findByUsername(username: string): Promise<UserRecord | undefined>
  list(): Promise<UserRecord[]>
  setPasswordHash(id: string, passwordHash: string): Promise<void>
  move(id: string, departmentId: string | null, sectionId: string | null): Promise<void>
  setRole(id: string, role: Role): Promise<void>
  setDisplayName(id: string, displayName: string): Promise<void>
  /** A disabled account cannot sign in; it stays for authorship. */
  setDisabled(id: string, disabled: boolean): Promise<void>
}

const columns = `id, username, display_name AS displayName, password_hash AS passwordHash, role,
  department_id AS departmentId, section_id AS sectionId, disabled_at AS disabledAt`

export class SqliteUserStore implements UserStore {
  constructor(private readonly db: SqlExecutor) {}

  async create(user: NewUser): Promise<UserRecord> {
    const id = newId('u')
    const now = nowIso()
    await this.db.run(
      `INSERT INTO users (id, username, display_name, password_hash, role, department_id, section_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, user.username, user.displayName, user.passwordHash, user.role, user.departmentId, user.sectionId, now, now],
    )
    return { id, ...user, disabledAt: null }
  }

  findById(id: string): Promise<UserRecord | undefined> {
    return this.db.get<UserRecord>(`SELECT ${columns} FROM users WHERE id = ?`, [id])
  }

  findByUsername(username: string): Promise<UserRecord | undefined> {
    return this.db.get<UserRecord>(`SELECT ${columns} FROM users WHERE username = ?`, [username])
  }

  list(): Promise<UserRecord[]> {
    return this.db.all<UserRecord>(`SELECT ${columns} FROM users ORDER BY rowid`)
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.run('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?', [passwordHash, nowIso(), id])
  }

  async move(id: string, departmentId: string | null, sectionId: string | null): Promise<void> {
    await this.db.run('UPDATE users SET department_id = ?, section_id = ?, updated_at = ? WHERE id = ?', [
      departmentId,
      sectionId,
      nowIso(),
      id,
    ])
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.db.run('UPDATE users SET role = ?, updated_at = ? WHERE id = ?', [role, nowIso(), id])
  }

  async setDisplayName(id: string, displayName: string): Promise<void> {
    await this.db.run('UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?', [displayName, nowIso(), id])
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    const now = nowIso()
    await this.db.run('UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?', [disabled ? now : null, now, id])
  }
}
