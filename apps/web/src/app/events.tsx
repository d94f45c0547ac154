import type { MeResponse, ServerEvent } from '@hoshin/protocol'
import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef } from 'react'
import { ApiError, api } from '../api/client'
import { useAuth } from '../features/auth/AuthProvider'

type Kind = ServerEvent['kind']
export type EventOf<K extends Kind> = Extract<ServerEvent, { kind: K }>
type Listener = (event: ServerEvent) => void

const kinds: ReadonlySet<string> = new Set<Kind>(['notifications', 'board', 'session-ended'])

/** The event's JSON, or null for anything this build does not know (a newer server may send more kinds). */
export function parseServerEvent(data: unknown): ServerEvent | null {
  if (typeof data !== 'string') return null
  try {
    const value: unknown = JSON.parse(data)
    if (typeof value === 'object' && value !== null && kinds.has((value as { kind?: unknown }).kind as string)) return value as ServerEvent
  } catch {
    // not JSON: ignored like an unknown kind
  }
  return null
}

/**
 * Subscribers by kind, and those told each time the stream (re)opens: whatever changed while it was down
 * was never pushed, so they fetch it again.
 */
class EventHub {
  private readonly listeners = new Map<Kind, Set<Listener>>()
  private readonly openListeners = new Set<() => void>()

  on<K extends Kind>(kind: K, listener: (event: EventOf<K>) => void): () => void {
    let set = this.listeners.get(kind)
    if (!set) {
      set = new Set()
      this.listeners.set(kind, set)
    }
    const wrapped = listener as Listener
    set.add(wrapped)
    return () => set.delete(wrapped)
  }

  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener)
    return () => this.openListeners.delete(listener)
  }

  emit(event: ServerEvent): void {
    for (const listener of this.listeners.get(event.kind) ?? []) listener(event)
  }

  opened(): void {
    for (const listener of this.openListeners) listener()
  }
}

const EventsContext = createContext<EventHub | null>(null)

/** Longest wait before trying the stream again after the server refused it (it may be restarting). */
const MAX_RETRY_MS = 60_000

/**
 * One `GET /api/events` stream for this signed-in tab (STYLE 19): components subscribe by kind with
 * useServerEvent instead of each listening on window. EventSource reconnects by itself after a network
 * drop; when the server answers with an error instead (session gone, restart), it gives up, so this asks
 * /api/me whether the session still exists and either signs out or opens a new stream later.
 */
export function EventsProvider({ children }: { children: ReactNode }) {
  const { logout } = useAuth()
  const hub = useMemo(() => new EventHub(), [])
  const logoutRef = useRef(logout)
  logoutRef.current = logout

  useEffect(() => {
    if (typeof EventSource === 'undefined') return
    let source: EventSource | null = null
    let retryTimer: ReturnType<typeof setTimeout> | undefined
    let retryMs = 2_000
    let stopped = false

    const endSession = () => {
      stopped = true
      source?.close()
      void logoutRef.current('sessionEnded')
    }

    const open = () => {
      if (stopped) return
      source = new EventSource('/api/events')
      source.onopen = () => {
        retryMs = 2_000
        hub.opened()
      }
      source.onmessage = (message) => {
        const event = parseServerEvent(message.data)
        if (!event) return
        if (event.kind === 'session-ended') endSession()
        else hub.emit(event)
      }
      source.onerror = () => {
        if (!source || source.readyState !== EventSource.CLOSED || stopped) return
        api<MeResponse>('/api/me').then(
          () => {
            retryTimer = setTimeout(open, retryMs)
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
          },
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 401) endSession()
            else retryTimer = setTimeout(open, retryMs)
          },
        )
      }
    }
    open()
    return () => {
      stopped = true
      clearTimeout(retryTimer)
      source?.close()
    }
  }, [hub])

  return <EventsContext.Provider value={hub}>{children}</EventsContext.Provider>
}

/** Calls `listener` for every server event of this kind while the component is mounted. */
export function useServerEvent<K extends Kind>(kind: K, listener: (event: EventOf<K>) => void): void {
  const hub = useContext(EventsContext)
  const ref = useRef(listener)
  ref.current = listener
  useEffect(() => hub?.on(kind, (event) => ref.current(event)), [hub, kind])
}

/** Calls `listener` each time the stream opens or reopens, to fetch again what a drop may have hidden. */
export function useStreamOpen(listener: () => void): void {
  const hub = useContext(EventsContext)
  const ref = useRef(listener)
  ref.current = listener
  useEffect(() => hub?.onOpen(() => ref.current()), [hub])
}
