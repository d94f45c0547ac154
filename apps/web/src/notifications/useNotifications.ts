import type { NotificationsResponse } from '@hoshin/protocol'
import { useCallback, useEffect, useRef, useState } from 'react'
import { api } from '../api/client'
import { useServerEvent, useStreamOpen } from '../app/events'

/**
 * This person's notifications and unread count. The stream says when the count changed (another tab
 * read them, someone submitted a sheet…), and the list is fetched again then.
 */
export function useNotifications() {
  const [data, setData] = useState<NotificationsResponse | null>(null)
  // Answers can overtake each other; only the latest request may set the list.
  const latest = useRef(0)

  const refresh = useCallback(async () => {
    const request = ++latest.current
    try {
      const next = await api<NotificationsResponse>('/api/notifications')
      if (request === latest.current) setData(next)
    } catch {
      // offline: keep what is shown; the stream's reopening fetches again
    }
  }, [])

  useEffect(() => {
    void refresh()
  }, [refresh])
  useServerEvent('notifications', (event) => {
    setData((d) => (d ? { ...d, unread: event.unread } : d))
    void refresh()
  })
  useStreamOpen(() => void refresh())

  const markRead = useCallback(
    async (id: string) => {
      setData((d) =>
        d
          ? {
              notifications: d.notifications.map((n) => (n.id === id ? { ...n, read: true } : n)),
              unread: Math.max(0, d.unread - (d.notifications.some((n) => n.id === id && !n.read) ? 1 : 0)),
            }
          : d,
      )
      await api(`/api/notifications/${encodeURIComponent(id)}/read`, { method: 'POST' }).catch(() => undefined)
      void refresh()
    },
    [refresh],
  )

  const markAllRead = useCallback(async () => {
    setData((d) => (d ? { notifications: d.notifications.map((n) => ({ ...n, read: true })), unread: 0 } : d))
    await api('/api/notifications/read-all', { method: 'POST' }).catch(() => undefined)
    void refresh()
  }, [refresh])

  return { notifications: data?.notifications ?? null, unread: data?.unread ?? 0, markRead, markAllRead }
}
