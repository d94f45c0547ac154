import { Link } from 'react-router'
import { useI18n } from '../i18n/I18nProvider'
import { CommentIcon } from './CommentIcon'
import { useUnread } from './useThreads'

/**
 * The header's unread-comment count, a link to the oldest unread thread (its sheet opens with the panel on
 * that thread, whose list then links the others). The live region around it announces new counts.
 */
export function UnreadBadge() {
  const { t } = useI18n()
  const { total, first } = useUnread()
  return (
    <span role="status" className="unread-status">
      {total > 0 && first && (
        <Link className="unread-badge" to={`/sheets/${encodeURIComponent(first.sheetId)}#thread-${encodeURIComponent(first.threadId)}`}>
          <CommentIcon />
          <span className="visually-hidden">{t('comments.badge')}: </span> {total}
        </Link>
      )}
    </span>
  )
}
