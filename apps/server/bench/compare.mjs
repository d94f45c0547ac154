// The same load against Hoshin and the reference y-websocket server (@y/websocket-server 0.1.1, in-memory),
// from worker processes of stock y-websocket clients. Prints one table and writes bench/RESULTS.md.
//
//   npm run bench:compare                           (20 rooms × 10 clients, 1 edit/s each, 10 s)
//   ROOMS=150 CLIENTS=10 RATE=1 SECONDS=20 WORKERS=4 npm run bench:compare     (the "office" scenario)
//   ROOMS=1 CLIENTS=1500 … (the "broadcast" shape needs a writer/readers split: not yet here)
import { fork, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOMS = Number(process.env.ROOMS ?? 20)
const CLIENTS = Number(process.env.CLIENTS ?? 10)
const RATE = Number(process.env.RATE ?? 1)
const SECONDS = Number(process.env.SECONDS ?? 10)
const WORKERS = Number(process.env.WORKERS ?? 2)
const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, '..', 'dist')

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

function procStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return {
    cpu: (Number(fields[11]) + Number(fields[12])) / 100,
    rss: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024,
  }
}

function waitFor(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (pattern.test(out)) resolve()
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}

async function hoshin() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-compare-'))
  const { loadConfig } = await import(path.join(dist, 'env.js'))
  const { openServices } = await import(path.join(dist, 'server.js'))
  const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))
  const Y = await import('yjs')
  const { services, db } = await openServices({ ...loadConfig({ HOSHIN_DATA_DIR: dataDir }), logLevel: 'silent' })
  await seedDemo(services)
  const rooms = []
  for (let i = 0; i < ROOMS; i++) {
    const record = await services.stores.sheets.create({ departmentId: 'somu', fiscalYear: 3000 + i, state: Y.encodeStateAsUpdate(new Y.Doc()) })
    rooms.push(record.id)
  }
  await db.close()
  const port = await freePort()
  const child = spawn(process.execPath, [...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE] : []), path.join(dist, 'main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await waitFor(child, /Hoshin: http/)
  const url = `http://127.0.0.1:${port}`
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username: 'somu', password: 'hoshin-demo' }),
  })
  const cookie = res.headers.getSetCookie()[0].split(';')[0]
  return { name: 'Hoshin (SQLite, durable ≤ 20 ms)', child, url: `ws://127.0.0.1:${port}/collab`, rooms, cookie, cleanup: () => rm(dataDir, { recursive: true, force: true }) }
}

async function yWebsocketServer() {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(here, '..', 'node_modules', '@y', 'websocket-server', 'src', 'server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await waitFor(child, /running at/)
  const rooms = Array.from({ length: ROOMS }, (_, i) => `room-${i}`)
  return { name: 'y-websocket-server 0.1.1 (in memory)', child, url: `ws://127.0.0.1:${port}`, rooms, cookie: null, cleanup: async () => undefined }
}

async function run(target) {
  const perWorker = Math.ceil(target.rooms.length / WORKERS)
  const workers = []
  for (let w = 0; w < WORKERS; w++) {
    const rooms = target.rooms.slice(w * perWorker, (w + 1) * perWorker)
    if (!rooms.length) continue
    const worker = fork(path.join(here, 'client-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    worker.send({ url: target.url, rooms, clientsPerRoom: CLIENTS, rate: RATE, seconds: SECONDS, cookie: target.cookie })
    workers.push(worker)
  }
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))))
  const before = procStat(target.child.pid)
  let peak = before.rss
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStat(target.child.pid).rss)
  }, 200)
  const results = workers.map((w) => new Promise((r) => w.once('message', r)))
  for (const w of workers) w.send('go')
  const all = await Promise.all(results)
  clearInterval(sampler)
  const after = procStat(target.child.pid)
  const latencies = all.flatMap((r) => r.latencies).sort((a, b) => a - b)
  const sent = all.reduce((s, r) => s + r.sent, 0)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN
  target.child.kill('SIGTERM')
  await new Promise((r) => target.child.on('exit', r))
  await target.cleanup()
  const cpu = after.cpu - before.cpu
  return {
    name: target.name,
    sentPerSecond: sent / SECONDS,
    deliveries: latencies.length,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    cpuPerDelivery: (cpu / latencies.length) * 1e6,
    peakRss: peak / 2 ** 20,
  }
}

const rows = []
for (const make of [hoshin, yWebsocketServer]) rows.push(await run(await make()))
const [h, y] = rows
const header = `${ROOMS} rooms × ${CLIENTS} clients, ${RATE} edit/s each, ${SECONDS} s, ${WORKERS} client processes; ${cpus().length} cores (${cpus()[0]?.model ?? ''})`
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–')
const lines = [
  `| | ${rows.map((r) => r.name).join(' | ')} | Hoshin / reference |`,
  '|---|---|---|---|',
  `| updates/s sent | ${rows.map((r) => fmt(r.sentPerSecond, 0)).join(' | ')} | |`,
  `| deliveries | ${rows.map((r) => r.deliveries).join(' | ')} | |`,
  `| latency p50 ms | ${rows.map((r) => fmt(r.p50)).join(' | ')} | ${fmt(h.p50 / y.p50, 2)} |`,
  `| latency p95 ms | ${rows.map((r) => fmt(r.p95)).join(' | ')} | ${fmt(h.p95 / y.p95, 2)} |`,
  `| latency p99 ms | ${rows.map((r) => fmt(r.p99)).join(' | ')} | ${fmt(h.p99 / y.p99, 2)} |`,
  `| server CPU µs per delivery | ${rows.map((r) => fmt(r.cpuPerDelivery)).join(' | ')} | ${fmt(h.cpuPerDelivery / y.cpuPerDelivery, 2)} |`,
  `| server peak RSS MiB | ${rows.map((r) => fmt(r.peakRss, 0)).join(' | ')} | ${fmt(h.peakRss / y.peakRss, 2)} |`,
]
console.log(header)
console.log(lines.join('\n'))
writeFileSync(
  path.join(here, 'RESULTS.md'),
  `# Benchmark results\n\nMeasured with \`npm run bench:compare\` on ${new Date().toISOString().slice(0, 10)}.\n\n${header}\n\n${lines.join('\n')}\n\nHocuspocus and the broadcast, cold-open and growth scenarios are not measured yet.\n`,
)
