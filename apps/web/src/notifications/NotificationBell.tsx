import type { NotificationView } from '@hoshin/protocol'
import { useEffect, useId, useRef, useState } from 'react'
import { Link } from 'react-router'
import { relativeTime } from '../app/time'
import { formatDateTime, useI18n } from '../i18n/I18nProvider'
import { useNotifications } from './useNotifications'

function BellIcon() {
  return (
    <svg className="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"
      />
    </svg>
  )
}

function Item({ notification, onOpen }: { notification: NotificationView; onOpen: () => void }) {
  const { t, locale } = useI18n()
  const n = notification
  const body = (
    <>
      <span className="notification-kind">{t(`notifications.kind.${n.kind}`)}</span>
      {!n.read && <span className="visually-hidden">{t('notifications.unread')}: </span>}
      <span className="notification-text">{n.text}</span>
      <time dateTime={n.at} title={formatDateTime(n.at, locale, 'medium')}>
        {relativeTime(n.at, locale)}（{formatDateTime(n.at, locale)}）
      </time>
    </>
  )
  return (
    <li className={n.read ? 'notification' : 'notification unread'}>
      {n.link ? (
        <Link to={n.link} onClick={onOpen}>
          {body}
        </Link>
      ) : (
        <button type="button" className="notification-plain" onClick={onOpen}>
          {body}
        </button>
      )}
    </li>
  )
}

/**
 * The bell in the header: the unread count follows the event stream, the panel lists what happened with
 * links to each place. Escape closes it and gives the focus back to the bell.
 */
export function NotificationBell() {
  const { t } = useI18n()
  const { notifications, unread, markRead, markAllRead } = useNotifications()
  const [open, setOpen] = useState(false)
  const bell = useRef<HTMLButtonElement>(null)
  const panel = useRef<HTMLDivElement>(null)
  const panelId = useId()
  const titleId = useId()

  useEffect(() => {
    if (!open) return
    panel.current?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return
      e.preventDefault()
      setOpen(false)
      bell.current?.focus()
    }
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node
      if (!panel.current?.contains(target) && !bell.current?.contains(target)) setOpen(false)
    }
    document.addEventListener('keydown', onKey)
    document.addEventListener('pointerdown', onPointer)
    return () => {
      document.removeEventListener('keydown', onKey)
      document.removeEventListener('pointerdown', onPointer)
    }
  }, [open])

  const label = unread > 0 ? t('notifications.bellUnread').replace('{n}', String(unread)) : t('notifications.bell')
  return (
    <div className="bell">
      <button
        ref={bell}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen(!open)}
      >
        {/* Named by its content, not aria-label, which axe (WCAG 2.5.3) finds at odds with the visible count. */}
        <span className="visually-hidden">{label}</span>
        <BellIcon />
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {/* Said once when the count changes, without moving the focus. */}
      <span className="visually-hidden" role="status">
        {unread > 0 ? label : ''}
      </span>
      {open && (
        <div ref={panel} id={panelId} className="bell-panel" role="dialog" aria-labelledby={titleId} tabIndex={-1}>
          <header>
            <h2 id={titleId}>{t('notifications.title')}</h2>
            <button type="button" disabled={unread === 0} onClick={() => void markAllRead()}>
              {t('notifications.markAllRead')}
            </button>
          </header>
          {!notifications ? (
            <p>{t('loading')}</p>
          ) : notifications.length === 0 ? (
            <p className="muted">{t('notifications.none')}</p>
          ) : (
            <ul className="notification-list">
              {notifications.map((n) => (
                <Item
                  key={n.id}
                  notification={n}
                  onOpen={() => {
                    if (!n.read) void markRead(n.id)
                    if (n.link) setOpen(false)
                  }}
                />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  )
}
