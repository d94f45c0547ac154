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
  /** The built web app (apps/web/dist), served at /. */
  webDir: string
  /** Seed the demo town on first run (HOSHIN_DEMO=0 turns it off for a real deployment). */
  demo: boolean
  sessionHours: number
  /** Behind a TLS-terminating proxy: trust X-Forwarded-Proto/Host for the Secure flag and origin check. */
  trustProxy: boolean
  logLevel: string
  /** Update-log tuning (tests shrink it to exercise compaction); defaults in sync/update-log.ts. */
  sync?: Partial<UpdateLogOptions>
  /** Access checks and pings of open connections; defaults in sync/access-watch.ts. */
  liveness?: Partial<LivenessOptions>
  /** What one person's input may take (sockets, queued bytes, message rates, timeouts); http/limits.ts. */
  limits: Limits
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`)
  return n
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.HOSHIN_DATA_DIR || 'data')
  const here = path.dirname(fileURLToPath(import.meta.url))
  return {
    port: int('PORT', env.PORT, 3000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseFile: path.join(dataDir, 'hoshin.sqlite'),
    webDir: path.resolve(env.HOSHIN_WEB_DIR || path.join(here, '..', '..', 'web', 'dist')),
    demo: env.HOSHIN_DEMO !== '0' && env.HOSHIN_DEMO !== 'false',
    sessionHours: int('HOSHIN_SESSION_HOURS', env.HOSHIN_SESSION_HOURS, 12) || 12,
    trustProxy: env.HOSHIN_TRUST_PROXY === '1',
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    limits: limitsFromEnv(env, int),
  }
}
