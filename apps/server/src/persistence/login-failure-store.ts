import type { Database } from './database.js'

/** Failed login attempts per typed user name and client address, for the throttling rule. */
export interface LoginFailureStore {
  /** Records a failure (before the password is checked, then kept only if it was wrong); returns its id. */
  record(username: string, address: string, at: number): Promise<number>
  /** Removes one recorded attempt (the password was right after all). */
  remove(id: number): Promise<void>
  /** Failures for this name from this address at or after `since`, oldest first. */
  byPair(username: string, address: string, since: number): Promise<number[]>
  /** Failures from this address for any name at or after `since`, oldest first. */
  byAddress(address: string, since: number): Promise<number[]>
  /** Forgets a name's failures (a reset password). */
  clear(username: string): Promise<void>
  /** Forgets a name's failures from one address (the right password came from there). */
  clearPair(username: string, address: string): Promise<void>
  /** Removes failures older than `before` (random names would otherwise pile up forever). */
  purge(before: number): Promise<number>
}

export class SqliteLoginFailureStore implements LoginFailureStore {
  constructor(private readonly db: Database) {}

  async record(username: string, address: string, at: number): Promise<number> {
    const row = await this.db.get<{ id: number }>('INSERT INTO login_failures (username, address, at) VALUES (?, ?, ?) RETURNING id', [username, address, at])
    return row!.id
  }

  async remove(id: number): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE id = ?', [id])
  }

  async byPair(username: string, address: string, since: number): Promise<number[]> {
    const rows = await this.db.all<{ at: number }>(
      'SELECT at FROM login_failures WHERE username = ? AND address = ? AND at >= ? ORDER BY at',
      [username, address, since],
    )
    return rows.map((r) => r.at)
  }

  async byAddress(address: string, since: number): Promise<number[]> {
    const rows = await this.db.all<{ at: number }>('SELECT at FROM login_failures WHERE address = ? AND at >= ? ORDER BY at', [address, since])
    return rows.map((r) => r.at)
  }

  async clear(username: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE username = ?', [username])
  }

  async clearPair(username: string, address: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE username = ? AND address = ?', [username, address])
  }

  async purge(before: number): Promise<number> {
    return (await this.db.run('DELETE FROM login_failures WHERE at < ?', [before])).changes
  }
}
