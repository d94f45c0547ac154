// One load-generator process of compare.mjs: real clients of the server under test (stock y-websocket
// providers for Hoshin and the reference y-websocket server, @hocuspocus/provider for Hocuspocus, whose
// protocol differs) that type and time each edit from its sender to its arrival at every other client of
// the same room. The clock is shared across processes: performance.timeOrigin + performance.now().
//
// The process says { listening } first (a message sent before its listener exists would be lost while its
// imports load), then takes { protocol, url, cookie, clients: [{ room, writes, presence }], rate, seconds },
// answers { ready } once every client has synced, waits for 'go', types for `seconds`, then answers
// { sent, latencies } and exits.
import { openClient } from './clients.mjs'

process.setMaxListeners(0)
const now = () => performance.timeOrigin + performance.now()

process.once('message', async ({ protocol, url, cookie, clients: plan, rate, seconds }) => {
  const latencies = []
  let sent = 0
  const clients = []
  // Connect in small waves: a thousand simultaneous handshakes measure the accept queue, not the server.
  for (let i = 0; i < plan.length; i += 50) {
    const wave = plan.slice(i, i + 50).map(async ({ room, writes, presence }, j) => {
      const client = await openClient({ protocol, url, room, cookie, presence })
      const stamps = client.doc.getMap('stamps')
      stamps.observe((event) => {
        if (event.transaction.local) return
        const t = now()
        for (const key of event.keysChanged) latencies.push(t - stamps.get(key))
      })
      return { ...client, stamps, writes, id: `${room}:${i + j}:${process.pid}` }
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
            client.doc.getText('bench').insert(0, 'x')
            client.stamps.set(client.id, now())
          })
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
  process.send({ sent, latencies: Float64Array.from(latencies) }, () => process.exit(0))
})
process.send({ listening: true })
