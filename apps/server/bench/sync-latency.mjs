// Update propagation benchmark: N sheets × M stock y-websocket clients typing through the real server
// (its own process, a real SQLite file, persistence on). Prints latency from one client's edit to its
// arrival at every other client of the sheet, throughput, and the server's CPU time and peak RSS.
//
//   npm run bench                      (10 sheets × 10 clients, 5 edits/s each, 10 s)
//   SHEETS=20 CLIENTS=10 RATE=2 SECONDS=20 npm run bench
//   PROFILE=/tmp/prof npm run bench    (writes the server's CPU profile there)
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { addRow, observeStamps } from './sheet-rows.mjs'

const OFFICE_IN_ONE_ACCOUNT = { HOSHIN_MAX_SOCKETS_PER_USER: '100000', HOSHIN_MAX_SOCKETS: '100000', HOSHIN_SOCKET_MESSAGES_PER_SECOND: '100000' }

const SHEETS = Number(process.env.SHEETS ?? 10)
const CLIENTS = Number(process.env.CLIENTS ?? 10)
const RATE = Number(process.env.RATE ?? 5) // edits per second per client
const SECONDS = Number(process.env.SECONDS ?? 10)

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, '..', 'dist')
process.setMaxListeners(0)

const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-bench-'))

// 1. A database with the demo town and SHEETS sheets (fiscal years 2025, 2026, …) to type into.
const { loadConfig } = await import(path.join(dist, 'env.js'))
const { openServices } = await import(path.join(dist, 'server.js'))
const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))
const { sheetToDoc } = await import('@hoshin/sheet')
const { kikakuZaisei2025 } = await import('@hoshin/sheet/demo')
{
  const { services, db } = await openServices({ ...loadConfig({ HOSHIN_DATA_DIR: dataDir }), logLevel: 'silent' })
  await seedDemo(services)
  for (let i = 1; i < SHEETS; i++) {
    const doc = sheetToDoc({ ...kikakuZaisei2025, fiscalYear: 2025 + i })
    await services.stores.sheets.create({ departmentId: 'kikaku-zaisei', fiscalYear: 2025 + i, state: Y.encodeStateAsUpdate(doc) })
  }
  await db.close()
}

// 2. The server, as `npm start` runs it.
const server = spawn(process.execPath, [...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE] : []), path.join(dist, 'main.js')], {
  // One account stands for a whole office here: the per-person socket and message limits are lifted.
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...OFFICE_IN_ONE_ACCOUNT },
  stdio: ['ignore', 'pipe', 'inherit'],
})
const url = await new Promise((resolve, reject) => {
  let out = ''
  server.stdout.on('data', (chunk) => {
    out += chunk
    const match = /Hoshin: (http:\/\/\S+)/.exec(out)
    if (match) resolve(match[1].replace('localhost', '127.0.0.1'))
  })
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)))
})

function procStat(pid) {
  const ticks = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const cpuSeconds = (Number(ticks[11]) + Number(ticks[12])) / 100 // utime + stime, USER_HZ = 100
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024
  return { cpuSeconds, rss }
}

async function login(username) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password: 'hoshin-demo' }),
  })
  return res.headers.getSetCookie()[0].split(';')[0]
}

const cookie = await login('kikaku')
const sheets = (await (await fetch(`${url}/api/sheets`, { headers: { cookie } })).json()).sheets
  .filter((s) => s.department.id === 'kikaku-zaisei')
  .slice(0, SHEETS)

class CookieWebSocket extends WebSocket {
  constructor(address, protocols) {
    super(address, protocols, { headers: { cookie } })
  }
}

// 3. The clients: each edit inserts a character into a shared cell and stamps the send time.
const latencies = []
let sent = 0
const clients = []
for (const sheet of sheets) {
  for (let c = 0; c < CLIENTS; c++) {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(`${url.replace('http', 'ws')}/collab`, sheet.id, doc, {
      WebSocketPolyfill: CookieWebSocket,
      disableBc: true,
      // The document layout these clients write (SPEC [S19]); without it a socket may only read.
      params: { layout: '2' },
    })
    // Hoshin's own message (sent to read-only connections only): these editors never get one.
    provider.messageHandlers[100] = () => undefined
    // Each client types into a row of its own in the sheet's 課題 list (the server takes changes only
    // under the sheet's root types) and stamps the row with the send time.
    observeStamps(doc, (_row, sentAt) => latencies.push(performance.now() - sentAt))
    clients.push({ doc, provider, id: `bench-${sheet.id}-${c}` })
  }
}
await Promise.all(clients.map(({ provider }) => new Promise((r) => (provider.synced ? r() : provider.once('synced', r)))))

for (const client of clients) Object.assign(client, addRow(client.doc, client.id))
// Every row has reached every client of its sheet before the timing starts.
await new Promise((r) => setTimeout(r, 1000))
const before = procStat(server.pid)
let peakRss = before.rss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, procStat(server.pid).rss)
}, 200)
const start = performance.now()
const timers = clients.map((client, i) =>
  setTimeout(() => {
    client.timer = setInterval(() => {
      client.doc.transact(() => {
        client.text.insert(0, 'あ')
        client.row.set('stamp', performance.now())
      })
      sent++
    }, 1000 / RATE)
  }, (i * 1000) / RATE / clients.length),
)
await new Promise((r) => setTimeout(r, SECONDS * 1000))
for (const t of timers) clearTimeout(t)
for (const client of clients) clearInterval(client.timer)
const elapsed = (performance.now() - start) / 1000
await new Promise((r) => setTimeout(r, 500)) // let the last updates arrive
clearInterval(sampler)
const after = procStat(server.pid)

latencies.sort((a, b) => a - b)
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1)
const deliveries = latencies.length
const cpu = after.cpuSeconds - before.cpuSeconds
console.log(`Hoshin sync benchmark: ${SHEETS} sheets × ${CLIENTS} clients, ${RATE} edits/s each, ${SECONDS} s, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'})`)
console.log(`  updates sent           ${sent} (${(sent / elapsed).toFixed(0)}/s)`)
console.log(`  deliveries             ${deliveries} (${(deliveries / elapsed).toFixed(0)}/s)`)
console.log(`  latency p50/p95/p99    ${pct(50)} / ${pct(95)} / ${pct(99)} ms   (max ${latencies.at(-1)?.toFixed(1)} ms)`)
console.log(`  server CPU             ${cpu.toFixed(2)} s (${((cpu / deliveries) * 1e6).toFixed(1)} µs per delivery)`)
console.log(`  server RSS             ${(before.rss / 2 ** 20).toFixed(0)} MiB idle after load, ${(peakRss / 2 ** 20).toFixed(0)} MiB peak`)

for (const { provider, doc } of clients) {
  provider.awareness.destroy()
  provider.destroy()
  doc.destroy()
}
server.kill('SIGTERM')
await new Promise((r) => server.on('exit', r))
await rm(dataDir, { recursive: true, force: true })
