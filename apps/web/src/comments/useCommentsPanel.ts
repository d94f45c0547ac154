import type { CommentTarget } from '@hoshin/protocol'
import { useCallback, useEffect, useRef, useState } from 'react'
import { useLocation } from 'react-router'
import type * as Y from 'yjs'
import type { NewThread } from './CommentsPanel'
import { threadStore, publishThreads } from './threadStore'
import { useThreads } from './useThreads'

/**
 * `#thread-<id>` (a mention's notification, the header's unread badge) or `?thread=<id>` in the sheet's
 * address opens that thread.
 */
function threadFrom(location: { hash: string; search: string }): string | null {
  const hash = /^#thread-(.+)$/.exec(location.hash)?.[1]
  return hash ? decodeURIComponent(hash) : new URLSearchParams(location.search).get('thread')
}

/**
 * The comments panel of a sheet page: open or closed, the thread it shows, the new thread being written.
 * Opening remembers what had focus (the button, the highlight's field), closing gives focus back to it.
 * The threads are also handed to the fields' highlights, whose clicks open their thread here.
 */
export function useCommentsPanel(sheetId: string, doc: Y.Doc) {
  const { threads, refresh } = useThreads(sheetId)
  const location = useLocation()
  const linked = threadFrom(location)
  const [open, setOpen] = useState(() => linked !== null)
  const [activeThread, setActiveThread] = useState<string | null>(linked)
  const [draft, setDraft] = useState<NewThread | null>(null)
  const opener = useRef<HTMLElement | null>(null)

  useEffect(() => publishThreads(doc, threads), [doc, threads])

  const show = useCallback((from: Element | null) => {
    if (from instanceof HTMLElement && !from.closest('.comments-drawer')) opener.current = from
    setOpen(true)
  }, [])

  const openThread = useCallback(
    (threadId: string) => {
      show(document.activeElement)
      setDraft(null)
      setActiveThread(threadId)
    },
    [show],
  )

  // A link followed while the sheet is already open (the bell's list) opens its thread too.
  useEffect(() => {
    if (linked) openThread(linked)
  }, [linked, openThread])

  useEffect(() => {
    const store = threadStore(doc)
    store.open = openThread
    return () => {
      if (store.open === openThread) store.open = null
    }
  }, [doc, openThread])

  const close = useCallback(() => {
    setOpen(false)
    setDraft(null)
    setActiveThread(null)
    const back = opener.current
    opener.current = null
    // After React has removed the panel; the opener may itself have gone (a deleted row).
    requestAnimationFrame(() => {
      if (back?.isConnected) back.focus()
    })
  }, [])

  const toggle = useCallback((button: HTMLElement) => (open ? close() : show(button)), [open, close, show])

  const startDraft = useCallback(
    (target: CommentTarget, label: string) => {
      show(document.activeElement)
      setActiveThread(null)
      setDraft({ target, label })
    },
    [show],
  )

  return { threads, refresh, open, activeThread, setActiveThread, draft, setDraft, toggle, close, startDraft, openThread }
}
