// One load-generator process of compare.mjs: real clients of the server under test (stock y-websocket
// providers for Hoshin and the reference y-websocket server, @hocuspocus/provider for Hocuspocus, whose
// protocol differs) that type and time each edit from its sender to its arrival at every other client of
// the same room. The clock is shared across processes: performance.timeOrigin + performance.now(). Each
// writer types into a sheet row of its own (sheet-rows.mjs: the shape Hoshin's server accepts).
//
// The process says { listening } first (a message sent before its listener exists would be lost while its
// imports load), then takes { protocol, url, cookie, clients: [{ room, writes, presence, url?, node? }], rate,
// seconds }, answers { ready } once every client has synced, waits for 'go', types for `seconds`, then
// answers { sent, sentEach (per client, in plan order), latencies, cross } and exits. A client's own `url`
// (one of several server processes, `node` its number) overrides the common one; an edit that arrives from
// a writer on another node goes to `cross`, one from the same node to `latencies`.
import { openClient } from './clients.mjs'
import { addRow, observeStamps } from './sheet-rows.mjs'

process.setMaxListeners(0)
const now = () => performance.timeOrigin + performance.now()

process.once('message', async ({ protocol, url, cookie, clients: plan, rate, seconds }) => {
  const latencies = []
  const cross = []
  let sent = 0
  const clients = []
  // Connect in small waves: a thousand simultaneous handshakes measure the accept queue, not the server.
  for (let i = 0; i < plan.length; i += 50) {
    const wave = plan.slice(i, i + 50).map(async ({ room, writes, presence, url: own, node = 0 }, j) => {
      const client = await openClient({ protocol, url: own ?? url, room, cookie, presence })
      observeStamps(client.doc, (id, sentAt) => (id.endsWith(`@${node}`) ? latencies : cross).push(now() - sentAt))
      const id = `${room}:${i + j}:${process.pid}@${node}`
      return { ...client, ...(writes ? addRow(client.doc, id) : {}), writes, sent: 0 }
    })
    clients.push(...(await Promise.all(wave)))
  }
  process.send({ ready: true })
  await new Promise((r) => process.once('message', r))
  const writers = clients.filter((c) => c.writes)
  const timers = writers.map((client, i) =>
    setTimeout(
      () => {
        client.timer = setInterval(() => {
          client.doc.transact(() => {
            client.text.insert(0, 'x')
            client.row.set('stamp', now())
          })
          client.sent++
          sent++
        }, 1000 / rate)
      },
      (i * 1000) / rate / writers.length,
    ),
  )
  await new Promise((r) => setTimeout(r, seconds * 1000))
  for (const t of timers) clearTimeout(t)
  for (const client of writers) clearInterval(client.timer)
  await new Promise((r) => setTimeout(r, 1500))
  for (const client of clients) client.close()
  // Exit only once the answer is written: a large one still queued when the process exits is lost.
  const answer = { sent, sentEach: Int32Array.from(clients, (c) => c.sent), latencies: Float64Array.from(latencies), cross: Float64Array.from(cross) }
  process.send(answer, () => process.exit(0))
})
process.send({ listening: true })
