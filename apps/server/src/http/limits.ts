/**
 * Every limit one person's input meets, in one place, with its default and its environment variable (the
 * README's security section lists the same). One account must not exhaust memory or stall the others.
 */
export interface Limits {
  /** Open sheet sockets per person (HOSHIN_MAX_SOCKETS_PER_USER). A person has a few tabs, not hundreds. */
  socketsPerUser: number
  /** Open sheet sockets in all (HOSHIN_MAX_SOCKETS). */
  sockets: number
  /** TCP connections the HTTP server accepts at once (HOSHIN_MAX_CONNECTIONS). */
  connections: number
  /** Bytes queued for a socket that does not read before it is closed as a slow consumer (HOSHIN_MAX_QUEUED_BYTES). */
  queuedBytes: number
  /** Messages a socket may send per second, sustained (HOSHIN_SOCKET_MESSAGES_PER_SECOND), with a burst of ten times that. */
  messagesPerSecond: number
  /** How large a sheet's document may grow (HOSHIN_MAX_SHEET_BYTES); a real one is tens of KiB. Past it the sheet takes no more changes. */
  sheetBytes: number
  /** Sync step 1 requests (each answered with the whole difference) a socket may send per minute. */
  syncRequestsPerMinute: number
  /** Time for a client to send a request's headers (HOSHIN_HEADERS_TIMEOUT_MS) and the whole request (HOSHIN_REQUEST_TIMEOUT_MS). */
  headersTimeoutMs: number
  requestTimeoutMs: number
}

export const defaultLimits: Limits = {
  socketsPerUser: 20,
  sockets: 2000,
  connections: 4000,
  queuedBytes: 8 * 1024 * 1024,
  messagesPerSecond: 100,
  sheetBytes: 4 * 1024 * 1024,
  syncRequestsPerMinute: 30,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
}

/** Reads the limits from the environment; an unset variable keeps the default. */
export function limitsFromEnv(env: NodeJS.ProcessEnv, int: (name: string, value: string | undefined, fallback: number) => number): Limits {
  const d = defaultLimits
  return {
    socketsPerUser: int('HOSHIN_MAX_SOCKETS_PER_USER', env.HOSHIN_MAX_SOCKETS_PER_USER, d.socketsPerUser),
    sockets: int('HOSHIN_MAX_SOCKETS', env.HOSHIN_MAX_SOCKETS, d.sockets),
    connections: int('HOSHIN_MAX_CONNECTIONS', env.HOSHIN_MAX_CONNECTIONS, d.connections),
    queuedBytes: int('HOSHIN_MAX_QUEUED_BYTES', env.HOSHIN_MAX_QUEUED_BYTES, d.queuedBytes),
    messagesPerSecond: int('HOSHIN_SOCKET_MESSAGES_PER_SECOND', env.HOSHIN_SOCKET_MESSAGES_PER_SECOND, d.messagesPerSecond),
    sheetBytes: int('HOSHIN_MAX_SHEET_BYTES', env.HOSHIN_MAX_SHEET_BYTES, d.sheetBytes),
    syncRequestsPerMinute: d.syncRequestsPerMinute,
    headersTimeoutMs: int('HOSHIN_HEADERS_TIMEOUT_MS', env.HOSHIN_HEADERS_TIMEOUT_MS, d.headersTimeoutMs),
    requestTimeoutMs: int('HOSHIN_REQUEST_TIMEOUT_MS', env.HOSHIN_REQUEST_TIMEOUT_MS, d.requestTimeoutMs),
  }
}

/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. `take` spends one and says whether
 * there was one. Refilled lazily from the clock: no timers.
 */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst
    this.at = now
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate)
    this.at = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
