import pg from 'pg'
import type { Database, RunResult, SqlExecutor, SqlParams, SqlValue } from './database.js'

/**
 * The stores' SQL, made PostgreSQL's: `?` becomes `$1, $2, …`, and a mixed-case alias (`AS sheetId`,
 * which PostgreSQL would fold to `sheetid`) is quoted, so rows come back with the same keys as on SQLite.
 * String literals, quoted identifiers and comments are left as they are. The one place that rewrites SQL.
 */
export function toPostgresSql(sql: string): string {
  let out = ''
  let n = 0
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]!
    if (ch === "'" || ch === '"') {
      let j = i + 1
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2
          else break
        } else j++
      }
      out += sql.slice(i, j + 1)
      i = j + 1
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      const j = end === -1 ? sql.length : end
      out += sql.slice(i, j)
      i = j
    } else if (ch === '?') {
      out += `$${++n}`
      i++
    } else if (/[A-Za-z_]/.test(ch) && !/[A-Za-z0-9_$.]/.test(sql[i - 1] ?? ' ')) {
      let j = i + 1
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++
      const word = sql.slice(i, j)
      out += /[a-z]/.test(word) && /[A-Z]/.test(word) ? `"${word}"` : word
      i = j
    } else {
      out += ch
      i++
    }
  }
  return out
}

const translated = new Map<string, string>()
function translate(sql: string): string {
  let text = translated.get(sql)
  if (text === undefined) {
    text = toPostgresSql(sql)
    // The stores build a bounded set of statements (IN lists vary in length): a cap keeps it bounded anyway.
    if (translated.size > 5000) translated.clear()
    translated.set(sql, text)
  }
  return text
}

function param(value: SqlValue): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** BIGINT (count(*), ids, epoch milliseconds) and NUMERIC (sums) as JS numbers, as SQLite gives them. */
function integer(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) && Number.isInteger(value)) throw new Error(`integer ${text} is beyond JavaScript's safe range`)
  return value
}
const INT8 = 20
const NUMERIC = 1700
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? integer : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  const query = (sql: string, params: SqlParams) => client.query({ text: translate(sql), values: params.map(param), types })
  return {
    exec: async (sql) => {
      await client.query(sql)
    },
    run: async (sql, params = []): Promise<RunResult> => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
    get: async <T>(sql: string, params: SqlParams = []) => (await query(sql, params)).rows[0] as T | undefined,
    all: async <T>(sql: string, params: SqlParams = []) => (await query(sql, params)).rows as T[],
  }
}

/** Channel the access triggers notify (postgres-migrations.ts), with the schema as payload. */
export const ACCESS_CHANNEL = 'hoshin_access'

/**
 * PostgreSQL through a `pg` pool (HOSHIN_DATABASE_URL). Statements outside a transaction take any pooled
 * connection; a transaction holds one connection from BEGIN to COMMIT (READ COMMITTED: the stores' guarded
 * updates — `… WHERE status = ?` — decide races, as they do on SQLite). A snapshot is a REPEATABLE READ,
 * READ ONLY transaction.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const
  private readonly executor: SqlExecutor
  private listener: Promise<pg.Client | undefined> | undefined
  private epoch = 0
  private closed = false

  private constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    /** The schema the tables live in (the connection's current_schema). */
    readonly schema: string,
    private readonly onError: (error: Error) => void,
  ) {
    this.executor = executor(pool)
  }

  static async open(url: string, options: { max?: number; onError?: (error: Error) => void } = {}): Promise<PostgresDatabase> {
    const config: pg.ClientConfig = { connectionString: url, application_name: 'hoshin' }
    const pool = new pg.Pool({ ...config, max: options.max ?? 10 })
    const onError = options.onError ?? (() => undefined)
    // An idle pooled connection that breaks (the server restarted) must not crash the process: the pool
    // drops it and the next query opens a new one.
    pool.on('error', onError)
    try {
      const row = (await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]
      if (!row?.schema) throw new Error('HOSHIN_DATABASE_URL: the connection has no schema to create tables in (check search_path)')
      return new PostgresDatabase(pool, config, row.schema, onError)
    } catch (error) {
      await pool.end().catch(() => undefined)
      // Where it tried, never the password.
      const where = new URL(url)
      throw new Error(`HOSHIN_DATABASE_URL: cannot use PostgreSQL at ${where.host}${where.pathname}: ${(error as Error).message}`, { cause: error })
    }
  }

  exec(sql: string): Promise<void> {
    return this.executor.exec(sql)
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.executor.run(sql, params)
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.executor.get<T>(sql, params)
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.executor.all<T>(sql, params)
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.within('BEGIN', work)
  }

  snapshot<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.within('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work)
  }

  private async within<T>(begin: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    // Checked out, the pool no longer listens for the connection's errors: one cut between two queries of
    // the transaction (the database went away while `work` awaited something else) is emitted on the
    // client, and an 'error' nobody hears ends the process. Heard here, the next query fails instead and
    // the pool destroys the connection on release.
    const lost = (error: Error) => {
      broken = error
      this.onError(error)
    }
    client.on('error', lost)
    try {
      await client.query(begin)
      try {
        const result = await work(executor(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError
        })
        throw error
      }
    } finally {
      // A connection whose ROLLBACK failed (or that broke) is in an unknown state: the pool destroys it.
      client.removeListener('error', lost)
      client.release(broken)
    }
  }

  /**
   * Counts NOTIFYs on ACCESS_CHANNEL for this schema, sent at commit by triggers on sessions (deleted),
   * users (changed) and sheets (status or department changed), from any process. A dedicated connection
   * LISTENs; while it is down, every call returns a new value, so the access watch checks every
   * connection each round until it is back (slower, never blind).
   */
  async accessEpoch(): Promise<number> {
    this.listener ??= this.listen()
    const client = await this.listener
    if (!client) {
      this.listener = undefined
      return ++this.epoch
    }
    return this.epoch
  }

  private async listen(): Promise<pg.Client | undefined> {
    if (this.closed) return undefined
    const client = new pg.Client(this.config)
    const lost = (error?: Error) => {
      if (error) this.onError(error)
      if (this.listener) {
        this.listener = undefined
        this.epoch++
      }
      client.removeAllListeners()
      client.on('error', () => undefined)
      void client.end().catch(() => undefined)
    }
    try {
      client.on('error', lost)
      client.on('end', () => lost())
      client.on('notification', (message) => {
        if (message.channel === ACCESS_CHANNEL && message.payload === this.schema) this.epoch++
      })
      await client.connect()
      await client.query(`LISTEN ${ACCESS_CHANNEL}`)
      return client
    } catch (error) {
      this.onError(error as Error)
      client.removeAllListeners()
      client.on('error', () => undefined)
      void client.end().catch(() => undefined)
      return undefined
    }
  }

  async close(): Promise<void> {
    this.closed = true
    const listener = await this.listener?.catch(() => undefined)
    this.listener = undefined
    if (listener) {
      listener.removeAllListeners()
      listener.on('error', () => undefined)
      await listener.end().catch(() => undefined)
    }
    await this.pool.end()
  }
}
