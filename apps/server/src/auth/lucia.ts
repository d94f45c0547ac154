import { Lucia, TimeSpan } from 'lucia'
import type { Adapter } from 'lucia'

export const SESSION_COOKIE = 'hoshin_session'

/**
 * Sessions slide: Lucia extends a session that is used in the second half of its lifetime, so a person
 * working all day stays signed in and an idle browser is signed out after `hours`.
 */
export function createLucia(adapter: Adapter, hours: number) {
  return new Lucia(adapter, {
    sessionExpiresIn: new TimeSpan(hours, 'h'),
    sessionCookie: {
      name: SESSION_COOKIE,
      // A persistent cookie with the session's expiry, so a reopened browser keeps an unexpired session.
      expires: true,
      attributes: { sameSite: 'lax' },
    },
  })
}

export type AppLucia = ReturnType<typeof createLucia>
