import { type HoshinMessage, LAYOUT_PARAM, MessageType, type SessionMessage } from '@hoshin/protocol'
import { LAYOUT } from '@hoshin/sheet'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { TestClient } from './harness.js'

/** The `ws` client carrying a browser's session cookie (Node's WebSocket cannot set headers). */
function webSocketWithCookie(cookie: string | undefined) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, cookie ? { headers: { cookie } } : {})
    }
  }
}

export interface CollabClient {
  doc: Y.Doc
  provider: WebsocketProvider
  /** The last session message from the server (read-only or not). */
  session: SessionMessage | undefined
  /** Every Hoshin message received, in order. */
  messages: HoshinMessage[]
  closeEvents: { code: number; reason: string }[]
  synced(): Promise<void>
  destroy(): void
}

// Each Node provider adds a process 'exit' listener; a test with ten clients passes the default of ten.
process.setMaxListeners(100)

const open = new Set<CollabClient>()
afterEach(() => {
  for (const client of open) client.destroy()
  open.clear()
})

/** The socket URL of a sheet for a raw WebSocket, naming the layout this code writes ([S19]). */
export function collabSocketUrl(baseUrl: string, sheetId: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/collab/${sheetId}?${LAYOUT_PARAM}=${LAYOUT}`
}

/** A stock y-websocket provider, as the browser uses it, signed in as `client`'s user. */
export function collabClient(baseUrl: string, sheetId: string, client: TestClient | undefined, options: { connect?: boolean; layout?: number | null } = {}): CollabClient {
  const doc = new Y.Doc()
  // null: a client from before layouts were named, which sends no layout at all.
  const layout = options.layout === undefined ? LAYOUT : options.layout
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/collab`, sheetId, doc, {
    WebSocketPolyfill: webSocketWithCookie(client?.cookieHeader()) as unknown as typeof globalThis.WebSocket,
    // Two providers in one process would otherwise sync over BroadcastChannel, bypassing the server.
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 200,
    // The layout this code writes ([S19]); without it the server lets the socket only read.
    params: layout === null ? {} : { [LAYOUT_PARAM]: String(layout) },
  })
  const result: CollabClient = {
    doc,
    provider,
    session: undefined,
    messages: [],
    closeEvents: [],
    synced: () =>
      provider.synced
        ? Promise.resolve()
        : new Promise((resolve) => {
            const onSync = (isSynced: boolean) => {
              if (!isSynced) return
              provider.off('sync', onSync)
              resolve()
            }
            provider.on('sync', onSync)
          }),
    destroy: () => {
      provider.awareness.destroy()
      provider.destroy()
      doc.destroy()
    },
  }
  provider.messageHandlers[MessageType.Hoshin] = (_encoder, decoder) => {
    const message = JSON.parse(decoding.readVarString(decoder)) as HoshinMessage
    result.messages.push(message)
    if (message.kind === 'session') result.session = message
  }
  provider.on('connection-close', (event) => {
    if (event) result.closeEvents.push({ code: event.code, reason: event.reason })
  })
  open.add(result)
  return result
}

/** Polls until `check` passes (it throws or returns false until then). No fixed sleeps. */
export async function eventually(check: () => unknown | Promise<unknown>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const result = await check()
      if (result !== false) return
      lastError = new Error('condition still false')
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) throw lastError
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The Y.XmlText of the first paragraph of a row's text field. */
export function cellText(doc: Y.Doc, list: string, rowId: string, field: string): Y.XmlText {
  const fragment = doc.getMap<Y.Map<unknown>>(list).get(rowId)?.get(field) as Y.XmlFragment | undefined
  if (!fragment) throw new Error(`no field ${list}/${rowId}/${field} yet`)
  return (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText
}

/**
 * A y-websocket sync message carrying `update`, as a client sends it: an incremental update, or with
 * `step2` its answer to the server's sync step 1.
 */
export function updateMessage(update: Uint8Array, { step2 = false } = {}): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, step2 ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/**
 * A protocol barrier: sends a sync step 1 on the client's socket and waits for the server's step 2. The
 * server handles one socket's messages in order, so once the answer is here every message the client
 * sent before it was handled (applied, dropped or kept aside): a negative check may follow.
 */
export async function roundTrip(client: CollabClient): Promise<void> {
  const ws = client.provider.ws as unknown as WebSocket
  const answered = new Promise<void>((resolve) => {
    // y-websocket sets binaryType 'arraybuffer', so ws hands listeners an ArrayBuffer.
    const onMessage = (data: ArrayBuffer | Buffer) => {
      const bytes = new Uint8Array(data)
      if (bytes[0] !== MessageType.Sync || bytes[1] !== syncProtocol.messageYjsSyncStep2) return
      ws.off('message', onMessage)
      resolve()
    }
    ws.on('message', onMessage)
  })
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep1(encoder, new Y.Doc())
  ws.send(encoding.toUint8Array(encoder))
  await answered
}

/** A presence (awareness) message as a client sends it: one client id, its clock and its state. */
export function presenceMessage(clientId: number, state: Record<string, unknown> | null, clock = 1): Uint8Array {
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, 1)
  encoding.writeVarUint(inner, clientId)
  encoding.writeVarUint(inner, clock)
  encoding.writeVarString(inner, JSON.stringify(state))
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner))
  return encoding.toUint8Array(encoder)
}
