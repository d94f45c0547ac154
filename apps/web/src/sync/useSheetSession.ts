import { rowLists, rowMap } from '@hoshin/sheet'
import { type HoshinMessage, isHoshinMessage, MessageType, type ReadOnlyReason } from '@hoshin/protocol'
import { fromBase64, toBase64 } from 'lib0/buffer'
import * as decoding from 'lib0/decoding'
import { useEffect, useState } from 'react'
import { IndexeddbPersistence } from 'y-indexeddb'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CompositionGate } from './compositionGate'

/** The origin of local row operations (add, delete, move, budget, pickers): what the row undo tracks. */
export const ROW_ORIGIN = 'hoshin-rows'

/** Dispatched on window when a comment thread of the open sheet changed (anyone's). */
export const COMMENTS_EVENT = 'hoshin:comments'
/** Dispatched on window when the open sheet's workflow state changed (approved, returned…). */
export const WORKFLOW_EVENT = 'hoshin:workflow'

export type ConnectionStatus = 'connecting' | 'synced' | 'offline'

export interface PresenceUser {
  name: string
  section: string
  color: string
}

export interface SheetSession {
  doc: Y.Doc
  provider: WebsocketProvider
  gate: CompositionGate
  /** Undo of this person's own row operations (typing has per-field undo in each editor). */
  rowUndo: Y.UndoManager
  status: ConnectionStatus
  /** The content is there to show: from this PC's copy (IndexedDB) or from the server. */
  ready: boolean
  readOnly: ReadOnlyReason | null
  /** The last non-empty text selection in a field, for "comment on selection". */
  selection: { current: SelectionTarget | null }
}

export interface SelectionTarget {
  rowId: string
  field: 'text' | 'outcome' | 'name' | 'content'
  start: number
  end: number
  label: string
  quote: string
}

function collabUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/collab`
}

/**
 * One sheet's live session: the Y.Doc, its copy in this browser (y-indexeddb, so edits made offline
 * survive a reload), and the stock y-websocket provider. Created inside an effect and destroyed in its
 * cleanup, so React StrictMode leaves no orphan socket.
 */
export function useSheetSession(sheetId: string, { name, section, color }: PresenceUser): SheetSession | null {
  const [session, setSession] = useState<SheetSession | null>(null)

  useEffect(() => {
    const doc = new Y.Doc()
    restoreUnloadCopy(sheetId, doc)
    const local = new IndexeddbPersistence(`hoshin-sheet-${sheetId}`, doc)
    const provider = new WebsocketProvider(collabUrl(), sheetId, doc, { connect: false })
    const gate = new CompositionGate(provider)
    const rowUndo = new Y.UndoManager(
      rowLists.map((list) => rowMap(doc, list)),
      { trackedOrigins: new Set([ROW_ORIGIN]), captureTimeout: 0 },
    )
    let state: SheetSession = { doc, provider, gate, rowUndo, status: 'connecting', ready: false, readOnly: null, selection: { current: null } }
    const update = (patch: Partial<SheetSession>) => {
      state = { ...state, ...patch }
      setSession(state)
    }
    const hasContent = () => doc.getMap('meta').has('format')

    provider.messageHandlers[MessageType.Hoshin] = (_encoder, decoder) => {
      const message: unknown = JSON.parse(decoding.readVarString(decoder))
      if (isHoshinMessage(message)) applyHoshin(message)
    }
    const applyHoshin = (message: HoshinMessage) => {
      if (message.kind === 'session') update({ readOnly: message.readOnly ? (message.reason ?? 'permission') : null })
      else if (message.kind === 'comments') window.dispatchEvent(new CustomEvent(COMMENTS_EVENT, { detail: message.threadId }))
      else if (message.kind === 'workflow') window.dispatchEvent(new CustomEvent(WORKFLOW_EVENT, { detail: message.status }))
    }
    provider.awareness.setLocalStateField('user', { name, section, color })
    provider.on('status', ({ status }) => {
      if (status === 'disconnected') update({ status: 'offline' })
      else if (status === 'connecting' && state.status !== 'offline') update({ status: 'connecting' })
    })
    // A socket that never opened (offline from the start) reports only errors and closes.
    provider.on('connection-close', () => {
      if (!provider.wsconnected) update({ status: 'offline' })
    })
    provider.on('sync', (synced: boolean) => {
      if (synced) update({ status: 'synced', ready: true })
    })
    local.whenSynced.then(() => {
      if (hasContent()) update({ ready: true })
    })
    const goOffline = () => update({ status: 'offline' })
    window.addEventListener('offline', goOffline)
    const onPageHide = () => saveUnloadCopy(sheetId, doc)
    window.addEventListener('pagehide', onPageHide)
    provider.connect()
    update(navigator.onLine ? {} : { status: 'offline' })

    return () => {
      window.removeEventListener('offline', goOffline)
      window.removeEventListener('pagehide', onPageHide)
      rowUndo.destroy()
      provider.awareness.destroy()
      provider.destroy()
      void local.destroy()
      doc.destroy()
    }
  }, [sheetId, name, section, color])

  return session
}

/**
 * IndexedDB writes are asynchronous and a page closed or reloaded right after a keystroke can lose the
 * last ones. On pagehide the whole sheet (a few tens of KiB) is also written synchronously to
 * localStorage; the next load merges it back (Yjs merges are idempotent) and y-indexeddb takes it over.
 */
function unloadKey(sheetId: string): string {
  return `hoshin-unload-${sheetId}`
}

function saveUnloadCopy(sheetId: string, doc: Y.Doc): void {
  try {
    localStorage.setItem(unloadKey(sheetId), toBase64(Y.encodeStateAsUpdate(doc)))
  } catch {
    // quota or private mode: IndexedDB still has all but the last moment
  }
}

function restoreUnloadCopy(sheetId: string, doc: Y.Doc): void {
  try {
    const saved = localStorage.getItem(unloadKey(sheetId))
    if (!saved) return
    localStorage.removeItem(unloadKey(sheetId))
    Y.applyUpdate(doc, fromBase64(saved))
  } catch {
    // a damaged copy is ignored; IndexedDB and the server hold the rest
  }
}
