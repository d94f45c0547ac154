// A client of the server under test, as its users would run it: the stock y-websocket provider (Hoshin and
// the reference y-websocket server speak that protocol) or @hocuspocus/provider (Hocuspocus's own).
// `openClient` resolves once the client has synced. `presence: false` makes a reader without presence:
// with it, 1,500 readers renewing their presence every 15 s would be the load instead of the document.
import { HocuspocusProvider } from '@hocuspocus/provider'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

export function openClient({ protocol, url, room, cookie, presence = true }) {
  const doc = new Y.Doc()
  class CookieWebSocket extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, cookie ? { headers: { cookie } } : {})
    }
  }
  if (protocol === 'hocuspocus') {
    return new Promise((resolve, reject) => {
      const provider = new HocuspocusProvider({
        url,
        name: room,
        document: doc,
        ...(presence ? {} : { awareness: null }),
        WebSocketPolyfill: CookieWebSocket,
        onSynced: () =>
          resolve({
            doc,
            close: () => {
              provider.destroy()
              doc.destroy()
            },
          }),
        onAuthenticationFailed: ({ reason }) => reject(new Error(reason)),
      })
    })
  }
  // Hoshin lets a socket write only when it names the document layout it writes (SPEC [S19]); the
  // reference server takes the room from the path and ignores the query.
  const params = { layout: '2' }
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: CookieWebSocket, disableBc: true, params })
  // Hoshin's own messages (session, comments, workflow): a stock client ignores them.
  provider.messageHandlers[100] = () => undefined
  if (!presence) provider.awareness.setLocalState(null)
  const client = {
    doc,
    close: () => {
      provider.awareness.destroy()
      provider.destroy()
      doc.destroy()
    },
  }
  return new Promise((resolve) => (provider.synced ? resolve(client) : provider.once('synced', () => resolve(client))))
}
