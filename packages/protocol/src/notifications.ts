/** What reaches a person in the app's bell. */
export const notificationKinds = ['submitted', 'returned', 'approved', 'mention', 'partner', 'review'] as const
export type NotificationKind = (typeof notificationKinds)[number]

export interface NotificationView {
  id: string
  kind: NotificationKind
  sheetId: string | null
  /** Where it leads in the web app (/sheets/…, /partners…). */
  link: string | null
  at: string
  read: boolean
  text: string
}
/** `GET /api/notifications` */
export interface NotificationsResponse {
  notifications: NotificationView[]
  unread: number
}

/**
 * `GET /api/events`: one server-sent event stream per signed-in tab. Each event's data is JSON of this
 * type; the web app reads it through one hook and refetches what changed.
 */
export type ServerEvent =
  | { kind: 'notifications'; unread: number }
  | { kind: 'board'; year: number }
  | { kind: 'session-ended' }
