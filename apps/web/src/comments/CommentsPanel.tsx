import type { CommentTarget, Me, ThreadView } from '@hoshin/protocol'
import { type FormEvent, useId, useState } from 'react'
import type * as Y from 'yjs'
import { api } from '../api/client'
import { useErrorMessage } from '../app/useErrorMessage'
import { findRowList, listNames } from '../editor/rows'
import { formatDateTime, useI18n } from '../i18n/I18nProvider'
import { UNREAD_CHANGED } from './useThreads'

export interface NewThread {
  target: CommentTarget
  label: string
}

const kindNames: Record<Exclude<CommentTarget['kind'], 'text'>, string> = {
  measure: '施策',
  project: '事務事業',
  issue: '行政課題',
  policy: '方針',
}

/** "施策 3", "事務事業 5 の内容「簡素化」", or the quote when the target is gone. */
export function threadLabel(doc: Y.Doc, thread: ThreadView): string {
  const rank = thread.anchor.status === 'attached' ? thread.anchor.rank : null
  if (thread.target.kind === 'text') {
    const list = thread.target.id === 'situation' ? null : findRowList(doc, thread.target.id)
    const place = list ? `${listNames[list]}${rank ? ` ${rank}` : ''}` : '現状'
    return `${place}「${thread.quote}」`
  }
  return `${kindNames[thread.target.kind]}${rank ? ` ${rank}` : ''}`
}

interface Props {
  sheetId: string
  doc: Y.Doc
  me: Me
  threads: ThreadView[]
  refresh: () => Promise<void>
  draft: NewThread | null
  onDraftDone: () => void
  onClose: () => void
}

export function CommentsPanel({ sheetId, doc, me, threads, refresh, draft, onDraftDone, onClose }: Props) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [state, setState] = useState<'open' | 'resolved' | 'all'>('open')
  const [scope, setScope] = useState<'all' | 'mine' | 'mySection'>('all')
  const [row, setRow] = useState('')
  const [error, setError] = useState<string | null>(null)
  const ids = { state: useId(), scope: useId(), row: useId(), body: useId() }
  const base = `/api/sheets/${encodeURIComponent(sheetId)}/comments`

  async function act(work: () => Promise<unknown>) {
    setError(null)
    try {
      await work()
      await refresh()
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  async function markRead(thread: ThreadView) {
    if (!thread.unread) return
    await api(`${base}/${thread.id}/read`, { method: 'POST' }).catch(() => undefined)
    window.dispatchEvent(new Event(UNREAD_CHANGED))
    await refresh()
  }

  async function post(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (!draft) return
    const body = String(new FormData(event.currentTarget).get('body') ?? '')
    await act(async () => {
      await api(base, { method: 'POST', json: { target: draft.target, body } })
      onDraftDone()
    })
  }

  const rows = [...new Map(threads.map((th) => [th.target.id, threadLabel(doc, th)])).entries()]
  const shown = threads.filter(
    (th) =>
      (state === 'all' || th.state === state) &&
      (scope === 'all' || (scope === 'mine' ? th.mine : th.mySection)) &&
      (!row || th.target.id === row),
  )

  return (
    <aside className="comments-drawer" aria-label={t('comments.title')}>
      <header>
        <h2>{t('comments.title')}</h2>
        <button type="button" onClick={onClose}>
          {t('comments.close')}
        </button>
      </header>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {draft && (
        <form className="new-thread" onSubmit={post}>
          <p className="thread-target">{draft.label}</p>
          <label htmlFor={ids.body}>{t('comments.body')}</label>
          <textarea id={ids.body} name="body" rows={3} required maxLength={4000} />
          <p className="hint">{t('comments.mentionHint')}</p>
          <div className="actions">
            <button type="submit">{t('comments.post')}</button>
            <button type="button" onClick={onDraftDone}>
              {t('comments.cancel')}
            </button>
          </div>
        </form>
      )}
      <div className="filters">
        <label htmlFor={ids.state}>{t('comments.filter.state')}</label>
        <select id={ids.state} value={state} onChange={(e) => setState(e.currentTarget.value as typeof state)}>
          <option value="open">{t('comments.filter.open')}</option>
          <option value="resolved">{t('comments.filter.resolved')}</option>
          <option value="all">{t('comments.filter.all')}</option>
        </select>
        <label htmlFor={ids.scope}>{t('comments.filter.scope')}</label>
        <select id={ids.scope} value={scope} onChange={(e) => setScope(e.currentTarget.value as typeof scope)}>
          <option value="all">{t('comments.filter.all')}</option>
          <option value="mine">{t('comments.filter.mine')}</option>
          <option value="mySection">{t('comments.filter.mySection')}</option>
        </select>
        <label htmlFor={ids.row}>{t('comments.filter.row')}</label>
        <select id={ids.row} value={row} onChange={(e) => setRow(e.currentTarget.value)}>
          <option value="">{t('comments.filter.anyRow')}</option>
          {rows.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 && <p className="muted">{t('comments.none')}</p>}
      {shown.map((thread) => (
        <Thread key={thread.id} thread={thread} me={me} label={threadLabel(doc, thread)} base={`${base}/${thread.id}`} act={act} onOpen={() => markRead(thread)} when={(iso) => formatDateTime(iso, locale)} />
      ))}
    </aside>
  )
}

interface ThreadProps {
  thread: ThreadView
  me: Me
  label: string
  base: string
  act: (work: () => Promise<unknown>) => Promise<void>
  onOpen: () => void
  when: (iso: string | null) => string
}

function Thread({ thread, me, label, base, act, onOpen, when }: ThreadProps) {
  const { t } = useI18n()
  const [editing, setEditing] = useState<string | null>(null)
  const replyId = useId()
  return (
    // Opening a thread (a click or focus inside it) marks it read.
    <article
      className={`thread ${thread.unread ? 'unread' : ''} thread-${thread.state}`}
      aria-label={`${t('comments.title')}: ${label}`}
      onFocusCapture={onOpen}
      onPointerDown={onOpen}
    >
      <header>
        <span className="thread-target">{label}</span>
        {thread.unread && <span className="badge">{t('comments.unread')}</span>}
        <span className={`state state-${thread.state}`}>{thread.state === 'resolved' ? t('comments.filter.resolved') : t('comments.filter.open')}</span>
      </header>
      {thread.anchor.status === 'detached' ? (
        <p className="detached">
          {t('comments.detached')}: <q>{thread.quote}</q>
        </p>
      ) : (
        thread.target.kind === 'text' && <q className="quote">{thread.anchor.text}</q>
      )}
      <ol className="comments">
        {thread.comments.map((c) => (
          <li key={c.id}>
            <p className="meta">
              <strong>{c.author.name}</strong>
              {c.author.section ? `（${c.author.section}）` : ''} <time dateTime={c.createdAt}>{when(c.createdAt)}</time>
              {c.editedAt && !c.deleted && <span className="muted"> {t('comments.edited')}</span>}
            </p>
            {c.deleted ? (
              <p className="muted">{t('comments.deleted')}</p>
            ) : editing === c.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault()
                  const body = String(new FormData(e.currentTarget).get('body') ?? '')
                  void act(() => api(`${base}/comments/${c.id}`, { method: 'PATCH', json: { body } })).then(() => setEditing(null))
                }}
              >
                <textarea name="body" defaultValue={c.body} rows={3} aria-label={t('comments.edit')} />
                <button type="submit">{t('comments.save')}</button>
                <button type="button" onClick={() => setEditing(null)}>
                  {t('comments.cancel')}
                </button>
              </form>
            ) : (
              <p className="body">{c.body}</p>
            )}
            {c.author.id === me.id && !c.deleted && editing !== c.id && (
              <p className="own-actions">
                <button type="button" onClick={() => setEditing(c.id)}>
                  {t('comments.edit')}
                </button>
                <button type="button" onClick={() => void act(() => api(`${base}/comments/${c.id}`, { method: 'DELETE' }))}>
                  {t('comments.delete')}
                </button>
              </p>
            )}
          </li>
        ))}
      </ol>
      <p className="thread-state">
        {thread.stateBy && (
          <span className="muted">
            {thread.state === 'resolved' ? t('comments.resolvedBy') : t('comments.reopenedBy')}: {thread.stateBy.name} {when(thread.stateAt)}
          </span>
        )}
        {thread.canResolve && (
          <button type="button" onClick={() => void act(() => api(`${base}/${thread.state === 'resolved' ? 'reopen' : 'resolve'}`, { method: 'POST' }))}>
            {thread.state === 'resolved' ? t('comments.reopen') : t('comments.resolve')}
          </button>
        )}
      </p>
      <form
        className="reply"
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          const body = String(new FormData(form).get('body') ?? '')
          void act(async () => {
            await api(`${base}/replies`, { method: 'POST', json: { body } })
            form.reset()
          })
        }}
      >
        <label htmlFor={replyId} className="visually-hidden">
          {t('comments.replyBody')}
        </label>
        <textarea id={replyId} name="body" rows={2} placeholder={t('comments.reply')} maxLength={4000} />
        <button type="submit">{t('comments.send')}</button>
      </form>
    </article>
  )
}
