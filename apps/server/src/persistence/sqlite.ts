import sqlite3 from 'sqlite3'

import type { Database, RunResult, SqlExecutor, SqlParams } from './database.js'

export type { Database, RunResult, SqlExecutor, SqlParams, SqlValue } from './database.js'

/**
 * The one place that touches `sqlite3`'s callback API. One connection per database file; WAL mode so
 * readers in other processes (the admin CLI, backups) never block the server.
 *
 * sqlite3 runs statements of one connection in order, but an async `transaction()` spans several awaits:
 * without a queue a second caller's statements would land inside the first caller's transaction. All
 * statement and transaction therefore goes through one promise chain (sqlite3 serialises a single
 * connection anyway, so this costs no parallelism).
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly db: sqlite3.Database,
    readonly file: string,
  ) {}

  static async open(file: string): Promise<SqliteDatabase> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(db)))
    })
    const database = new SqliteDatabase(raw, file)
    // A busy timeout lets the admin CLI write while the server runs.
    raw.configure('busyTimeout', 5000)
    await database.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;')
    return database
  }

  exec(sql: string): Promise<void> {
    return this.serialized(() => this.rawExec(sql))
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.serialized(() => this.rawRun(sql, params))
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.serialized(() => this.rawGet<T>(sql, params))
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.serialized(() => this.rawAll<T>(sql, params))
  }

  /**
   * Runs `work` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK on a throw). `work` receives a handle whose
   * statements run inside the transaction; it must not call the outer database's methods (they wait
   * for the transaction and would deadlock).
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.rawExec('BEGIN IMMEDIATE')
      try {
        const result = await work(this.executor)
        await this.rawExec('COMMIT')
        return result
      } catch (error) {
        await this.rawExec('ROLLBACK').catch(() => undefined)
        throw error
      }
    }
    return this.serialized(run)
  }

  /**
   * Runs reads in one read transaction (BEGIN … COMMIT): they see one snapshot of the database, and no
   * statement of this connection runs between them (a compaction cannot empty a log between reading a
   * state and reading that log).
   */
  snapshot<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      await this.rawExec('BEGIN')
      try {
        return await work(this.executor)
      } finally {
        await this.rawExec('COMMIT').catch(() => undefined)
      }
    })
  }

  /** SQLite's own counter of commits by other connections (this connection's writes leave it alone). */
  async accessEpoch(): Promise<number> {
    const row = await this.get<{ data_version: number }>('PRAGMA data_version')
    return row?.data_version ?? 0
  }

  close(): Promise<void> {
    return this.queue.then(
      () => new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve()))),
    )
  }

  /** The statements of an open transaction. */
  private readonly executor: SqlExecutor = {
    exec: (sql) => this.rawExec(sql),
    run: (sql, params = []) => this.rawRun(sql, params),
    get: <T>(sql: string, params: SqlParams = []) => this.rawGet<T>(sql, params),
    all: <T>(sql: string, params: SqlParams = []) => this.rawAll<T>(sql, params),
  }

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op)
    this.queue = next.catch(() => undefined)
    return next
  }

  private rawExec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())))
  }

  private rawRun(sql: string, params: SqlParams): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err)
        else resolve({ changes: this.changes })
      })
    })
  }

  private rawGet<T>(sql: string, params: SqlParams): Promise<T | undefined> {
    return new Promise((resolve, reject) =>
      this.db.get(sql, params, (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row))),
    )
  }

  private rawAll<T>(sql: string, params: SqlParams): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows))),
    )
  }
}
