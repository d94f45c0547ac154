import { LAYOUT, layoutOf, rowLists, rowMap } from '@hoshin/sheet'
import { CloseCode, type HoshinMessage, isHoshinMessage, LAYOUT_PARAM, MessageType, type ReadOnlyReason } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import { useEffect, useState } from 'react'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CompositionGate } from './compositionGate'
import { clearSheetCopy, openCopy, saveUnloadCopy, setPending } from './offlineCopies'
import { StoredTracker } from './storedTracker'

/** The origin of local row operations (add, delete, move, budget, pickers): what the row undo tracks. */
export const ROW_ORIGIN = 'hoshin-rows'

/** Dispatched on window when a comment thread of the open sheet changed (anyone's). */
export const COMMENTS_EVENT = 'hoshin:comments'
/** Dispatched on window when the open sheet's workflow state changed (approved, returned…). */
export const WORKFLOW_EVENT = 'hoshin:workflow'
/** Dispatched on window when an evaluation of the open sheet moved (opened, submitted, returned, approved). */
export const EVALUATION_EVENT = 'hoshin:evaluation'
/** Dispatched on window when the server kept this person's late (after approval) changes aside. */
export const LATE_EVENT = 'hoshin:late-kept'

/** `synced` (保存済み) only once the server said every local change is on its disk; `connecting` (同期中) until then. */
export type ConnectionStatus = 'connecting' | 'synced' | 'offline' | 'ended'

/** Why the server ended this connection for good: the session ended (4401) or the right to read it did (4403). */
export type EndedReason = 'session' | 'forbidden'

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
  /** Set when the server closed the connection for good; the page says why. */
  ended: EndedReason | null
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

export function collabUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/collab`
}

/**
 * The one way this app opens a sheet's socket: it always names the document layout this code writes
 * ([S19]); a socket without it may only read, and nothing it sends would be stored.
 */
export function sheetProvider(sheetId: string, doc: Y.Doc, options: { disableBc?: boolean } = {}): WebsocketProvider {
  return new WebsocketProvider(collabUrl(), sheetId, doc, { connect: false, ...options, params: { [LAYOUT_PARAM]: String(LAYOUT) } })
}

/**
 * One sheet's live session: the Y.Doc, this person's copy of it in this browser (so edits made offline
 * survive a reload), and the stock y-websocket provider. Created inside an effect and destroyed in its
 * cleanup, so React StrictMode leaves no orphan socket. When the server keeps a late change aside (the
 * sheet was approved while this person was offline), the local copy holding it is dropped and the
 * session starts again from the server's sheet: the screen shows what was approved, the kept change is
 * listed for its author.
 */
export function useSheetSession(sheetId: string, userId: string, { name, section, color }: PresenceUser): SheetSession | null {
  const [session, setSession] = useState<SheetSession | null>(null)
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    let alive = true
    const doc = new Y.Doc()
    const local = openCopy(userId, sheetId, doc)
    // The layout this code writes ([S19]): a server of a later one lets this tab only read until it reloads.
    const provider = sheetProvider(sheetId, doc)
    const gate = new CompositionGate(provider)
    const rowUndo = new Y.UndoManager(
      rowLists.map((list) => rowMap(doc, list)),
      { trackedOrigins: new Set([ROW_ORIGIN]), captureTimeout: 0 },
    )
    let state: SheetSession = {
      doc,
      provider,
      gate,
      rowUndo,
      status: 'connecting',
      ready: false,
      readOnly: null,
      ended: null,
      selection: { current: null },
    }
    const update = (patch: Partial<SheetSession>) => {
      if (!alive) return
      state = { ...state, ...patch }
      setSession(state)
    }
    const hasContent = () => doc.getMap('meta').has('format')
    // A document of a later layout than this code's is not this tab's to write ([S19]): it only reads,
    // whatever the server says, until it is reloaded.
    let futureLayout = false
    const checkLayout = () => {
      const layout = layoutOf(doc)
      if (futureLayout || typeof layout !== 'number' || layout <= LAYOUT) return
      futureLayout = true
      update({ readOnly: 'outdated' })
    }
    const meta = doc.getMap('meta')
    meta.observe(checkLayout)
    // 保存済み needs the server's word that the changes are stored; a read-only view has none of its own.
    // On a read-only or approved sheet nothing of this page is meant to be stored: the server's copy is all
    // there is. A sheet that is full keeps this page's changes unsent (and says so).
    const settle = () => {
      const nothingToStore = state.readOnly === 'permission' || state.readOnly === 'approved'
      setPending(userId, sheetId, !tracker.stored && !nothingToStore)
      // The browser knows it is offline before the socket does (that takes y-websocket up to 30 s).
      if (!provider.wsconnected || !navigator.onLine) return
      const stored = tracker.stored || nothingToStore
      update({ status: provider.synced && stored ? 'synced' : 'connecting' })
    }
    const tracker = new StoredTracker(provider, doc, settle)

    provider.messageHandlers[MessageType.Hoshin] = (_encoder, decoder) => {
      const message: unknown = JSON.parse(decoding.readVarString(decoder))
      if (isHoshinMessage(message)) applyHoshin(message)
    }
    const applyHoshin = (message: HoshinMessage) => {
      if (message.kind === 'session') {
        const readOnly = futureLayout ? 'outdated' : message.readOnly ? (message.reason ?? 'permission') : null
        // Rights that changed while this page was away (approved, reopened): the page fetches the state again.
        if (readOnly !== state.readOnly) window.dispatchEvent(new CustomEvent(WORKFLOW_EVENT))
        update({ readOnly })
        settle()
      } else if (message.kind === 'stored') tracker.acknowledge(message.seq)
      else if (message.kind === 'comments') window.dispatchEvent(new CustomEvent(COMMENTS_EVENT, { detail: message.threadId }))
      else if (message.kind === 'workflow') window.dispatchEvent(new CustomEvent(WORKFLOW_EVENT, { detail: message.status }))
      else if (message.kind === 'evaluation') window.dispatchEvent(new CustomEvent(EVALUATION_EVENT, { detail: message }))
      else if (message.kind === 'late-kept') {
        // The server holds the late change now; this copy must not send it again, nor show it as the sheet.
        alive = false
        provider.disconnect()
        window.removeEventListener('pagehide', onPageHide)
        void local
          .destroy()
          .then(() => clearSheetCopy(userId, sheetId))
          .then(() => {
            window.dispatchEvent(new CustomEvent(LATE_EVENT, { detail: sheetId }))
            setGeneration((g) => g + 1)
          })
      }
    }
    provider.awareness.setLocalStateField('user', { name, section, color })
    provider.on('status', ({ status }) => {
      if (state.ended) return
      if (status === 'disconnected') update({ status: 'offline' })
      else if (status === 'connecting' && state.status !== 'offline') update({ status: 'connecting' })
    })
    // A socket that never opened (offline from the start) reports only errors and closes.
    provider.on('connection-close', () => {
      if (!provider.wsconnected) update({ status: 'offline' })
    })
    // y-websocket stops reconnecting after a 44xx close: say why, and nothing more can be edited here.
    provider.on('closed', ({ code }) => {
      if (code === CloseCode.Unauthenticated) update({ ended: 'session', readOnly: 'permission', status: 'ended' })
      else if (code === CloseCode.Forbidden || code === CloseCode.NotFound) update({ ended: 'forbidden', readOnly: 'permission', status: 'ended' })
    })
    provider.on('sync', (synced: boolean) => {
      checkLayout()
      if (synced) update({ ready: true })
      settle()
    })
    local.whenSynced.then(() => {
      checkLayout()
      if (hasContent()) update({ ready: true })
    })
    // When the browser says the network is gone, the socket is let go at once (y-websocket would notice
    // only after 30 s of silence) so nothing is sent into a dead connection; edits wait in this PC's copy
    // and go out in the step 2 of the next socket, opened when the network is back.
    const goOffline = () => {
      provider.disconnect()
      update({ status: 'offline' })
    }
    const goOnline = () => {
      if (!state.ended) provider.connect()
    }
    window.addEventListener('offline', goOffline)
    window.addEventListener('online', goOnline)
    const onPageHide = () => saveUnloadCopy(userId, sheetId, doc)
    window.addEventListener('pagehide', onPageHide)
    provider.connect()
    update(navigator.onLine ? {} : { status: 'offline' })

    return () => {
      alive = false
      meta.unobserve(checkLayout)
      window.removeEventListener('offline', goOffline)
      window.removeEventListener('online', goOnline)
      window.removeEventListener('pagehide', onPageHide)
      tracker.destroy()
      rowUndo.destroy()
      provider.awareness.destroy()
      provider.destroy()
      void local.destroy()
      doc.destroy()
    }
  }, [sheetId, userId, name, section, color, generation])

  return session
}
