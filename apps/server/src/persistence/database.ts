export type SqlValue = string | number | bigint | null | Uint8Array
/** Positional parameters, written `?` in the SQL of every store (the PostgreSQL driver numbers them). */
export type SqlParams = readonly SqlValue[]

export interface RunResult {
  /** Rows the statement changed. */
  changes: number
}

/** The statements the stores use: on the database itself, or inside one of its transactions. */
export interface SqlExecutor {
  exec(sql: string): Promise<void>
  run(sql: string, params?: SqlParams): Promise<RunResult>
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>
  all<T>(sql: string, params?: SqlParams): Promise<T[]>
}

/**
 * What every store runs on: SQLite (`SqliteDatabase`, the default) or PostgreSQL (`PostgresDatabase`,
 * `HOSHIN_DATABASE_URL`). The stores' SQL is written once, in the dialect both accept: `?` placeholders,
 * `ON CONFLICT … DO NOTHING / DO UPDATE`, `RETURNING`, `IS NOT DISTINCT FROM`, columns qualified inside
 * `DO UPDATE`. Integers come back as JS numbers and binary columns as Buffers on both.
 */
export interface Database extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres'
  /**
   * Runs `work` in one read-write transaction (committed, or rolled back on a throw). `work` must use
   * the handle it receives, never the outer database (SQLite would wait for the transaction forever).
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /** Runs reads that see one snapshot of the database (state and log of a sheet read together). */
  snapshot<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /**
   * A value that moves when another connection (the admin CLI, another process) may have changed who can
   * read what: the access watch re-checks every open connection then. SQLite: `PRAGMA data_version`;
   * PostgreSQL: a counter bumped by triggers on sessions, users and sheets (see postgres-migrations.ts).
   */
  accessEpoch(): Promise<number>
  close(): Promise<void>
}
