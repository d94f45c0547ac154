import type { ImportChange, ImportPlanResponse } from '@hoshin/protocol'
import { townDateStamp } from '@hoshin/sheet'
import { type ChangeEvent, useEffect, useId, useRef, useState } from 'react'
import { townTimeZone } from '../../app/town-zone'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useOrg } from './AdminPage'
import { type CsvKind, sendCsv } from './adminApi'
import { downloadText, passwordsCsv } from './passwords'
import { fill } from './text'

/** More error lines than this are counted, not listed: a wrong file can have 10,000 of them. */
const MAX_ERRORS_SHOWN = 200

/** The texts each CSV has of its own, under admin.org.* and admin.transfers.*. */
type KindText = 'title' | 'lead' | 'apply' | 'applied' | 'header' | 'columns' | 'example'
const textPrefix = { org: 'orgCsv', transfers: 'transfers' } as const

const kinds = ['create', 'change', 'retire'] as const
const entities = ['department', 'section', 'user'] as const

type Step =
  | { step: 'idle' }
  | { step: 'checking' }
  | { step: 'preview'; plan: ImportPlanResponse }
  | { step: 'applying'; plan: ImportPlanResponse }
  | { step: 'applied'; plan: ImportPlanResponse }

/**
 * 組織CSV取込 and 人事異動: choose a file, see what would be created, changed and retired (or each line's
 * problem), then apply all of it at once. Initial passwords of new accounts are shown once, with a CSV.
 */
export function CsvImportTab({ kind }: { kind: CsvKind }) {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const { reload } = useOrg()
  const [file, setFile] = useState<File | null>(null)
  const [state, setState] = useState<Step>({ step: 'idle' })
  const [error, setError] = useState<string | null>(null)
  const [passwordsShown, setPasswordsShown] = useState(true)
  const fileId = useId()
  const headingId = useId()
  const p = (key: KindText) => t(`admin.${textPrefix[kind]}.${key}`)

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.currentTarget.files?.[0] ?? null
    setFile(chosen)
    setError(null)
    if (!chosen) return setState({ step: 'idle' })
    setState({ step: 'checking' })
    try {
      setState({ step: 'preview', plan: await sendCsv(kind, chosen, 'preview') })
    } catch (e) {
      setState({ step: 'idle' })
      setError(errorMessage(e))
    }
  }

  async function apply() {
    if (!file || state.step !== 'preview') return
    setError(null)
    setState({ step: 'applying', plan: state.plan })
    try {
      const result = await sendCsv(kind, file, 'apply')
      // Refused at apply time (someone changed the organisation since the preview): its errors show instead.
      setState(result.ok ? { step: 'applied', plan: result } : { step: 'preview', plan: result })
      setPasswordsShown(true)
      if (result.ok) await reload()
    } catch (e) {
      setState({ step: 'preview', plan: state.plan })
      setError(errorMessage(e))
    }
  }

  const plan = state.step === 'idle' || state.step === 'checking' ? null : state.plan

  return (
    <section aria-labelledby={headingId} className="csv-import">
      <h2 id={headingId}>{p('title')}</h2>
      <p>{p('lead')}</p>
      <CsvFormat kind={kind} />

      <div className="admin-card">
        <div className="admin-field">
          <label htmlFor={fileId}>{t('admin.csv.file')}</label>
          <input
            id={fileId}
            type="file"
            accept=".csv,text/csv"
            disabled={state.step === 'checking' || state.step === 'applying'}
            onChange={choose}
            // The same file chosen again after fixing it in Excel must be read again.
            onClick={(e) => {
              e.currentTarget.value = ''
            }}
          />
          <span className="hint">{t('admin.csv.fileHint')}</span>
        </div>
      </div>

      <div role="status" className="admin-status">
        {state.step === 'checking' ? t('admin.csv.checking') : state.step === 'applying' ? t('admin.csv.applying') : state.step === 'applied' ? p('applied') : ''}
      </div>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}

      {plan && state.step !== 'applied' && (
        <div className="csv-plan">
          <h3>{fill(t('admin.csv.previewOf'), { file: file?.name ?? '' })}</h3>
          {plan.errors.length > 0 && <CsvErrors errors={plan.errors} />}
          {plan.ok && <Changes changes={plan.changes} />}
          {plan.ok && plan.changes.length > 0 && (
            <div className="apply-bar">
              <p>{t('admin.csv.applyHint')}</p>
              <button type="button" className="primary-action" disabled={state.step === 'applying'} onClick={() => void apply()}>
                {p('apply')}
              </button>
            </div>
          )}
        </div>
      )}

      {state.step === 'applied' && (
        <div className="csv-plan">
          {/* The passwords first: they are what the admin must act on before leaving the page. */}
          {state.plan.passwords && state.plan.passwords.length > 0 && passwordsShown && (
            <InitialPasswords passwords={state.plan.passwords} onHide={() => setPasswordsShown(false)} />
          )}
          <details className="applied-changes">
            <summary>{fill(t('admin.csv.appliedChanges'), { count: state.plan.changes.length })}</summary>
            <Changes changes={state.plan.changes} />
          </details>
        </div>
      )}
    </section>
  )
}

function CsvErrors({ errors }: { errors: ImportPlanResponse['errors'] }) {
  const { t } = useI18n()
  const shown = errors.slice(0, MAX_ERRORS_SHOWN)
  return (
    <div className="csv-errors">
      <p role="alert" className="form-error">
        {fill(t('admin.csv.hasErrors'), { count: errors.length })}
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
      <section className="scroll-box" tabIndex={0} aria-label={t('admin.csv.errorsCaption')}>
        <table className="admin-table">
          <caption>{t('admin.csv.errorsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col" className="line-col">
                {t('admin.csv.line')}
              </th>
              <th scope="col">{t('admin.csv.message')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e, index) => (
              // One line can have several problems, so the line number alone is no key; the list is replaced, never reordered.
              <tr key={index}>
                <td className="line-col">{e.line > 0 ? e.line : '—'}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {errors.length > shown.length && <p className="hint">{fill(t('admin.csv.moreErrors'), { count: errors.length - shown.length })}</p>}
    </div>
  )
}

function Changes({ changes }: { changes: ImportChange[] }) {
  const { t } = useI18n()
  if (changes.length === 0) return <p>{t('admin.csv.noChanges')}</p>
  return (
    <div>
      {kinds.map((kind) => {
        const group = changes.filter((c) => c.kind === kind)
        if (group.length === 0) return null
        const counts = entities
          .map((entity) => [entity, group.filter((c) => c.entity === entity).length] as const)
          .filter(([, n]) => n > 0)
          .map(([entity, n]) => `${t(`admin.csv.entity.${entity}`)} ${n}`)
          .join('・')
        return (
          <section key={kind} className={`change-group change-${kind}`}>
            <h4>
              {fill(t(`admin.csv.kind.${kind}`), { count: group.length })}
              <span className="change-counts">（{counts}）</span>
            </h4>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
            <section className="scroll-box" tabIndex={0} aria-label={fill(t(`admin.csv.kind.${kind}`), { count: group.length })}>
              <ul>
                {group.map((c, index) => (
                  <li key={index}>
                    <span className="entity-tag">{t(`admin.csv.entity.${c.entity}`)}</span> {c.text}
                  </li>
                ))}
              </ul>
            </section>
          </section>
        )
      })}
    </div>
  )
}

function InitialPasswords({ passwords, onHide }: { passwords: { username: string; password: string }[]; onHide: () => void }) {
  const { t } = useI18n()
  const [downloaded, setDownloaded] = useState(false)
  const titleId = useId()
  const title = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    // Shown after 反映: focus (and the view) moves here, below the fold of a long preview.
    title.current?.focus()
  }, [])
  function download() {
    const stamp = townDateStamp(new Date(), townTimeZone())
    downloadText(
      `hoshin-initial-passwords-${stamp}.csv`,
      passwordsCsv(
        [t('admin.users.username'), t('admin.users.initialPassword')],
        passwords.map((p) => [p.username, p.password]),
      ),
    )
    setDownloaded(true)
  }
  return (
    <section className="initial-passwords" aria-labelledby={titleId}>
      <h3 id={titleId} ref={title} tabIndex={-1}>{fill(t('admin.csv.passwordsTitle'), { count: passwords.length })}</h3>
      <p className="warning" role="note">
        {t('admin.csv.passwordsWarning')}
      </p>
      <div className="actions">
        <button type="button" className="primary-action" onClick={download}>
          {t('admin.csv.download')}
        </button>
        <button type="button" onClick={onHide}>
          {t('admin.csv.hidePasswords')}
        </button>
        {downloaded && (
          <span role="status" className="admin-status">
            {t('admin.csv.downloaded')}
          </span>
        )}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
      <section className="scroll-box" tabIndex={0} aria-label={t('admin.csv.passwordsCaption')}>
        <table className="admin-table">
          <caption className="visually-hidden">{t('admin.csv.passwordsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.users.username')}</th>
              <th scope="col">{t('admin.users.initialPassword')}</th>
            </tr>
          </thead>
          <tbody>
            {passwords.map((p) => (
              <tr key={p.username}>
                <td className="mono">{p.username}</td>
                <td className="mono">{p.password}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  )
}

/** The columns each CSV takes (and the sample file, when the server serves one). */
function CsvFormat({ kind }: { kind: CsvKind }) {
  const { t } = useI18n()
  const p = (key: KindText) => t(`admin.${textPrefix[kind]}.${key}`)
  return (
    <details className="csv-format">
      <summary>{t('admin.csv.format')}</summary>
      <p className="mono csv-header">{p('header')}</p>
      <p>{p('columns')}</p>
      <p className="csv-example-label">{t('admin.csv.example')}</p>
      <pre className="mono csv-example">{p('example')}</pre>
    </details>
  )
}
