import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { createClient } from 'redis'

type Client = ReturnType<typeof createClient>
export type ChannelListener = (payload: Buffer, from: string) => void

/** A process's id on the channels: its own messages come back to it and are dropped by this. */
const ID_BYTES = 8

/**
 * The one connection pair a process keeps to Redis (HOSHIN_REDIS_URL): a publisher and a subscriber, as
 * Redis wants a subscribed connection for nothing else. Every message is stamped with this process's id,
 * so a process ignores its own. Pub/sub carries only what is live (updates, presence, events): what must
 * last is in the database first, so a message lost while Redis is away is fetched again after
 * (`onReconnect`), never needed for durability.
 */
export class RedisLink {
  readonly processId = randomBytes(ID_BYTES)
  private readonly listeners = new Map<string, ChannelListener>()
  /** Called when the subscriber is back after losing Redis: what was published meanwhile is gone. */
  onReconnect: (() => void) | undefined
  private lost = false
  private closed = false

  private constructor(
    private readonly publisher: Client,
    private readonly subscriber: Client,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    for (const [name, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
      // A lost connection is retried by the client; the error is told once per outage, never thrown.
      client.on('error', (err: Error) => {
        if (!this.lost && !this.closed) log.warn({ err: err.message, client: name }, 'Redis connection lost; retrying')
        this.lost = true
      })
    }
    // Each connection comes back on its own: the catch-up runs when either does (what the other processes
    // published while this one's subscriber was away, or what this one published into a dead publisher).
    // Every 'ready' after a connection's first is a reconnection, whether or not an error was reported.
    for (const client of [publisher, subscriber]) {
      let readies = client.isReady ? 1 : 0
      client.on('ready', () => {
        if (++readies === 1 || this.closed) return
        this.lost = false
        log.info('Redis connection back; catching up open sheets')
        this.onReconnect?.()
      })
    }
  }

  static async open(url: string, prefix: string, log: Logger): Promise<RedisLink> {
    // At start an unreachable Redis stops the server with a clear message; once up, a lost connection is
    // retried for ever, backing off to a second.
    let started = false
    const reconnectStrategy = (retries: number, cause: Error) => (started ? Math.min(50 * 2 ** retries, 1000) : cause)
    // No offline queue: while Redis is away a publish fails at once instead of piling up in memory.
    const publisher = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5000, reconnectStrategy } })
    const subscriber = publisher.duplicate()
    const failed = (error: Error) => error
    publisher.on('error', failed)
    subscriber.on('error', failed)
    try {
      await Promise.all([publisher.connect(), subscriber.connect()])
      started = true
    } catch (error) {
      await Promise.all([publisher, subscriber].map((c) => c.destroy())).catch(() => undefined)
      const where = new URL(url)
      // Where it tried, never the password.
      throw new Error(`HOSHIN_REDIS_URL: cannot use Redis at ${where.host}: ${(error as Error).message}`, { cause: error })
    } finally {
      publisher.off('error', failed)
      subscriber.off('error', failed)
    }
    return new RedisLink(publisher, subscriber, prefix, log)
  }

  get connected(): boolean {
    return this.publisher.isReady && this.subscriber.isReady
  }

  /** Subscribes one listener to a channel (under the prefix); resolves once Redis confirmed it. */
  async subscribe(channel: string, listener: ChannelListener): Promise<void> {
    const name = this.prefix + channel
    this.listeners.set(name, listener)
    await this.subscriber.subscribe(name, (message: Buffer) => this.deliver(name, message), true)
  }

  async unsubscribe(channel: string): Promise<void> {
    const name = this.prefix + channel
    this.listeners.delete(name)
    await this.subscriber.unsubscribe(name).catch(() => undefined)
  }

  private deliver(name: string, message: Buffer): void {
    if (message.byteLength < ID_BYTES) return
    const from = message.subarray(0, ID_BYTES)
    if (from.equals(this.processId)) return
    try {
      this.listeners.get(name)?.(message.subarray(ID_BYTES), from.toString('hex'))
    } catch (err) {
      this.log.error({ err, channel: name }, 'could not handle a message from another process')
    }
  }

  /** Publishes to every other process; while Redis is away it is dropped (the reconnect catch-up covers it). */
  publish(channel: string, payload: Uint8Array): void {
    if (this.closed) return
    const message = Buffer.concat([this.processId, payload])
    this.publisher.publish(this.prefix + channel, message).catch(() => undefined)
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([this.subscriber, this.publisher].map((c) => c.close().catch(() => c.destroy())))
  }
}
