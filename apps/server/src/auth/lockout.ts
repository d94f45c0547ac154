import type { LoginFailureStore } from '../persistence/login-failure-store.js'

export interface LockoutPolicy {
  /** Failures allowed inside the window; the next attempt is refused. */
  maxFailures: number
  windowMs: number
}

/** Town security rules: lock an account after repeated failures (5 in 15 minutes). */
export const defaultLockoutPolicy: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60 * 1000 }

/**
 * Lockout by typed user name, so an attacker learns nothing from it about which names exist.
 * While locked, attempts are refused without checking the password, even the right one.
 */
export class Lockout {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(
    private readonly failures: LoginFailureStore,
    private readonly policy: LockoutPolicy = defaultLockoutPolicy,
  ) {}

  /** Seconds until the next attempt is allowed, or 0 when not locked. */
  async retryAfter(username: string, now = Date.now()): Promise<number> {
    const recent = await this.failures.since(username, now - this.policy.windowMs)
    if (recent.length < this.policy.maxFailures) return 0
    // Locked until the failure that tipped the count leaves the window.
    const tipping = recent[recent.length - this.policy.maxFailures] ?? now
    return Math.max(1, Math.ceil((tipping + this.policy.windowMs - now) / 1000))
  }

  /**
   * Runs one attempt for a user name after the attempts before it: check, verify, record. Run side by side,
   * twenty wrong passwords sent at once all passed the check before any failure was recorded, so the
   * lockout allowed twenty guesses instead of five.
   */
  exclusive<T>(username: string, attempt: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(username) ?? Promise.resolve()).then(attempt)
    const settled = run.catch(() => undefined)
    this.queues.set(username, settled)
    void settled.then(() => {
      if (this.queues.get(username) === settled) this.queues.delete(username)
    })
    return run
  }

  recordFailure(username: string, now = Date.now()): Promise<void> {
    return this.failures.record(username, now)
  }

  clear(username: string): Promise<void> {
    return this.failures.clear(username)
  }
}
