import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { Cookie } from 'lucia'
import type { Actor, AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import type { UserRecord } from '../persistence/user-store.js'

function isHttps(c: Context, trustProxy: boolean): boolean {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-proto')
    if (forwarded) return forwarded.split(',')[0]?.trim() === 'https'
  }
  return new URL(c.req.url).protocol === 'https:'
}

/** Writes a Lucia cookie, Secure exactly when the request came over https. */
export function writeSessionCookie(c: Context, services: Services, cookie: Cookie): void {
  const { attributes } = cookie
  setCookie(c, cookie.name, cookie.value, {
    path: attributes.path ?? '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c, services.config.trustProxy),
    ...(attributes.maxAge !== undefined ? { maxAge: attributes.maxAge } : {}),
    ...(attributes.expires !== undefined ? { expires: attributes.expires } : {}),
  })
}

export async function toActor(services: Services, user: UserRecord): Promise<Actor> {
  const department = user.departmentId ? await services.stores.org.getDepartment(user.departmentId) : undefined
  const section = user.sectionId ? await services.stores.org.getSection(user.sectionId) : undefined
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    department: user.departmentId ? { id: user.departmentId, name: department?.name ?? user.departmentId } : null,
    section: section ? { id: section.id, name: section.name } : null,
  }
}

/**
 * Resolves the session cookie to the person (or null). Lucia slides the expiry; when it does, the
 * refreshed cookie goes back with the response. The same middleware runs for the websocket upgrade.
 */
export function sessionMiddleware(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('actor', null)
    c.set('sessionId', null)
    const sessionId = getCookie(c, services.lucia.sessionCookieName)
    if (sessionId) {
      const { session, user } = await services.lucia.validateSession(sessionId)
      if (!session) {
        writeSessionCookie(c, services, services.lucia.createBlankSessionCookie())
      } else {
        if (session.fresh) writeSessionCookie(c, services, services.lucia.createSessionCookie(session.id))
        const record = await services.stores.users.findById(user.id)
        // A disabled account's sessions are ended when it is disabled; this is the second lock.
        if (record && !record.disabledAt) {
          c.set('actor', await toActor(services, record))
          c.set('sessionId', session.id)
        }
      }
    }
    await next()
  }
}

export function requireActor(c: Context<AppEnv>): Actor {
  const actor = c.get('actor')
  if (!actor) throw errors.unauthenticated()
  return actor
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Same-origin check on every mutating request (CSRF defence on top of SameSite=Lax): the Origin header,
 * or failing that the Referer, must name this server's own host. A request with neither is refused.
 */
export function sameOriginMiddleware(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!safeMethods.has(c.req.method)) {
      const source = c.req.header('origin') ?? c.req.header('referer')
      const forwardedHost = services.config.trustProxy ? c.req.header('x-forwarded-host') : undefined
      const host = forwardedHost ?? c.req.header('host') ?? new URL(c.req.url).host
      let sourceHost: string | undefined
      try {
        sourceHost = source ? new URL(source).host : undefined
      } catch {
        sourceHost = undefined
      }
      if (!sourceHost || sourceHost !== host) throw errors.crossOrigin()
    }
    await next()
  }
}
