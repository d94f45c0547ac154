import { Lucia, TimeSpan } from 'lucia'
import type { Adapter } from 'lucia'
import type { SessionUser } from '../persistence/session-store.js'

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
    // The adapter reads the person with the session (one statement); Lucia hands it over as the user.
    getUserAttributes: (attributes) => attributes as Omit<SessionUser, 'id'>,
  })
}

export type AppLucia = ReturnType<typeof createLucia>

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia
    DatabaseUserAttributes: Omit<SessionUser, 'id'>
  }
}
