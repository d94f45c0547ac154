import { loginRequestSchema, type MeResponse } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor, toActor, writeSessionCookie } from '../auth/middleware.js'
import { burnVerifyTime, verifyPassword } from '../auth/passwords.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'

const LOGIN_BODY_LIMIT = 4 * 1024

export function authRoutes(services: Services) {
  const { stores, lockout, lucia } = services
  return new Hono<AppEnv>()
    .post('/login', async (c) => {
      // A user name and a password: a few hundred bytes. Anything larger is refused unread.
      const { username, password } = await readJson(c, loginRequestSchema, LOGIN_BODY_LIMIT)
      const user = await lockout.exclusive(username, async () => {
        const retryAfter = await lockout.retryAfter(username)
        if (retryAfter > 0) {
          await stores.audit.append({ username, action: 'login.locked' })
          c.header('Retry-After', String(retryAfter))
          throw errors.locked(retryAfter)
        }
        const found = await stores.users.findByUsername(username)
        let ok = false
        if (found) ok = await verifyPassword(found.passwordHash, password)
        else await burnVerifyTime(password)
        if (!found || !ok || found.disabledAt) {
          await lockout.recordFailure(username)
          await stores.audit.append({ userId: found?.id ?? null, username, action: 'login.failed' })
          throw errors.invalidCredentials()
        }
        await lockout.clear(username)
        return found
      })
      const session = await lucia.createSession(user.id, {})
      writeSessionCookie(c, services, lucia.createSessionCookie(session.id))
      await stores.audit.append({ userId: user.id, username: user.username, action: 'login' })
      return c.json<MeResponse>({ user: await toActor(services, user) })
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

export function meRoutes() {
  return new Hono<AppEnv>().get('/', (c) => c.json<MeResponse>({ user: requireActor(c) }))
}
