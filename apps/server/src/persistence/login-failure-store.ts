import type { SqliteDatabase } from './sqlite.js'

/** Failed login attempts per typed user name, for the lockout rule. */
export interface LoginFailureStore {
  record(username: string, at: number): Promise<void>
  /** Failures at or after `since`, oldest first. */
  since(username: string, since: number): Promise<number[]>
  clear(username: string): Promise<void>
}

export class SqliteLoginFailureStore implements LoginFailureStore {
  constructor(private readonly db: SqliteDatabase) {}

  async record(username: string, at: number): Promise<void> {
    await this.db.run('INSERT INTO login_failures (username, at) VALUES (?, ?)', [username, at])
  }

  async since(username: string, since: number): Promise<number[]> {
    const rows = await this.db.all<{ at: number }>(
      'SELECT at FROM login_failures WHERE username = ? AND at >= ? ORDER BY at',
      [username, since],
    )
    return rows.map((r) => r.at)
  }

  async clear(username: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE username = ?', [username])
  }
}
