import type { CommentTarget, Me, ThreadView } from '@hoshin/protocol'
import { orderedRowIds, readFieldText, rowMap } from '@hoshin/sheet'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { XmlFragment as YXmlFragment } from 'yjs'
import { api } from '../api/client'
import { useErrorMessage } from '../app/useErrorMessage'
import { findRowList, listNames } from '../editor/rows'
import { formatDateTime, useI18n } from '../i18n/I18nProvider'
import { MentionTextarea } from './MentionTextarea'
import { PanelResizer } from './PanelResizer'
import { UNREAD_CHANGED } from './useThreads'

export interface NewThread {
  target: CommentTarget
  label: string
}

/** Row names longer than this are cut with "…" in a thread's title: the title names the row, the quote says more. */
const TITLE_NAME_LENGTH = 12

function clip(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()]
  return chars.length > TITLE_NAME_LENGTH ? `${chars.slice(0, TITLE_NAME_LENGTH).join('')}…` : chars.join('')
}

/**
 * A thread's title in the sheet's terms, from the live document: 「施策 2 移住定住・二地域居住の推…」 (part,
 * 1-based rank, the row's name or text cut short), 「現状」 for the narrative; the quote when the row is gone.
 */
export function threadLabel(doc: Y.Doc, thread: ThreadView): string {
  return rowTitle(doc, thread.target.id, `（${clip(thread.quote)}）`)
}

/** The title of a row (or "situation") in the live document; `gone` when it was deleted. */
function rowTitle(doc: Y.Doc, rowId: string, gone: string): string {
  if (rowId === 'situation') return '現状'
  const list = findRowList(doc, rowId)
  const row = list ? rowMap(doc, list).get(rowId) : undefined
  if (!list || !row) return gone
  const rank = orderedRowIds(doc, list).indexOf(rowId) + 1
  const headline = row.get(list === 'measures' || list === 'projects' ? 'name' : 'text')
  const name = headline instanceof YXmlFragment ? clip(readFieldText(headline)) : ''
  return `${listNames[list]} ${rank}${name ? ` ${name}` : ''}`
}

/** Re-renders on every change of the document, at most once a frame (titles follow ranks and names). */
function useDocVersion(doc: Y.Doc): void {
  const [, setVersion] = useState(0)
  useEffect(() => {
    let frame = 0
    const onUpdate = () => {
      if (frame) return
      frame = requestAnimationFrame(() => {
        frame = 0
        setVersion((v) => v + 1)
      })
    }
    doc.on('update', onUpdate)
    return () => {
      cancelAnimationFrame(frame)
      doc.off('update', onUpdate)
    }
  }, [doc])
}

const threadElementId = (id: string) => `thread-${id}`

interface Props {
  sheetId: string
  doc: Y.Doc
  me: Me
  threads: ThreadView[]
  refresh: () => Promise<void>
  draft: NewThread | null
  onDraftDone: () => void
  /** The thread opened from a highlight, a badge or a link: shown, scrolled to, focused, marked read. */
  activeThread: string | null
  onActivate: (threadId: string) => void
  onClose: () => void
}

/**
 * The comments panel, beside the sheet (the page makes room for it; it never covers the table). It takes
 * the focus when it opens or opens a thread; Escape closes it and the page gives the focus back.
 */
export function CommentsPanel({ sheetId, doc, me, threads, refresh, draft, onDraftDone, activeThread, onActivate, onClose }: Props) {
  const { t, locale } = useI18n()
  const errorMessage = useErrorMessage()
  const [state, setState] = useState<'open' | 'resolved' | 'all'>('open')
  const [scope, setScope] = useState<'all' | 'mine' | 'mySection'>('all')
  const [row, setRow] = useState('')
  const [error, setError] = useState<string | null>(null)
  const ids = { title: useId(), state: useId(), scope: useId(), row: useId(), body: useId() }
  const base = `/api/sheets/${encodeURIComponent(sheetId)}/comments`
  const heading = useRef<HTMLHeadingElement>(null)
  const draftBox = useRef<HTMLDivElement>(null)
  useDocVersion(doc)

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
      const created = await api<ThreadView>(base, { method: 'POST', json: { target: draft.target, body } })
      onDraftDone()
      onActivate(created.id)
    })
  }

  const active = activeThread ? threads.find((th) => th.id === activeThread) : undefined
  const shown = threads.filter(
    (th) =>
      th.id === activeThread ||
      ((state === 'all' || th.state === state) && (scope === 'all' || (scope === 'mine' ? th.mine : th.mySection)) && (!row || th.target.id === row)),
  )

  // Focus into the panel: the new comment's box, the opened thread, or the panel's heading.
  // Only when what is opened changes, not on every refresh of the threads.
  useEffect(() => {
    if (draft) {
      draftBox.current?.querySelector('textarea')?.focus()
      return
    }
    if (active) {
      const element = document.getElementById(threadElementId(active.id))
      element?.focus()
      element?.scrollIntoView({ block: 'nearest' })
      void markRead(active)
      return
    }
    if (!activeThread) heading.current?.focus()
  }, [draft, activeThread, active === undefined])

  const rows = [...new Map(threads.map((th) => [th.target.id, threadLabel(doc, th)])).entries()]
  const unread = threads.filter((th) => th.unread)

  return (
    <aside
      className="comments-drawer"
      aria-labelledby={ids.title}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.nativeEvent.isComposing) {
          e.preventDefault()
          onClose()
        }
      }}
    >
      <PanelResizer />
      <header>
        <h2 id={ids.title} ref={heading} tabIndex={-1}>
          {t('comments.title')}
        </h2>
        <button type="button" onClick={onClose}>
          {t('comments.close')}
        </button>
      </header>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {unread.length > 0 && (
        <nav className="unread-threads" aria-label={t('comments.badge')}>
          <ul>
            {unread.map((th) => (
              <li key={th.id}>
                <a
                  className="badge"
                  href={`#${threadElementId(th.id)}`}
                  onClick={(e) => {
                    e.preventDefault()
                    onActivate(th.id)
                  }}
                >
                  {t('comments.unread')}: {threadLabel(doc, th)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {draft && (
        <form className="new-thread" onSubmit={post}>
          <p className="thread-target">{rowTitle(doc, draft.target.id, draft.label)}</p>
          {draft.target.kind === 'text' && <q className="quote">{/「([\s\S]*)」$/.exec(draft.label)?.[1] ?? ''}</q>}
          <label htmlFor={ids.body}>{t('comments.body')}</label>
          <div ref={draftBox}>
            <MentionTextarea sheetId={sheetId} id={ids.body} name="body" rows={3} required maxLength={4000} />
          </div>
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
        <Thread
          key={thread.id}
          sheetId={sheetId}
          thread={thread}
          me={me}
          label={threadLabel(doc, thread)}
          active={thread.id === activeThread}
          base={`${base}/${thread.id}`}
          act={act}
          onOpen={() => markRead(thread)}
          when={(iso) => formatDateTime(iso, locale)}
        />
      ))}
    </aside>
  )
}

interface ThreadProps {
  sheetId: string
  thread: ThreadView
  active: boolean
  me: Me
  label: string
  base: string
  act: (work: () => Promise<unknown>) => Promise<void>
  onOpen: () => void
  when: (iso: string | null) => string
}

function Thread({ sheetId, thread, active, me, label, base, act, onOpen, when }: ThreadProps) {
  const { t } = useI18n()
  const [editing, setEditing] = useState<string | null>(null)
  const replyId = useId()
  return (
    // Opening a thread (a click or focus inside it) marks it read.
    <article
      id={threadElementId(thread.id)}
      tabIndex={-1}
      className={`thread ${thread.unread ? 'unread' : ''} thread-${thread.state}${active ? ' active' : ''}`}
      aria-label={`${t('comments.title')}: ${label}`}
      onFocusCapture={onOpen}
      onPointerDown={onOpen}
    >
      <header>
        <h3 className="thread-target">{label}</h3>
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
                <MentionTextarea sheetId={sheetId} name="body" defaultValue={c.body} rows={3} aria-label={t('comments.edit')} />
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
        <MentionTextarea sheetId={sheetId} id={replyId} name="body" rows={2} placeholder={t('comments.reply')} maxLength={4000} />
        <button type="submit">{t('comments.send')}</button>
      </form>
    </article>
  )
}
