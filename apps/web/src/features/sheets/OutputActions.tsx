import type { SheetSummary } from '@hoshin/protocol'
import type { SheetChange } from '@hoshin/sheet'
import { type ChangeEvent, useId, useState } from 'react'
import { ApiError } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'

async function post(path: string, file: File): Promise<SheetChange[]> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': file.name.endsWith('.json') ? 'application/json' : file.type || 'application/octet-stream' },
    body: file,
  })
  const body = (await response.json().catch(() => null)) as { changes?: SheetChange[]; error?: { code: string; message: string } } | null
  if (!response.ok) throw new ApiError(response.status, (body?.error?.code ?? 'internal_error') as ApiError['code'], body?.error?.message ?? '')
  return body?.changes ?? []
}

/** Print / PDF, Excel and JSON downloads, and importing an edited export back (with a preview). */
export function OutputActions({ summary }: { summary: SheetSummary }) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const fileId = useId()
  const [file, setFile] = useState<File | null>(null)
  const [preview, setPreview] = useState<SheetChange[] | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const base = `/api/sheets/${encodeURIComponent(summary.id)}`

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.currentTarget.files?.[0] ?? null
    setFile(chosen)
    setPreview(null)
    setMessage(null)
    if (!chosen) return
    try {
      setPreview(await post(`${base}/import/preview`, chosen))
    } catch (e) {
      setMessage(errorMessage(e))
    }
  }

  async function apply() {
    if (!file) return
    try {
      await post(`${base}/import`, file)
      setMessage(t('output.imported'))
      setPreview(null)
      setFile(null)
    } catch (e) {
      setMessage(errorMessage(e))
    }
  }

  return (
    <div className="output-actions">
      <a href={`/sheets/${encodeURIComponent(summary.id)}/print`} target="_blank" rel="noopener">
        {t('output.print')}
      </a>
      <a href={`${base}/export.xlsx`} download>
        {t('output.excel')}
      </a>
      <a href={`${base}/export.json`} download>
        {t('output.json')}
      </a>
      {summary.canEdit && (
        <span>
          <label htmlFor={fileId}>{t('output.import')}</label>{' '}
          <input id={fileId} type="file" accept=".xlsx,.json,application/json" onChange={choose} title={t('output.importHint')} />
        </span>
      )}
      {message && <p role="status">{message}</p>}
      {preview && (
        <div className="import-preview">
          {preview.length === 0 ? (
            <p>{t('output.noChanges')}</p>
          ) : (
            <>
              <ul>
                {preview.map((c) => (
                  <li key={c.summary}>{c.summary}</li>
                ))}
              </ul>
              <button type="button" onClick={() => void apply()}>
                {t('output.apply')}
              </button>
            </>
          )}
        </div>
      )}
    </div>
  )
}
