import type { ThreadListResponse, ThreadView, UnreadResponse } from '@hoshin/protocol'
import { useCallback, useEffect, useState } from 'react'
import { api } from '../api/client'
import { COMMENTS_EVENT } from '../sync/useSheetSession'

/** The sheet's threads, fetched again whenever anyone changes one (the collab socket says so). */
export function useThreads(sheetId: string) {
  const [threads, setThreads] = useState<ThreadView[]>([])
  const refresh = useCallback(async () => {
    try {
      setThreads((await api<ThreadListResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/comments`)).threads)
    } catch {
      // offline: keep what is shown
    }
  }, [sheetId])
  useEffect(() => {
    void refresh()
    const onChange = () => void refresh()
    window.addEventListener(COMMENTS_EVENT, onChange)
    return () => window.removeEventListener(COMMENTS_EVENT, onChange)
  }, [refresh])
  return { threads, refresh }
}

/** The unread-comment count across sheets, for the header badge. */
export function useUnread(): number {
  const [total, setTotal] = useState(0)
  useEffect(() => {
    let cancelled = false
    const refresh = () =>
      api<UnreadResponse>('/api/me/unread').then(
        (r) => !cancelled && setTotal(r.total),
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
  return total
}

/** Dispatched on window after this person marked a thread read. */
export const UNREAD_CHANGED = 'hoshin:unread-changed'
