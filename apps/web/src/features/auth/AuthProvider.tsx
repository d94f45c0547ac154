import type { Me, MeResponse } from '@hoshin/protocol'
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { ApiError, api } from '../../api/client'
import { setTownTimeZone } from '../../app/town-zone'
import { clearCopies } from '../../sync/offlineCopies'

/**
 * The signed-in person, remembered on this PC so that a page reloaded while the network is down still
 * opens (the server checks the session again as soon as it is reachable).
 */
const OFFLINE_ME = 'hoshin.me'

function remember(user: Me | null): void {
  try {
    if (user) localStorage.setItem(OFFLINE_ME, JSON.stringify(user))
    else localStorage.removeItem(OFFLINE_ME)
  } catch {
    // storage unavailable: no offline start
  }
}

function remembered(): Me | null {
  try {
    const raw = localStorage.getItem(OFFLINE_ME)
    return raw ? (JSON.parse(raw) as Me) : null
  } catch {
    return null
  }
}

const unreachable = (error: unknown) => error instanceof ApiError && (error.code === 'network' || error.status === 503)

/** Why a person was signed out without asking: the login page says so. */
export type SignOutNotice = 'sessionEnded'

type AuthState = { status: 'loading' } | { status: 'signedOut'; notice?: SignOutNotice } | { status: 'signedIn'; user: Me }

interface Auth {
  state: AuthState
  login(username: string, password: string): Promise<void>
  logout(notice?: SignOutNotice): Promise<void>
}

const AuthContext = createContext<Auth | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' })

  useEffect(() => {
    let cancelled = false
    api<MeResponse>('/api/me').then(
      ({ user, timeZone }) => {
        setTownTimeZone(timeZone)
        remember(user)
        if (!cancelled) setState({ status: 'signedIn', user })
      },
      (error: unknown) => {
        if (cancelled) return
        const offlineUser = unreachable(error) ? remembered() : null
        if (!offlineUser) remember(null)
        setState(offlineUser ? { status: 'signedIn', user: offlineUser } : { status: 'signedOut' })
      },
    )
    return () => {
      cancelled = true
    }
  }, [])

  const login = useCallback(async (username: string, password: string) => {
    const { user, timeZone } = await api<MeResponse>('/api/auth/login', { method: 'POST', json: { username, password } })
    setTownTimeZone(timeZone)
    // Copies from before they were keyed by person could hold anyone's edits: they are not sent.
    await clearCopies(null)
    remember(user)
    setState({ status: 'signedIn', user })
  }, [])

  const logout = useCallback(async (notice?: SignOutNotice) => {
    const user = remembered()
    await api<void>('/api/auth/logout', { method: 'POST' }).catch(() => undefined)
    // The service worker keeps the last API answers for offline use; they belong to this person.
    await globalThis.caches?.delete('hoshin-api-v1').catch(() => undefined)
    // Signing out on purpose erases this person's copies of the sheets (a shared PC). A session that the
    // server ended keeps them: they are keyed by person and sent when the same person signs in again.
    if (user && !notice) await clearCopies(user.id)
    remember(null)
    setState(notice ? { status: 'signedOut', notice } : { status: 'signedOut' })
  }, [])

  const value = useMemo(() => ({ state, login, logout }), [state, login, logout])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): Auth {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth outside AuthProvider')
  return value
}
