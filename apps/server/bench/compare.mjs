// Hoshin against the reference servers, same scenarios, same load generator, same run:
//   - Hoshin: its real server process, SQLite, every update durable within 20 ms (persistence on);
//   - y-websocket-server 0.1.1 (later versions are built for Yjs 14), its default in-memory mode;
//   - Hocuspocus 3.4 with its SQLite extension, stores debounced to 100 ms (every update durable within
//     100 ms), clients through @hocuspocus/provider since its protocol differs.
// Each scenario starts each server afresh. Prints one table per scenario and writes bench/RESULTS.md.
//
//   npm run bench:compare
//   SCENARIOS=office,broadcast TARGETS=hoshin,hocuspocus npm run bench:compare
//   SCALE=0.1 npm run bench:compare          (a tenth of every count: a quick check that it all runs)
//   PROFILE=/tmp/prof npm run bench:compare  (the Hoshin server's --cpu-prof goes there)
//
// Scenarios (the issue's numbering):
//   office     150 sheets × 10 editors, one small edit per editor per second (1,500 updates/s in)
//   broadcast  1 writer (5 edits/s) and 1,500 readers of one sheet
//   cold       a sheet with 10,000 edits of history: connect → synced, from a fresh client, 20 times
//   growth     100,000 edits into one sheet: database growth versus the document's encoded size
import { fork, spawn } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { openClient } from './clients.mjs'

const OFFICE_IN_ONE_ACCOUNT = { HOSHIN_MAX_SOCKETS_PER_USER: '100000', HOSHIN_MAX_SOCKETS: '100000', HOSHIN_SOCKET_MESSAGES_PER_SECOND: '100000' }

const SCALE = Number(process.env.SCALE ?? 1)
const scaled = (n) => Math.max(1, Math.round(n * SCALE))
const SECONDS = Number(process.env.SECONDS ?? 20)
const WORKERS = Number(process.env.WORKERS ?? 2)
const SCENARIOS = (process.env.SCENARIOS ?? 'office,broadcast,cold,growth').split(',')
const TARGETS = (process.env.TARGETS ?? 'hoshin,yws,hocuspocus').split(',')
const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, '..', 'dist')
process.setMaxListeners(0)

// ---------------------------------------------------------------------------------------------------
// The servers under test, each in its own process so that its CPU time and RSS can be read from /proc.

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

function spawnServer(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (ready.test(out)) {
        // From now on the server's warnings and errors are the benchmark's too.
        child.stdout.removeAllListeners('data')
        child.stdout.pipe(process.stderr)
        resolve(child)
      }
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })

const fileBytes = (file) => [file, `${file}-wal`].reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0)

const targets = {
  async hoshin(roomCount) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-compare-'))
    const { loadConfig } = await import(path.join(dist, 'env.js'))
    const { openServices } = await import(path.join(dist, 'server.js'))
    const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))
    const config = loadConfig({ HOSHIN_DATA_DIR: dataDir })
    const { services, db } = await openServices({ ...config, logLevel: 'silent' })
    await seedDemo(services)
    const rooms = []
    for (let i = 0; i < roomCount; i++) {
      const record = await services.stores.sheets.create({ departmentId: 'somu', fiscalYear: 2040 + i, state: Y.encodeStateAsUpdate(new Y.Doc()) })
      rooms.push(record.id)
    }
    await db.close()
    const database = config.databaseFile
    const sizeBefore = fileBytes(database)
    const port = await freePort()
    const profile = process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE] : []
    const child = await spawnServer(
      [...profile, path.join(dist, 'main.js')],
      // One account stands for every simulated person: the per-person socket and message limits are lifted.
      { PORT: String(port), HOST: '127.0.0.1', HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...OFFICE_IN_ONE_ACCOUNT },
      /Hoshin: http/,
    )
    const url = `http://127.0.0.1:${port}`
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ username: 'somu', password: 'hoshin-demo' }),
    })
    const cookie = res.headers.getSetCookie()[0].split(';')[0]
    return {
      protocol: 'y-websocket',
      child,
      url: `ws://127.0.0.1:${port}/collab`,
      rooms,
      cookie,
      databaseGrowth: () => fileBytes(database) - sizeBefore,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    }
  },

  async yws(roomCount) {
    const port = await freePort()
    const child = await spawnServer(
      [path.join(here, '..', 'node_modules', '@y', 'websocket-server', 'src', 'server.js')],
      { PORT: String(port), HOST: '127.0.0.1' },
      /running at/,
    )
    return {
      protocol: 'y-websocket',
      child,
      url: `ws://127.0.0.1:${port}`,
      rooms: Array.from({ length: roomCount }, (_, i) => `room-${i}`),
      cookie: null,
      inMemory: true,
      databaseGrowth: () => Number.NaN,
      cleanup: async () => undefined,
    }
  },

  async hocuspocus(roomCount) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hocuspocus-compare-'))
    const database = path.join(dataDir, 'hocuspocus.sqlite')
    const port = await freePort()
    const child = await spawnServer([path.join(here, 'hocuspocus-server.mjs')], { PORT: String(port), DATABASE: database, STORE_MS: '100' }, /running at/)
    return {
      protocol: 'hocuspocus',
      child,
      url: `ws://127.0.0.1:${port}`,
      rooms: Array.from({ length: roomCount }, (_, i) => `room-${i}`),
      cookie: null,
      databaseGrowth: () => fileBytes(database),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    }
  },
}

const names = {
  hoshin: 'Hoshin (SQLite, durable ≤ 20 ms)',
  yws: 'y-websocket-server 0.1.1 (in memory)',
  hocuspocus: 'Hocuspocus 3.4 (SQLite, durable ≤ 100 ms)',
}

// ---------------------------------------------------------------------------------------------------
// Scenarios. Each returns { figure: value } for one target.

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/** Typing load from worker processes: `plan` lists each client's room, and whether it writes. */
async function typing(target, plan, rate, seconds) {
  const workers = []
  const share = Math.ceil(plan.length / WORKERS)
  for (let w = 0; w < WORKERS; w++) {
    const clients = plan.slice(w * share, (w + 1) * share)
    if (!clients.length) continue
    const worker = fork(path.join(here, 'client-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    worker.on('exit', (code) => {
      if (code !== 0) throw new Error(`load generator exited with ${code}`)
    })
    workers.push({ worker, clients })
  }
  const next = ({ worker }) => new Promise((r) => worker.once('message', r))
  await Promise.all(workers.map(next))
  for (const { worker, clients } of workers) worker.send({ protocol: target.protocol, url: target.url, cookie: target.cookie, clients, rate, seconds })
  await Promise.all(workers.map(next))
  const before = procStat(target.child.pid)
  let peak = before.rss
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStat(target.child.pid).rss)
  }, 200)
  const results = workers.map(next)
  for (const { worker } of workers) worker.send('go')
  const all = await Promise.all(results)
  clearInterval(sampler)
  const after = procStat(target.child.pid)
  const latencies = new Float64Array(all.reduce((n, r) => n + r.latencies.length, 0))
  let offset = 0
  for (const r of all) {
    latencies.set(r.latencies, offset)
    offset += r.latencies.length
  }
  latencies.sort()
  const sent = all.reduce((s, r) => s + r.sent, 0)
  const receivers = plan.filter((c) => c.room === plan[0].room).length - 1
  return {
    'updates/s in': sent / seconds,
    'deliveries/s': latencies.length / seconds,
    'deliveries missing %': (100 * (sent * receivers - latencies.length)) / (sent * receivers),
    'latency p50 ms': percentile(latencies, 50),
    'latency p95 ms': percentile(latencies, 95),
    'latency p99 ms': percentile(latencies, 99),
    'server CPU µs per update per receiver': ((after.cpu - before.cpu) / latencies.length) * 1e6,
    'server peak RSS MiB': peak / 2 ** 20,
  }
}

function office(target) {
  const plan = target.rooms.flatMap((room) => Array.from({ length: 10 }, () => ({ room, writes: true, presence: true })))
  return typing(target, plan, 1, SECONDS)
}

function broadcast(target) {
  const room = target.rooms[0]
  const plan = [{ room, writes: true, presence: true }, ...Array.from({ length: scaled(1500) }, () => ({ room, writes: false, presence: false }))]
  return typing(target, plan, 5, SECONDS)
}

/** Types `edits` separate edits (seeded: inserts at random places, every fourth a deletion) from one client. */
async function type(target, room, edits) {
  const writer = await openClient({ protocol: target.protocol, url: target.url, room, cookie: target.cookie })
  const checker = await openClient({ protocol: target.protocol, url: target.url, room, cookie: target.cookie })
  const text = writer.doc.getText('history')
  let seed = 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const started = performance.now()
  for (let i = 0; i < edits; i++) {
    if (i % 4 === 3 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
    else text.insert(Math.floor(random() * (text.length + 1)), 'あいうえおかきくけこ'[i % 10])
    if (i % 200 === 199) await new Promise((r) => setImmediate(r))
  }
  // Every edit has gone through the server once the checker (a second client) holds the same text.
  const expected = text.toString()
  const checked = checker.doc.getText('history')
  while (checked.toString() !== expected) await new Promise((r) => setTimeout(r, 20))
  const seconds = (performance.now() - started) / 1000
  const documentBytes = Y.encodeStateAsUpdate(writer.doc).byteLength
  return { writer, checker, expected, seconds, documentBytes }
}

async function cold(target) {
  const room = target.rooms[0]
  const { writer, checker, expected } = await type(target, room, scaled(10_000))
  // The in-memory reference forgets a document nobody holds: keep it open there (its "cold" open is warm).
  if (!target.inMemory) checker.close()
  writer.close()
  await new Promise((r) => setTimeout(r, 1000))
  const times = []
  for (let i = 0; i < 20; i++) {
    const started = performance.now()
    const client = await openClient({ protocol: target.protocol, url: target.url, room, cookie: target.cookie, presence: false })
    times.push(performance.now() - started)
    const got = client.doc.getText('history').toString()
    client.close()
    if (got !== expected) throw new Error(`cold open: ${got.length} characters, expected ${expected.length}`)
    await new Promise((r) => setTimeout(r, 300))
  }
  if (target.inMemory) checker.close()
  times.sort((a, b) => a - b)
  return { 'connect → synced p50 ms': percentile(times, 50), 'connect → synced max ms': times.at(-1) }
}

async function growth(target) {
  const room = target.rooms[0]
  const before = procStat(target.child.pid)
  const { writer, checker, seconds, documentBytes } = await type(target, room, scaled(100_000))
  const cpu = procStat(target.child.pid).cpu - before.cpu
  writer.close()
  checker.close()
  await new Promise((r) => setTimeout(r, 1000))
  await stop(target.child)
  const databaseBytes = target.databaseGrowth()
  return {
    'edits/s accepted': scaled(100_000) / seconds,
    'server CPU µs per edit': (cpu / scaled(100_000)) * 1e6,
    'document KiB': documentBytes / 1024,
    'database growth KiB': databaseBytes / 1024,
    'database / document': databaseBytes / documentBytes,
  }
}

const scenarios = {
  office: { title: `(1) office: ${scaled(150)} sheets × 10 editors, 1 edit/s each, ${SECONDS} s`, rooms: scaled(150), run: office },
  broadcast: { title: `(2) broadcast: 1 writer at 5 edits/s, ${scaled(1500)} readers of one sheet, ${SECONDS} s`, rooms: 1, run: broadcast },
  cold: { title: `(3) cold open: a sheet with ${scaled(10_000)} edits of history, connect → synced (20 opens)`, rooms: 1, run: cold },
  growth: { title: `(4) growth: ${scaled(100_000)} edits into one sheet`, rooms: 1, run: growth },
}

// ---------------------------------------------------------------------------------------------------

const fmt = (n) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(Math.abs(n) >= 10 ? 1 : 2)) : '–')
const sections = []
for (const key of SCENARIOS) {
  const scenario = scenarios[key]
  const results = {}
  for (const name of TARGETS) {
    process.stderr.write(`${scenario.title}: ${names[name]}…\n`)
    const target = await targets[name](scenario.rooms)
    try {
      results[name] = await scenario.run(target)
    } catch (error) {
      process.stderr.write(`  failed: ${error.message}\n`)
      results[name] = { error: error.message }
    } finally {
      await stop(target.child)
      await target.cleanup()
    }
  }
  const figures = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))]
  const others = TARGETS.filter((t) => t !== 'hoshin')
  const hasHoshin = TARGETS.includes('hoshin')
  const head = `| | ${TARGETS.map((t) => names[t]).join(' | ')} |${hasHoshin ? others.map((o) => ` Hoshin / ${o} |`).join('') : ''}`
  const rule = `|---|${TARGETS.map(() => '---:|').join('')}${hasHoshin ? others.map(() => '---:|').join('') : ''}`
  const rows = figures.map((figure) => {
    const cells = TARGETS.map((t) => (figure === 'error' ? (results[t].error ?? '') : fmt(results[t][figure])))
    const ratios = hasHoshin ? others.map((o) => fmt(results.hoshin[figure] / results[o][figure])) : []
    return `| ${figure} | ${cells.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`
  })
  const table = [`### ${scenario.title}`, '', head, rule, ...rows].join('\n')
  console.log(`\n${table}`)
  sections.push(table)
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.versions.node}; load generator: ${WORKERS} worker processes on the same machine`
console.log(`\n${machine}`)
if (!process.env.NO_WRITE) {
  writeFileSync(
    path.join(here, 'RESULTS.md'),
    `# Benchmark results\n\nMeasured with \`npm run bench:compare\` on ${new Date().toISOString().slice(0, 10)}${SCALE === 1 ? '' : ` at SCALE=${SCALE}`}.\n${machine}.\n\n${sections.join('\n\n')}\n`,
  )
}
// A scenario that failed may leave its clients open; the figures are out, so end here.
process.exit(0)
