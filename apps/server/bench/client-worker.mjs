// One load-generator process of compare.mjs: stock y-websocket clients that type and time each edit from
// its sender to its arrival at every other client of the same room (clock shared across processes:
// performance.timeOrigin + performance.now()).
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

process.setMaxListeners(0)
const now = () => performance.timeOrigin + performance.now()

process.once('message', async ({ url, rooms, clientsPerRoom, rate, seconds, cookie }) => {
  class CookieWebSocket extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, cookie ? { headers: { cookie } } : {})
    }
  }
  const latencies = []
  let sent = 0
  const clients = []
  for (const room of rooms) {
    for (let c = 0; c < clientsPerRoom; c++) {
      const doc = new Y.Doc()
      const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: CookieWebSocket, disableBc: true })
      provider.messageHandlers[100] = () => undefined
      const stamps = doc.getMap('stamps')
      stamps.observe((event) => {
        if (event.transaction.local) return
        const t = now()
        for (const key of event.keysChanged) latencies.push(t - stamps.get(key))
      })
      clients.push({ doc, provider, stamps, id: `${room}:${c}:${process.pid}` })
    }
  }
  await Promise.all(clients.map(({ provider }) => new Promise((r) => (provider.synced ? r() : provider.once('synced', r)))))
  process.send({ ready: true })
  await new Promise((r) => process.once('message', r))
  const timers = clients.map((client, i) =>
    setTimeout(() => {
      client.timer = setInterval(() => {
        client.doc.transact(() => {
          client.doc.getText('bench').insert(0, 'x')
          client.stamps.set(client.id, now())
        })
        sent++
      }, 1000 / rate)
    }, (i * 1000) / rate / clients.length),
  )
  await new Promise((r) => setTimeout(r, seconds * 1000))
  for (const t of timers) clearTimeout(t)
  for (const client of clients) clearInterval(client.timer)
  await new Promise((r) => setTimeout(r, 1000))
  process.send({ sent, latencies })
  for (const { provider, doc } of clients) {
    provider.awareness.destroy()
    provider.destroy()
    doc.destroy()
  }
  process.exit(0)
})
