import type { NotificationsResponse, ServerEvent } from '@hoshin/protocol'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'

const readSchema = z.union([z.object({ ids: z.array(z.string().min(1).max(100)).max(500) }), z.object({ all: z.literal(true) })])

/** `/api/notifications`: the bell. */
export function notificationRoutes({ notificationStore, events }: Services) {
  const answer = async (userId: string): Promise<NotificationsResponse> => ({
    notifications: await notificationStore.list(userId, 50),
    unread: await notificationStore.unread(userId),
  })
  // The person's other tabs follow the bell they just read.
  const readBy = async (userId: string, ids: readonly string[] | 'all'): Promise<NotificationsResponse> => {
    await notificationStore.markRead(userId, ids)
    const response = await answer(userId)
    events.publish([userId], { kind: 'notifications', unread: response.unread })
    return response
  }
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json<NotificationsResponse>(await answer(requireActor(c).id)))
    .post('/read', async (c) => {
      const actor = requireActor(c)
      const body = await readJson(c, readSchema)
      return c.json<NotificationsResponse>(await readBy(actor.id, 'all' in body ? 'all' : body.ids))
    })
    .post('/read-all', async (c) => c.json<NotificationsResponse>(await readBy(requireActor(c).id, 'all')))
    .post('/:id/read', async (c) => {
      const actor = requireActor(c)
      const id = c.req.param('id')
      if (id.length > 100) throw errors.notFound()
      return c.json<NotificationsResponse>(await readBy(actor.id, [id]))
    })
}

/** One person may keep this many tabs streaming; the oldest stream closes when another opens. */
export const MAX_STREAMS_PER_USER = 10
/** Proxies and the browser drop a silent connection; a comment line every 25 s keeps it. */
const HEARTBEAT_MS = 25_000

/**
 * `GET /api/events`: server-sent events for the signed-in person (see ServerEvent). A stream ends with
 * its session: at logout (EventBus.endSession), when the account is disabled or moved (the org service's
 * `session-ended`), and, checked at each heartbeat, when the session has expired.
 */
export function eventRoutes({ events, stores }: Services) {
  const streams = new Map<string, (() => void)[]>()
  // Read without sliding the session: an open tab alone must not keep an idle person signed in.
  const sessionLive = async (sessionId: string | null) => {
    if (!sessionId) return false
    const [session] = await stores.sessions.getSessionAndUser(sessionId)
    return session !== null && session.expiresAt.getTime() > Date.now()
  }
  return new Hono<AppEnv>().get('/', (c) => {
    const actor = requireActor(c)
    const sessionId = c.get('sessionId')
    return streamSSE(c, async (stream) => {
      let done: () => void = () => undefined
      const finished = new Promise<void>((resolve) => {
        done = resolve
      })
      const own = streams.get(actor.id) ?? []
      streams.set(actor.id, own)
      own.push(done)
      while (own.length > MAX_STREAMS_PER_USER) own.shift()?.()
      const send = (event: ServerEvent) => {
        const written = stream.writeSSE({ data: JSON.stringify(event) })
        // The last word of an ended session goes out before the stream closes.
        if (event.kind === 'session-ended') void written.finally(done)
        else void written.catch(done)
      }
      const unsubscribe = events.subscribe(actor.id, send, sessionId ?? undefined)
      const heartbeat = setInterval(() => {
        stream
          .write(': keep-alive\n\n')
          .then(() => sessionLive(sessionId))
          .then((live) => (live ? undefined : send({ kind: 'session-ended' })))
          .catch(done)
      }, HEARTBEAT_MS)
      stream.onAbort(done)
      // Headers and a first line at once, so the client knows the stream is open.
      await stream.write(': ready\n\n')
      await finished
      clearInterval(heartbeat)
      unsubscribe()
      const index = own.indexOf(done)
      if (index >= 0) own.splice(index, 1)
      if (!own.length && streams.get(actor.id) === own) streams.delete(actor.id)
    })
  })
}
