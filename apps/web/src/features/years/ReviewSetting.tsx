import type { TownSettingsResponse } from '@hoshin/protocol'
import { useEffect, useId, useState } from 'react'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'

/**
 * The town's setting for the review above the 課長 (企画確認 and 庁議報告 after approval), on the board for
 * 企画 and admins, who may change it (the server refuses everyone else).
 */
export function ReviewSetting({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const [settings, setSettings] = useState<TownSettingsResponse | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const id = useId()
  useEffect(() => {
    let cancelled = false
    api<TownSettingsResponse>('/api/town-settings').then(
      (s) => !cancelled && setSettings(s),
      () => undefined,
    )
    return () => {
      cancelled = true
    }
  }, [])
  if (!settings?.canChange) return null

  async function change(reviewStep: boolean) {
    const before = settings
    setBusy(true)
    setStatus(null)
    // The box shows the choice at once; the server's answer confirms it (or it goes back, with why).
    if (before) setSettings({ ...before, reviewStep })
    try {
      setSettings(await api<TownSettingsResponse>('/api/town-settings', { method: 'PUT', json: { reviewStep } }))
      setStatus(t('settings.saved'))
      onChanged()
    } catch (e) {
      setSettings(before)
      setStatus(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="town-settings" aria-labelledby={`${id}-label`}>
      <p>
        <input id={id} type="checkbox" checked={settings.reviewStep} disabled={busy} onChange={(e) => void change(e.currentTarget.checked)} aria-describedby={`${id}-help`} />{' '}
        <label id={`${id}-label`} htmlFor={id}>
          {t('settings.reviewStep')}
        </label>
      </p>
      <p id={`${id}-help`} className="muted">
        {t('settings.reviewStepHelp')}
      </p>
      <p role="status" className="muted">
        {status}
      </p>
    </section>
  )
}
