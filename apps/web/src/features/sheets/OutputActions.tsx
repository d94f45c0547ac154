import type { SheetSummary } from '@hoshin/protocol'
import type { SheetChange } from '@hoshin/sheet'
import { type ChangeEvent, useId, useRef, useState } from 'react'
import { ApiError } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'

async function post(path: string, file?: File): Promise<SheetChange[]> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: file ? { 'content-type': file.name.endsWith('.json') ? 'application/json' : file.type || 'application/octet-stream' } : {},
    body: file ?? null,
  })
  const body = (await response.json().catch(() => null)) as { changes?: SheetChange[]; error?: { code: string; message: string } } | null
  if (!response.ok) throw new ApiError(response.status, (body?.error?.code ?? 'internal_error') as ApiError['code'], body?.error?.message ?? '')
  return body?.changes ?? []
}

/** Print / PDF, Excel and JSON downloads, and importing an edited export back (with a preview, and undo). */
export function OutputActions({ summary }: { summary: SheetSummary }) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const labelId = useId()
  const nameId = useId()
  const input = useRef<HTMLInputElement>(null)
  const chooseButton = useRef<HTMLButtonElement>(null)
  const [file, setFile] = useState<File | null>(null)
  const [preview, setPreview] = useState<SheetChange[] | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const [undoable, setUndoable] = useState(false)
  const [busy, setBusy] = useState(false)
  const base = `/api/sheets/${encodeURIComponent(summary.id)}`

  /** Forgets the chosen file (キャンセル, or after importing it): choosing the same file again works. */
  function discard() {
    setFile(null)
    setPreview(null)
    if (input.current) input.current.value = ''
    // The preview (and the button that was pressed) is gone: the keyboard goes back to the file button.
    chooseButton.current?.focus()
  }

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
    if (!file || busy) return
    setBusy(true)
    try {
      const changes = await post(`${base}/import`, file)
      setMessage(t('output.imported'))
      setUndoable(changes.length > 0)
      discard()
    } catch (e) {
      setMessage(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  async function undo() {
    if (busy) return
    setBusy(true)
    try {
      await post(`${base}/import/undo`)
      setMessage(t('output.undone'))
    } catch (e) {
      setMessage(errorMessage(e))
    } finally {
      setUndoable(false)
      setBusy(false)
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
        // The browser's own file button says "Choose File" whatever the page's language: a Japanese
        // button opens the (visually hidden, still labelled) file input instead.
        <fieldset className="file-chooser">
          <legend id={labelId}>{t('output.import')}</legend>
          <input
            ref={input}
            className="visually-hidden"
            type="file"
            tabIndex={-1}
            accept=".xlsx,.json,application/json"
            aria-labelledby={labelId}
            onChange={choose}
          />
          <button ref={chooseButton} type="button" aria-describedby={nameId} title={t('output.importHint')} onClick={() => input.current?.click()}>
            {t('output.chooseFile')}
          </button>
          <span id={nameId} className="file-name">
            {file ? file.name : t('output.noFile')}
          </span>
        </fieldset>
      )}
      {message && <p role="status">{message}</p>}
      {undoable && (
        <button type="button" onClick={() => void undo()} disabled={busy}>
          {t('output.undo')}
        </button>
      )}
      {preview && (
        <div className="import-preview">
          {preview.length === 0 ? (
            <p>{t('output.noChanges')}</p>
          ) : (
            <ul>
              {preview.map((c) => (
                <li key={c.summary}>{c.summary}</li>
              ))}
            </ul>
          )}
          <p className="import-preview-actions">
            {preview.length > 0 && (
              <button type="button" className="primary" onClick={() => void apply()} disabled={busy}>
                {t('output.apply')}
              </button>
            )}
            <button type="button" onClick={discard}>
              {t('output.cancel')}
            </button>
          </p>
        </div>
      )}
    </div>
  )
}
