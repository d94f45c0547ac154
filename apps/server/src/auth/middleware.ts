import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { Cookie } from 'lucia'
import type { Actor, AppEnv, Services } from '../context.js'
import { ErrorCode } from '@hoshin/protocol'
import { errors, HttpError } from '../http/errors.js'
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
  // Both names in one statement.
  const names = user.departmentId || user.sectionId ? await services.stores.org.unitNames(user.departmentId, user.sectionId) : { department: null, section: null }
  return actorOf(user, names)
}

/** The person as the API sees them, given the names of their department and section (null: none or gone). */
export function actorOf(
  user: Pick<UserRecord, 'id' | 'username' | 'displayName' | 'role' | 'departmentId' | 'sectionId'>,
  names: { department: string | null; section: string | null },
): Actor {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    department: user.departmentId ? { id: user.departmentId, name: names.department ?? user.departmentId } : null,
    section: user.sectionId && names.section !== null ? { id: user.sectionId, name: names.section } : null,
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
        // The person came with the session, in the same statement. A disabled account's sessions are
        // ended when it is disabled; this is the second lock.
        if (!user.disabledAt) {
          c.set('actor', actorOf(user, { department: user.departmentName, section: user.sectionName }))
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

/** The origin this request was made to: its scheme and host (behind a trusted proxy, the forwarded ones). */
function requestOrigin(c: Context, config: Services['config']): string {
  const forwardedHost = config.trustProxy ? c.req.header('x-forwarded-host') : undefined
  const host = forwardedHost ?? c.req.header('host') ?? new URL(c.req.url).host
  return `${isHttps(c, config.trustProxy) ? 'https' : 'http'}://${host}`
}

/**
 * Whether `source` (an Origin or Referer header) is this server's own origin: same scheme and host. One
 * check for the REST API and the websocket upgrade alike.
 */
export function isSameOrigin(c: Context, config: Services['config'], source: string | undefined): boolean {
  if (!source) return false
  try {
    return new URL(source).origin === new URL(requestOrigin(c, config)).origin
  } catch {
    return false
  }
}

/**
 * With HOSHIN_PUBLIC_ORIGIN set, the server answers only requests made to those addresses: a page on
 * another name that resolves to this server (DNS rebinding) gets nothing, not even the login.
 */
export function publicOriginMiddleware(services: Services): MiddlewareHandler<AppEnv> {
  const allowed = new Set(services.config.publicOrigins.map((o) => new URL(o).origin))
  return async (c, next) => {
    if (allowed.size && !allowed.has(new URL(requestOrigin(c, services.config)).origin)) {
      throw new HttpError(421, ErrorCode.CrossOrigin, 'このアドレスでは利用できません。正しいアドレスで開いてください。')
    }
    await next()
  }
}

/**
 * Same-origin check on every mutating request (CSRF defence on top of SameSite=Lax): the Origin header,
 * or failing that the Referer, must be this server's own origin, scheme included. A request with neither
 * is refused.
 */
export function sameOriginMiddleware(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!safeMethods.has(c.req.method) && !isSameOrigin(c, services.config, c.req.header('origin') ?? c.req.header('referer'))) {
      throw errors.crossOrigin()
    }
    await next()
  }
}
