import type { LoginFailureStore } from '../persistence/login-failure-store.js'

export interface ThrottlePolicy {
  /** Failures counted over this window. */
  windowMs: number
  /** Failures of one name from one address before each next attempt waits. */
  freePerPair: number
  /** Failures from one address (any names) before each next attempt waits. */
  freePerAddress: number
  /** The first wait; it doubles with each further failure, up to `maxDelayMs`. */
  baseDelayMs: number
  maxDelayMs: number
}

/** Five tries a name from one PC, then 1 s, 2 s, 4 s… up to 15 minutes; an address trying many names slows down past 20. */
export const defaultThrottlePolicy: ThrottlePolicy = {
  windowMs: 15 * 60 * 1000,
  freePerPair: 5,
  freePerAddress: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
}

/**
 * Login throttling, as OWASP advises instead of locking accounts: failures slow down the address that
 * makes them, exponentially, per user name and per client address. Nobody can lock 課長 out from another
 * PC: the right password from an address without failures always gets in. Attempts for one name run one
 * at a time and each is recorded before its password is checked, so attempts sent side by side are
 * counted like attempts sent one after another.
 */
export class Lockout {
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly audited = new Map<string, number>()

  constructor(
    private readonly failures: LoginFailureStore,
    private readonly policy: ThrottlePolicy = defaultThrottlePolicy,
  ) {}

  /** Seconds this address must wait before its next attempt at this name, or 0. */
  async retryAfter(username: string, address: string, now = Date.now()): Promise<number> {
    const since = now - this.policy.windowMs
    const wait = (failures: number[], free: number) => {
      if (failures.length < free) return 0
      const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (failures.length - free))
      return Math.max(0, failures[failures.length - 1]! + delay - now)
    }
    const ms = Math.max(
      wait(await this.failures.byPair(username, address, since), this.policy.freePerPair),
      wait(await this.failures.byAddress(address, since), this.policy.freePerAddress),
    )
    return ms > 0 ? Math.ceil(ms / 1000) : 0
  }

  /** Runs one attempt for a user name after the attempts before it. */
  exclusive<T>(username: string, attempt: () => Promise<T>): Promise<T> {
    const key = username.toLowerCase()
    const run = (this.queues.get(key) ?? Promise.resolve()).then(attempt)
    const settled = run.catch(() => undefined)
    this.queues.set(key, settled)
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key)
    })
    return run
  }

  /** Records an attempt before its password is checked; `succeeded` takes it back. */
  begin(username: string, address: string, now = Date.now()): Promise<number> {
    return this.failures.record(username, address, now)
  }

  /** The password was right: the attempt was no failure, and this address starts afresh for this name. */
  async succeeded(attemptId: number, username: string, address: string): Promise<void> {
    await this.failures.remove(attemptId)
    await this.failures.clearPair(username, address)
  }

  /** Whether a refused attempt should be written to the audit log: once a minute per name and address. */
  shouldAudit(username: string, address: string, now = Date.now()): boolean {
    const key = `${username.toLowerCase()}\u0000${address}`
    const last = this.audited.get(key)
    if (last !== undefined && now - last < 60_000) return false
    if (this.audited.size > 10_000) this.audited.clear()
    this.audited.set(key, now)
    return true
  }

  /** Forgets old failures; run at start-up and hourly. */
  purge(now = Date.now()): Promise<number> {
    return this.failures.purge(now - this.policy.windowMs)
  }
}
