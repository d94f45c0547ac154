import type { Me, MeResponse } from '@hoshin/protocol'
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { api } from '../../api/client'

type AuthState = { status: 'loading' } | { status: 'signedOut' } | { status: 'signedIn'; user: Me }

interface Auth {
  state: AuthState
  login(username: string, password: string): Promise<void>
  logout(): Promise<void>
}

const AuthContext = createContext<Auth | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' })

  useEffect(() => {
    let cancelled = false
    api<MeResponse>('/api/me').then(
      ({ user }) => !cancelled && setState({ status: 'signedIn', user }),
      () => !cancelled && setState({ status: 'signedOut' }),
    )
    return () => {
      cancelled = true
    }
  }, [])

  const login = useCallback(async (username: string, password: string) => {
    const { user } = await api<MeResponse>('/api/auth/login', { method: 'POST', json: { username, password } })
    setState({ status: 'signedIn', user })
  }, [])

  const logout = useCallback(async () => {
    await api<void>('/api/auth/logout', { method: 'POST' }).catch(() => undefined)
    // The service worker keeps the last API answers for offline use; they belong to this person.
    await globalThis.caches?.delete('hoshin-api-v1').catch(() => undefined)
    setState({ status: 'signedOut' })
  }, [])

  const value = useMemo(() => ({ state, login, logout }), [state, login, logout])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): Auth {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth outside AuthProvider')
  return value
}
