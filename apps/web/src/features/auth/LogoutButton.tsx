import type { Me } from '@hoshin/protocol'
import { useState } from 'react'
import { useNavigate } from 'react-router'
import { Modal } from '../../app/Modal'
import { useI18n } from '../../i18n/I18nProvider'
import { pendingSheets } from '../../sync/offlineCopies'
import { pushPending } from '../../sync/pushPending'
import { useAuth } from './AuthProvider'

/**
 * ログアウト. On a shared PC nothing of this person may stay behind for the next one: their copies of
 * the sheets are erased at logout. When a copy still holds changes the server has not stored, the person
 * first chooses: send them and wait, or discard them.
 */
export function LogoutButton({ user }: { user: Me }) {
  const { t } = useI18n()
  const { logout } = useAuth()
  const navigate = useNavigate()
  const [pending, setPending] = useState<string[] | null>(null)
  const [sending, setSending] = useState(false)
  const [failed, setFailed] = useState(false)

  const leave = async () => {
    await logout()
    navigate('/login', { replace: true })
  }
  const send = async () => {
    if (!pending) return
    setSending(true)
    setFailed(false)
    const ok = await pushPending(user.id, pending)
    setSending(false)
    if (ok) await leave()
    else setFailed(true)
  }

  return (
    <>
      <button
        type="button"
        onClick={() => {
          const list = pendingSheets(user.id)
          if (list.length) setPending(list)
          else void leave()
        }}
      >
        {t('auth.logout')}
      </button>
      {pending && (
        <Modal title={t('auth.pending.title')} onClose={() => !sending && setPending(null)} className="pending-logout">
          <p>{t('auth.pending.body').replace('{n}', String(pending.length))}</p>
          {sending && <p role="status">{t('auth.pending.sending')}</p>}
          {failed && <p role="alert">{t('auth.pending.failed')}</p>}
          <div className="modal-actions">
            <button type="button" className="primary-action" disabled={sending} onClick={() => void send()} data-autofocus>
              {t('auth.pending.wait')}
            </button>
            <button type="button" className="danger-action" disabled={sending} onClick={() => void leave()}>
              {t('auth.pending.discard')}
            </button>
            <button type="button" disabled={sending} onClick={() => setPending(null)}>
              {t('auth.pending.cancel')}
            </button>
          </div>
        </Modal>
      )}
    </>
  )
}
