import type { ThreadListResponse, ThreadView, UnreadResponse } from '@hoshin/protocol'
import { useCallback, useEffect, useState } from 'react'
import { api } from '../api/client'
import { COMMENTS_EVENT } from '../sync/useSheetSession'

/** Changes within this time are fetched together: a burst of comments is one round of requests. */
const DEBOUNCE_MS = 200
/** Past this many changed threads at once, the whole list is fetched instead. */
const MAX_SINGLE_FETCHES = 5

/**
 * The sheet's threads. When the collab socket says a thread changed, only that thread is fetched again
 * (changes within 200 ms together); the whole list only when many changed at once. Every open page
 * refetching the whole list on each comment made one busy discussion cost the server minutes of CPU.
 */
export function useThreads(sheetId: string) {
  const [threads, setThreads] = useState<ThreadView[]>([])
  const base = `/api/sheets/${encodeURIComponent(sheetId)}/comments`
  const refresh = useCallback(async () => {
    try {
      setThreads((await api<ThreadListResponse>(base)).threads)
    } catch {
      // offline: keep what is shown
    }
  }, [base])
  useEffect(() => {
    void refresh()
    let changed = new Set<string>()
    let timer: ReturnType<typeof setTimeout> | undefined
    const fetchChanged = async () => {
      const ids = [...changed]
      changed = new Set()
      timer = undefined
      if (ids.length > MAX_SINGLE_FETCHES) return refresh()
      const fetched = await Promise.all(ids.map((id) => api<ThreadView>(`${base}/${encodeURIComponent(id)}`).catch(() => null)))
      setThreads((current) => {
        const next = [...current]
        for (const thread of fetched) {
          if (!thread) continue
          const at = next.findIndex((t) => t.id === thread.id)
          if (at >= 0) next[at] = thread
          else next.push(thread)
        }
        return next
      })
    }
    const onChange = (event: Event) => {
      const id = (event as CustomEvent<string | undefined>).detail
      if (!id) {
        void refresh()
        return
      }
      changed.add(id)
      timer ??= setTimeout(() => void fetchChanged(), DEBOUNCE_MS)
    }
    window.addEventListener(COMMENTS_EVENT, onChange)
    return () => {
      clearTimeout(timer)
      window.removeEventListener(COMMENTS_EVENT, onChange)
    }
  }, [refresh, base])
  return { threads, refresh }
}

/** The unread-comment count across sheets, for the header badge, and the oldest unread thread it links to. */
export function useUnread(): Pick<UnreadResponse, 'total' | 'first'> {
  const [unread, setUnread] = useState<Pick<UnreadResponse, 'total' | 'first'>>({ total: 0, first: null })
  useEffect(() => {
    let cancelled = false
    const refresh = () =>
      api<UnreadResponse>('/api/me/unread').then(
        (r) => !cancelled && setUnread({ total: r.total, first: r.first ?? null }),
        () => undefined,
      )
    void refresh()
    window.addEventListener(COMMENTS_EVENT, refresh)
    window.addEventListener(UNREAD_CHANGED, refresh)
    // Threads on sheets one does not have open: a slow poll is enough for a badge.
    const timer = setInterval(refresh, 30_000)
    return () => {
      cancelled = true
      clearInterval(timer)
      window.removeEventListener(COMMENTS_EVENT, refresh)
      window.removeEventListener(UNREAD_CHANGED, refresh)
    }
  }, [])
  return unread
}

/** Dispatched on window after this person marked a thread read. */
export const UNREAD_CHANGED = 'hoshin:unread-changed'
