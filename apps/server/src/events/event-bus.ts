import type { ServerEvent } from '@hoshin/protocol'

export type EventListener = (event: ServerEvent) => void

/**
 * Pushes to signed-in people outside the sheet sockets: the bell, the board, the end of a session.
 * Everything that must reach another tab goes through this one interface, so a later Redis
 * implementation can carry it between server processes.
 */
export interface EventBus {
  /** Delivers to every open stream of these people. */
  publish(userIds: Iterable<string>, event: ServerEvent): void
  /** Delivers to every open stream. */
  broadcast(event: ServerEvent): void
  /** One stream of one person (opened with this session, if given); returns its unsubscribe. */
  subscribe(userId: string, listener: EventListener, sessionId?: string): () => void
  /** Ends the streams opened with one session (logout), leaving the person's other sessions alone. */
  endSession(sessionId: string): void
}

/** The in-process bus: one server process, every stream in memory. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<EventListener>>()
  private readonly sessions = new Map<string, Set<EventListener>>()

  publish(userIds: Iterable<string>, event: ServerEvent): void {
    for (const id of new Set(userIds)) for (const listener of this.listeners.get(id) ?? []) listener(event)
  }

  broadcast(event: ServerEvent): void {
    for (const set of this.listeners.values()) for (const listener of set) listener(event)
  }

  subscribe(userId: string, listener: EventListener, sessionId?: string): () => void {
    const remove = add(this.listeners, userId, listener)
    const removeSession = sessionId ? add(this.sessions, sessionId, listener) : () => undefined
    return () => {
      remove()
      removeSession()
    }
  }

  endSession(sessionId: string): void {
    for (const listener of [...(this.sessions.get(sessionId) ?? [])]) listener({ kind: 'session-ended' })
  }

  /** Open streams, for tests and limits. */
  get streamCount(): number {
    let n = 0
    for (const set of this.listeners.values()) n += set.size
    return n
  }
}

function add(map: Map<string, Set<EventListener>>, key: string, listener: EventListener): () => void {
  let set = map.get(key)
  if (!set) {
    set = new Set()
    map.set(key, set)
  }
  set.add(listener)
  return () => {
    set.delete(listener)
    if (set.size === 0 && map.get(key) === set) map.delete(key)
  }
}
