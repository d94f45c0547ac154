import { loginRequestSchema, type MeResponse } from '@hoshin/protocol'
import { type Context, Hono } from 'hono'
import { requireActor, toActor, writeSessionCookie } from '../auth/middleware.js'
import { burnVerifyTime, verifyPassword } from '../auth/passwords.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'

const LOGIN_BODY_LIMIT = 4 * 1024

/** The client's address: the socket's, or behind a trusted proxy the first X-Forwarded-For entry. */
function clientAddress(c: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined
  if (forwarded) return forwarded
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress ?? ''
}

export function authRoutes(services: Services) {
  const { stores, lockout, lucia } = services
  return new Hono<AppEnv>()
    .post('/login', async (c) => {
      // A user name and a password: a few hundred bytes. Anything larger is refused unread.
      const { username, password } = await readJson(c, loginRequestSchema, LOGIN_BODY_LIMIT)
      const address = clientAddress(c, services.config.trustProxy)
      // One attempt at a time per address, and per name: checked and recorded before the next is looked at,
      // so attempts sent side by side (many names from one PC, or one name from many) count in full.
      const user = await lockout.exclusive(`address:${address}`, () => lockout.exclusive(`name:${username}`, async () => {
        const retryAfter = await lockout.retryAfter(username, address)
        if (retryAfter > 0) {
          // Refused without a hash; written to the audit log once a minute, not once an attempt.
          if (lockout.shouldAudit(username, address)) await stores.audit.append({ username, action: 'login.throttled', detail: address })
          c.header('Retry-After', String(retryAfter))
          throw errors.locked(retryAfter)
        }
        // Counted before the password is checked: attempts side by side count like attempts in a row.
        const attempt = await lockout.begin(username, address)
        const found = await stores.users.findByUsername(username)
        let ok = false
        if (found) ok = await verifyPassword(found.passwordHash, password)
        else await burnVerifyTime(password)
        if (!found || !ok || found.disabledAt) {
          await stores.audit.append({ userId: found?.id ?? null, username, action: 'login.failed', detail: address })
          throw errors.invalidCredentials()
        }
        await lockout.succeeded(attempt, username, address)
        return found
      }))
      const session = await lucia.createSession(user.id, {})
      writeSessionCookie(c, services, lucia.createSessionCookie(session.id))
      await stores.audit.append({ userId: user.id, username: user.username, action: 'login' })
      return c.json<MeResponse>({ user: await toActor(services, user), timeZone: services.config.timeZone })
    })
    .post('/logout', async (c) => {
      const sessionId = c.get('sessionId')
      const actor = c.get('actor')
      if (sessionId) {
        await lucia.invalidateSession(sessionId)
        // Live connections opened with this session end too.
        await services.documents.closeSession(sessionId)
        services.events.endSession(sessionId)
      }
      writeSessionCookie(c, services, lucia.createBlankSessionCookie())
      if (actor) await stores.audit.append({ userId: actor.id, username: actor.username, action: 'logout' })
      return c.body(null, 204)
    })
}

export function meRoutes(services: Services) {
  return new Hono<AppEnv>().get('/', (c) => c.json<MeResponse>({ user: requireActor(c), timeZone: services.config.timeZone }))
}
