import type { OpenYearRequest, OpenYearResponse } from '@hoshin/protocol'
import { fiscalYearLabel } from '@hoshin/sheet'
import { type FormEvent, useId, useState } from 'react'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'

const MIN_YEAR = 1989
const MAX_YEAR = 2200

function labelOf(year: number, locale: 'ja' | 'en'): string {
  return Number.isInteger(year) && year >= MIN_YEAR && year <= MAX_YEAR ? fiscalYearLabel(year, locale) : ''
}

/**
 * 「年度を開始」 (planning, admin): one draft per active department that has none for the year, from last
 * year's approved sheet when carried forward. Sending it again creates only what is missing.
 */
export function OpenYearForm({ defaultYear, onOpened }: { defaultYear: number; onOpened: (result: OpenYearResponse, message: string) => void }) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const ids = { year: useId(), deadline: useId(), carry: useId(), hint: useId() }
  const [year, setYear] = useState(String(defaultYear))
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const deadline = String(form.get('deadline') ?? '')
    const request: OpenYearRequest = {
      year: Number(year),
      deadline: deadline || null,
      carryForward: form.get('carryForward') === 'on',
    }
    setBusy(true)
    setError(null)
    setResult(null)
    try {
      const opened = await api<OpenYearResponse>('/api/fiscal-years', { method: 'POST', json: request })
      const label = labelOf(opened.year, locale)
      const message =
        opened.sheets.length > 0
          ? t('years.created').replace('{year}', label).replace('{n}', String(opened.sheets.length))
          : t('years.nothingToCreate').replace('{year}', label)
      setResult(message)
      onOpened(opened, message)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="open-year" onSubmit={submit} aria-label={t('years.open')}>
      <div className="open-year-fields">
        <div className="field">
          <label htmlFor={ids.year}>{t('years.year')}</label>
          <span className="year-input">
            <input
              id={ids.year}
              name="year"
              type="number"
              min={MIN_YEAR}
              max={MAX_YEAR}
              step={1}
              required
              value={year}
              onChange={(e) => setYear(e.currentTarget.value)}
              aria-describedby={ids.hint}
            />
            <span id={ids.hint} className="muted">
              {labelOf(Number(year), locale)}
            </span>
          </span>
        </div>
        <div className="field">
          <label htmlFor={ids.deadline}>{t('years.deadline')}</label>
          <input id={ids.deadline} name="deadline" type="date" />
        </div>
        <div className="field checkbox">
          <input id={ids.carry} name="carryForward" type="checkbox" defaultChecked />
          <label htmlFor={ids.carry}>{t('years.carryForward')}</label>
        </div>
        <button type="submit" disabled={busy}>
          {t('years.open')}
        </button>
      </div>
      <p className="muted">{t('years.openHint')}</p>
      <div role="status" className="open-year-result">
        {result}
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  )
}
