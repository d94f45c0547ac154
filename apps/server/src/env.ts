import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { UpdateLogOptions } from './sync/update-log.js'
import type { LivenessOptions } from './sync/access-watch.js'
import { type Limits, limitsFromEnv } from './http/limits.js'

/** The only reader of process.env. */
export interface Config {
  port: number
  host: string
  dataDir: string
  databaseFile: string
  /**
   * HOSHIN_DATABASE_URL (postgres://user@host:5432/db): every store on PostgreSQL instead of the SQLite
   * file. Unset: SQLite at `databaseFile`, as always.
   */
  databaseUrl?: string
  /**
   * HOSHIN_REDIS_URL (redis://host:6379 or rediss://): several processes serve the same sheets, sharing
   * changes, presence and events through Redis. Needs HOSHIN_DATABASE_URL (one database for all of them).
   */
  redisUrl?: string
  /** HOSHIN_REDIS_PREFIX: the start of every channel name, so several installations can share one Redis. */
  redisPrefix: string
  /** The built web app (apps/web/dist), served at /. */
  webDir: string
  /** Seed the demo town on first run (HOSHIN_DEMO=0 turns it off for a real deployment). */
  demo: boolean
  sessionHours: number
  /** Behind a TLS-terminating proxy: trust X-Forwarded-Proto/Host for the Secure flag and origin check. */
  trustProxy: boolean
  /** The addresses people open the app at (HOSHIN_PUBLIC_ORIGIN, comma-separated); others are refused. Empty: any. */
  publicOrigins: string[]
  logLevel: string
  /** Update-log tuning (tests shrink it to exercise compaction); defaults in sync/update-log.ts. */
  sync?: Partial<UpdateLogOptions>
  /** Access checks and pings of open connections; defaults in sync/access-watch.ts. */
  liveness?: Partial<LivenessOptions>
  /** What one person's input may take (sockets, queued bytes, message rates, timeouts); http/limits.ts. */
  limits: Limits
  /**
   * The town's time zone (HOSHIN_TIME_ZONE, IANA name): every date people see — screen, print footer,
   * Excel footer, file names — is in it, whatever zone the server's clock is set to.
   */
  timeZone: string
}

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo'

function timeZone(value: string | undefined): string {
  const zone = value?.trim() || DEFAULT_TIME_ZONE
  try {
    return new Intl.DateTimeFormat('ja-JP', { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    throw new Error(`HOSHIN_TIME_ZONE must be an IANA time zone like Asia/Tokyo, got "${value}"`)
  }
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`)
  return n
}

function origins(value: string | undefined): string[] {
  const list = (value ?? '').split(',').map((o) => o.trim()).filter(Boolean)
  for (const o of list) {
    let url: URL
    try {
      url = new URL(o)
    } catch {
      throw new Error(`HOSHIN_PUBLIC_ORIGIN must list origins like https://hoshin.example.lg.jp, got "${o}"`)
    }
    if (url.origin !== o.replace(/\/$/, '')) throw new Error(`HOSHIN_PUBLIC_ORIGIN: "${o}" is not an origin (scheme and host only)`)
  }
  return list
}

/** A service URL of one of the `protocols`, or undefined when unset; `example` and `unset` explain a wrong one. */
function serviceUrl(name: string, value: string | undefined, protocols: string[], example: string, unset: string): string | undefined {
  const url = value?.trim()
  if (!url) return undefined
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    throw new Error(`${name} must be a URL like ${example}`)
  }
  if (!protocols.includes(protocol)) {
    throw new Error(`${name} must start with ${protocols[0]}//, got ${protocol}//…; ${unset}`)
  }
  return url
}

function databaseUrl(value: string | undefined): string | undefined {
  return serviceUrl('HOSHIN_DATABASE_URL', value, ['postgres:', 'postgresql:'], 'postgres://hoshin@db.example.lg.jp:5432/hoshin (PostgreSQL)', 'unset it to use SQLite')
}

function redisUrl(value: string | undefined, database: string | undefined): string | undefined {
  const url = serviceUrl('HOSHIN_REDIS_URL', value, ['redis:', 'rediss:'], 'redis://cache.example.lg.jp:6379', 'unset it to run one process')
  // Each process would have a database of its own: their sheets would part.
  if (url && !database) throw new Error('HOSHIN_REDIS_URL needs HOSHIN_DATABASE_URL: processes sharing sheets must share one PostgreSQL database')
  return url
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.HOSHIN_DATA_DIR || 'data')
  const here = path.dirname(fileURLToPath(import.meta.url))
  return {
    port: int('PORT', env.PORT, 3000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseFile: path.join(dataDir, 'hoshin.sqlite'),
    databaseUrl: databaseUrl(env.HOSHIN_DATABASE_URL),
    redisUrl: redisUrl(env.HOSHIN_REDIS_URL, env.HOSHIN_DATABASE_URL?.trim()),
    redisPrefix: env.HOSHIN_REDIS_PREFIX?.trim() || 'hoshin:',
    webDir: path.resolve(env.HOSHIN_WEB_DIR || path.join(here, '..', '..', 'web', 'dist')),
    demo: env.HOSHIN_DEMO !== '0' && env.HOSHIN_DEMO !== 'false',
    sessionHours: int('HOSHIN_SESSION_HOURS', env.HOSHIN_SESSION_HOURS, 12) || 12,
    trustProxy: env.HOSHIN_TRUST_PROXY === '1',
    publicOrigins: origins(env.HOSHIN_PUBLIC_ORIGIN),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    limits: limitsFromEnv(env, int),
    timeZone: timeZone(env.HOSHIN_TIME_ZONE),
    ...(env.HOSHIN_STORE_WITHIN_MS ? { sync: { flushMs: storeWithin(env.HOSHIN_STORE_WITHIN_MS) } } : {}),
  }
}

/**
 * HOSHIN_STORE_WITHIN_MS: how long accepted changes gather before one transaction stores them all (and
 * their authors hear 保存済み). Longer: fewer, larger writes under load; nothing acknowledged is ever lost
 * either way (a client keeps what is not acknowledged and sends it again).
 */
function storeWithin(value: string): number {
  const ms = int('HOSHIN_STORE_WITHIN_MS', value, 0)
  if (ms < 1 || ms > 1000) throw new Error(`HOSHIN_STORE_WITHIN_MS must be between 1 and 1000 (milliseconds), got "${value}"`)
  return ms
}
