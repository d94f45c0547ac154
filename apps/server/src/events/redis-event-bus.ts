import type { ServerEvent } from '@hoshin/protocol'
import type { RedisLink } from '../cluster/redis-link.js'
import { type EventBus, type EventListener, LocalEventBus } from './event-bus.js'

type Envelope =
  | { to: 'users'; userIds: string[]; event: ServerEvent }
  | { to: 'all'; event: ServerEvent }
  | { to: 'session'; sessionId: string }

const CHANNEL = 'events'

/**
 * The bus across processes (HOSHIN_REDIS_URL): each delivery is made to this process's streams at once
 * and published on one channel, from which every other process delivers it to its own. A person's tabs
 * may sit on any process behind the load balancer; this is how the bell, the board and a logout reach them.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new LocalEventBus()

  private constructor(private readonly link: RedisLink) {}

  static async open(link: RedisLink): Promise<RedisEventBus> {
    const bus = new RedisEventBus(link)
    await link.subscribe(CHANNEL, (payload) => bus.received(JSON.parse(payload.toString('utf8')) as Envelope))
    return bus
  }

  private received(envelope: Envelope): void {
    if (envelope.to === 'users') this.local.publish(envelope.userIds, envelope.event)
    else if (envelope.to === 'all') this.local.broadcast(envelope.event)
    else this.local.endSession(envelope.sessionId)
  }

  private send(envelope: Envelope): void {
    this.link.publish(CHANNEL, Buffer.from(JSON.stringify(envelope), 'utf8'))
  }

  publish(userIds: Iterable<string>, event: ServerEvent): void {
    const ids = [...new Set(userIds)]
    this.local.publish(ids, event)
    if (ids.length) this.send({ to: 'users', userIds: ids, event })
  }

  broadcast(event: ServerEvent): void {
    this.local.broadcast(event)
    this.send({ to: 'all', event })
  }

  subscribe(userId: string, listener: EventListener, sessionId?: string): () => void {
    return this.local.subscribe(userId, listener, sessionId)
  }

  endSession(sessionId: string): void {
    this.local.endSession(sessionId)
    this.send({ to: 'session', sessionId })
  }

  get streamCount(): number {
    return this.local.streamCount
  }
}
