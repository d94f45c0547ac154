// Hoshin against the reference servers, same scenarios, same load generator, same run:
//   - Hoshin: its real server process, SQLite, every update durable within 20 ms (persistence on);
//   - y-websocket-server 0.1.1 (later versions are built for Yjs 14), its default in-memory mode;
//   - Hocuspocus 3.4 with its SQLite extension, stores debounced to 100 ms (every update durable within
//     100 ms), clients through @hocuspocus/provider since its protocol differs.
// Each scenario starts each server afresh. Prints one table per scenario and writes bench/RESULTS.md.
// Every client types into a row of its own in the sheet's `issues` list (sheet-rows.mjs), the same edits
// for every server: Hoshin's takes changes only in a sheet's shape.
//
//   npm run bench:compare
//   SCENARIOS=office,broadcast TARGETS=hoshin,hocuspocus npm run bench:compare
//   SCALE=0.1 npm run bench:compare          (a tenth of every count: a quick check that it all runs)
//   SCENARIOS=cluster npm run bench:compare  (its own targets: hoshin-cluster, hoshin, hocuspocus-redis;
//                                            TARGETS, when set, narrows them)
//   PROFILE=/tmp/prof npm run bench:compare  (the Hoshin server's --cpu-prof goes there)
//
// Scenarios (the issue's numbering):
//   office     150 sheets × 10 editors, one small edit per editor per second (1,500 updates/s in)
//   broadcast  1 writer (5 edits/s) and 1,500 readers of one sheet
//   cold       a sheet with 10,000 edits of history: connect → synced, from a fresh client, 20 times
//   growth     100,000 edits into one sheet: database growth versus the document's encoded size
//   cluster    (issue 17) the office load spread over 3 server processes: Hoshin ×3 sharing through
//              PostgreSQL + Redis, beside Hoshin ×1 on SQLite and Hocuspocus ×3 with its Redis extension;
//              an edit made on one process timed to its arrival on the others' clients (cross-process) and
//              on its own (same-process). It needs PostgreSQL (BENCH_POSTGRES_URL, default
//              postgres://postgres@127.0.0.1:5432/test: a database of its own is created there and dropped
//              after) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379: a key prefix of its own,
//              its keys deleted after).
import { fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createClient as createRedisClient } from 'redis'
import * as Y from 'yjs'
import { openClient } from './clients.mjs'
import { addRow, rowText } from './sheet-rows.mjs'

const OFFICE_IN_ONE_ACCOUNT = { HOSHIN_MAX_SOCKETS_PER_USER: '100000', HOSHIN_MAX_SOCKETS: '100000', HOSHIN_SOCKET_MESSAGES_PER_SECOND: '100000' }

const SCALE = Number(process.env.SCALE ?? 1)
const scaled = (n) => Math.max(1, Math.round(n * SCALE))
const SECONDS = Number(process.env.SECONDS ?? 20)
const WORKERS = Number(process.env.WORKERS ?? 2)
const SCENARIOS = (process.env.SCENARIOS ?? 'office,broadcast,cold,growth,cluster').split(',')
const TARGETS = (process.env.TARGETS ?? 'hoshin,yws,hocuspocus').split(',')
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
/** Server processes of the cluster scenario's multi-process targets. */
const PROCESSES = 3
/** How long an edit on one process may take to reach a client of another before the cluster is called unshared. */
const PROBE_MS = 10_000
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

/** CPU seconds and RSS of a process, or undefined where it is gone (or not ours to read). */
function procCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}
function procRss(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024
  } catch {
    return undefined
  }
}

/** CPU seconds of a process's main thread alone (the JavaScript; the rest is libuv's pool, V8's helpers, I/O). */
function procMainCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

function procStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return {
    cpu: (Number(fields[11]) + Number(fields[12])) / 100,
    rss: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024,
  }
}

// Whatever a run leaves must go even when it fails or is interrupted: every child process is tracked (killed
// when this process exits, however it exits) and every target's cleanup stays registered until it has run.
const children = new Set()
const cleanups = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
/** Set once the run is being abandoned: no further target starts (the main loop waits for the exit). */
let aborting = false
async function emergency(why) {
  if (aborting) return
  aborting = true
  process.stderr.write(`${why}; cleaning up\n`)
  for (const child of children) child.kill('SIGKILL')
  // A target still setting up may register its cleanup meanwhile: run until none is left.
  while (cleanups.size) {
    for (const cleanup of [...cleanups]) await cleanup().catch((error) => process.stderr.write(`  cleanup: ${error.message}\n`))
  }
  process.exit(1)
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => emergency(signal))
process.once('uncaughtException', (error) => emergency(`uncaught: ${error.stack ?? error}`))
process.once('unhandledRejection', (error) => emergency(`unhandled: ${error?.stack ?? error}`))
const track = (child) => {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Runs `steps` (last pushed first) once, whatever happens; registered until then. */
function cleanupList() {
  const steps = []
  let done
  const run = () =>
    (done ??= (async () => {
      for (const step of steps.reverse()) await step().catch((error) => process.stderr.write(`  cleanup: ${error.message}\n`))
      cleanups.delete(run)
    })())
  cleanups.add(run)
  return { push: (step) => steps.push(step), run }
}

/** Starts a server process; resolves once its output matches `ready`. `into` gets it at once (for cleanup). */
function spawnServer(args, env, ready, into = []) {
  const child = track(spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }))
  into.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    // A server that neither starts nor fails within a minute is stopped, and the target fails.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start within 60 s: ${out}`))
    }, 60_000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (ready.test(out)) {
        clearTimeout(timer)
        // From now on the server's warnings and errors are the benchmark's too.
        child.stdout.removeAllListeners('data')
        child.stdout.pipe(process.stderr)
        resolve(child)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited ${code}: ${out}`))
    })
  })
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    // A server that does not stop within 15 s is killed: the next target must not find it still running.
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })

/** A server's processes: several for the cluster targets, one otherwise. */
const processesOf = (target) => target.children ?? [target.child]

async function postgresAdmin(work) {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function redisAdmin(work) {
  const client = createRedisClient({ url: REDIS_URL })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.close()
  }
}

const deleteRedisKeys = (pattern) =>
  redisAdmin(async (client) => {
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) if (keys.length) await client.del(keys)
  })

async function login(url) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username: 'somu', password: 'hoshin-demo' }),
  })
  if (!res.ok) throw new Error(`login on ${url}: HTTP ${res.status}`)
  return res.headers.getSetCookie()[0].split(';')[0]
}

/** The bench rooms: sheets of the demo department, one fiscal year each, empty documents. */
async function createRooms(services, roomCount) {
  const rooms = []
  for (let i = 0; i < roomCount; i++) {
    const record = await services.stores.sheets.create({ departmentId: 'somu', fiscalYear: 2040 + i, state: Y.encodeStateAsUpdate(new Y.Doc()) })
    rooms.push(record.id)
  }
  return rooms
}

const profileArgs = () => (process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE] : [])

const fileBytes = (file) => [file, `${file}-wal`].reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0)

const targets = {
  async hoshin(roomCount) {
    const cleanup = cleanupList()
    try {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-compare-'))
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }))
      const { loadConfig } = await import(path.join(dist, 'env.js'))
      const { openServices } = await import(path.join(dist, 'server.js'))
      const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))
      const config = loadConfig({ HOSHIN_DATA_DIR: dataDir })
      const { services, db } = await openServices({ ...config, logLevel: 'silent' })
      await seedDemo(services)
      const rooms = await createRooms(services, roomCount)
      await db.close()
      const database = config.databaseFile
      const sizeBefore = fileBytes(database)
      const port = await freePort()
      const child = await spawnServer(
        [...profileArgs(), path.join(dist, 'main.js')],
        // One account stands for every simulated person: the per-person socket and message limits are lifted.
        { PORT: String(port), HOST: '127.0.0.1', HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...OFFICE_IN_ONE_ACCOUNT },
        /Hoshin: http/,
      )
      cleanup.push(() => stop(child))
      const cookie = await login(`http://127.0.0.1:${port}`)
      return {
        protocol: 'y-websocket',
        child,
        url: `ws://127.0.0.1:${port}/collab`,
        rooms,
        cookie,
        databaseGrowth: () => fileBytes(database) - sizeBefore,
        cleanup: cleanup.run,
      }
    } catch (error) {
      await cleanup.run()
      throw error
    }
  },

  /**
   * Three Hoshin processes on one PostgreSQL database (its own, created for the run and dropped after),
   * sharing live updates through Redis (a key prefix of the run's own, its keys deleted after). The first
   * starts alone (it migrates and seeds, though the set-up here has done both), then the other two.
   */
  async 'hoshin-cluster'(roomCount) {
    const cleanup = cleanupList()
    try {
      const id = randomBytes(6).toString('hex')
      const database = `hoshin_bench_${id}`
      await postgresAdmin((client) => client.query(`CREATE DATABASE ${database}`))
      cleanup.push(() => postgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)))
      const databaseUrl = new URL(POSTGRES_URL)
      databaseUrl.pathname = `/${database}`
      const prefix = `hoshin-bench-${id}:`
      cleanup.push(() => deleteRedisKeys(`${prefix}*`))
      const root = await mkdtemp(path.join(tmpdir(), 'hoshin-cluster-'))
      cleanup.push(() => rm(root, { recursive: true, force: true }))
      const { loadConfig } = await import(path.join(dist, 'env.js'))
      const { openServices } = await import(path.join(dist, 'server.js'))
      const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))
      const config = loadConfig({ HOSHIN_DATA_DIR: path.join(root, 'setup'), HOSHIN_DATABASE_URL: databaseUrl.toString() })
      const { services, db } = await openServices({ ...config, logLevel: 'silent' })
      let rooms
      try {
        await seedDemo(services)
        rooms = await createRooms(services, roomCount)
      } finally {
        await db.close()
      }
      const processes = []
      cleanup.push(() => Promise.all(processes.map(stop)))
      const start = async (n) => {
        const port = await freePort()
        await spawnServer(
          [...profileArgs(), path.join(dist, 'main.js')],
          {
            PORT: String(port),
            HOST: '127.0.0.1',
            HOSHIN_DATA_DIR: path.join(root, `process-${n}`),
            HOSHIN_DATABASE_URL: databaseUrl.toString(),
            HOSHIN_REDIS_URL: REDIS_URL,
            HOSHIN_REDIS_PREFIX: prefix,
            LOG_LEVEL: 'warn',
            ...OFFICE_IN_ONE_ACCOUNT,
          },
          /Hoshin: http/,
          processes,
        )
        return port
      }
      const ports = [await start(0)]
      ports.push(...(await Promise.all(Array.from({ length: PROCESSES - 1 }, (_, i) => start(i + 1)))))
      // One login; the session is in the shared database, so the cookie holds on every process.
      const cookie = await login(`http://127.0.0.1:${ports[0]}`)
      const urls = ports.map((port) => `ws://127.0.0.1:${port}/collab`)
      return {
        protocol: 'y-websocket',
        children: processes,
        child: processes[0],
        url: urls[0],
        urls,
        rooms,
        cookie,
        backingPids: async () => ({
          'Redis server CPU': await redisPid(),
          'PostgreSQL CPU': await postgresAdmin(async (client) => (await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows.map((r) => r.pid)),
        }),
        sharing: 'does this server build read HOSHIN_REDIS_URL and HOSHIN_REDIS_PREFIX?',
        databaseGrowth: () => Number.NaN,
        cleanup: cleanup.run,
      }
    } catch (error) {
      await cleanup.run()
      throw error
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

  /** Three Hocuspocus instances sharing through Redis (@hocuspocus/extension-redis), documents in memory. */
  async 'hocuspocus-redis'(roomCount) {
    const cleanup = cleanupList()
    try {
      const prefix = `hocuspocus-bench-${randomBytes(6).toString('hex')}`
      cleanup.push(() => deleteRedisKeys(`${prefix}:*`))
      const processes = []
      cleanup.push(() => Promise.all(processes.map(stop)))
      const ports = await Promise.all(
        Array.from({ length: PROCESSES }, async () => {
          const port = await freePort()
          await spawnServer([path.join(here, 'hocuspocus-redis-server.mjs')], { PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix }, /running at/, processes)
          return port
        }),
      )
      const urls = ports.map((port) => `ws://127.0.0.1:${port}`)
      return {
        protocol: 'hocuspocus',
        children: processes,
        child: processes[0],
        url: urls[0],
        urls,
        rooms: Array.from({ length: roomCount }, (_, i) => `room-${i}`),
        cookie: null,
        inMemory: true,
        backingPids: async () => ({ 'Redis server CPU': await redisPid() }),
        databaseGrowth: () => Number.NaN,
        cleanup: cleanup.run,
      }
    } catch (error) {
      await cleanup.run()
      throw error
    }
  },
}

/** The Redis server's process (for its CPU time: it relays every cross-process update). */
const redisPid = () => redisAdmin(async (client) => [Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1])].filter(Boolean))

const names = {
  hoshin: 'Hoshin (SQLite, durable ≤ 20 ms)',
  yws: 'y-websocket-server 0.1.1 (in memory)',
  hocuspocus: 'Hocuspocus 3.4 (SQLite, durable ≤ 100 ms)',
  'hoshin-cluster': `Hoshin ×${PROCESSES} (PostgreSQL + Redis)`,
  'hocuspocus-redis': `Hocuspocus 3.4 ×${PROCESSES} (Redis, in memory)`,
}
/** Column heads of the ratios. */
const short = { hoshin: 'Hoshin', 'hoshin-cluster': `Hoshin ×${PROCESSES}`, 'hocuspocus-redis': `hocuspocus ×${PROCESSES}` }

// ---------------------------------------------------------------------------------------------------
// Scenarios. Each returns { figure: value } for one target.

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/**
 * Typing load from worker processes: `plan` lists each client's room, and whether it writes; with several
 * server processes, also its `url` and `node` (which process it is connected to). `cluster` reports
 * same-process and cross-process deliveries apart, and the CPU and RSS of every server process summed.
 */
async function typing(target, plan, rate, seconds, { cluster = false } = {}) {
  const workers = []
  let workerFailed
  const failed = new Promise((_, reject) => {
    workerFailed = reject
  })
  failed.catch(() => undefined)
  const share = Math.ceil(plan.length / WORKERS)
  for (let w = 0; w < WORKERS; w++) {
    const clients = plan.slice(w * share, (w + 1) * share)
    if (!clients.length) continue
    const worker = track(fork(path.join(here, 'client-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' }))
    worker.on('exit', (code) => {
      if (code !== 0) workerFailed(new Error(`load generator exited with ${code}`))
    })
    workers.push({ worker, clients })
  }
  /** Every worker's next message; a worker that dies, or takes longer than `ms`, fails the run. */
  const next = (ms, what) => {
    let timer
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from the load generators within ${Math.round(ms / 1000)} s`)), ms)
    })
    const answers = Promise.all(workers.map(({ worker }) => new Promise((r) => worker.once('message', r))))
    return Promise.race([answers, failed, timeout]).finally(() => clearTimeout(timer))
  }
  try {
    await next(30_000, 'start')
    // The servers' memory before any client: what the sheets and their clients add is measured from here.
    const idleRss = processesOf(target).reduce((sum, child) => sum + (procRss(child.pid) ?? 0), 0)
    const rooms = new Set(plan.map((c) => c.room)).size
    for (const { worker, clients } of workers) worker.send({ protocol: target.protocol, url: target.url, cookie: target.cookie, clients, rate, seconds })
    // Every client connects and syncs first; a server that never syncs some of them stops the run here.
    await next(60_000 + plan.length * 100, `${plan.length} clients connecting`)
    const processes = processesOf(target)
    const backing = cluster && target.backingPids ? await target.backingPids() : {}
    // PostgreSQL's and Redis's processes serve the cluster too: their CPU over the same window, apart.
    const backingBefore = Object.entries(backing).map(([name, pids]) => [name, pids.map((pid) => [pid, procCpu(pid)]).filter(([, c]) => c !== undefined)])
    const before = processes.map((child) => procStat(child.pid))
    const mainBefore = processes.map((child) => procMainCpu(child.pid))
    const rssNow = () => processes.reduce((sum, child) => sum + (procRss(child.pid) ?? 0), 0)
    let peak = rssNow()
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssNow())
    }, 200)
    const results = next((seconds + 120) * 1000, 'typing')
    for (const { worker } of workers) worker.send('go')
    const all = await results.finally(() => clearInterval(sampler))
    const cpu = processes.reduce((sum, child, i) => sum + procStat(child.pid).cpu - before[i].cpu, 0)
    const mainCpu = processes.reduce((sum, child, i) => sum + procMainCpu(child.pid) - mainBefore[i], 0)
    const gather = (key) => {
      const out = new Float64Array(all.reduce((n, r) => n + r[key].length, 0))
      let offset = 0
      for (const r of all) {
        out.set(r[key], offset)
        offset += r[key].length
      }
      return out.sort()
    }
    const same = gather('latencies')
    const cross = gather('cross')
    const sent = all.reduce((s, r) => s + r.sent, 0)
    // What should arrive: each writer's edits at every other client of its room, on its process or another.
    const nodesOf = new Map()
    for (const c of plan) nodesOf.set(c.room, [...(nodesOf.get(c.room) ?? []), c.node ?? 0])
    const sentEach = all.flatMap((r) => [...r.sentEach])
    let expectedSame = 0
    let expectedCross = 0
    plan.forEach((c, i) => {
      const nodes = nodesOf.get(c.room)
      const local = nodes.filter((n) => n === (c.node ?? 0)).length - 1
      expectedSame += sentEach[i] * local
      expectedCross += sentEach[i] * (nodes.length - 1 - local)
    })
    const deliveries = same.length + cross.length
    const missing = (got, expected) => (expected ? (100 * (expected - got)) / expected : Number.NaN)
    if (!cluster) {
      return {
        'updates/s in': sent / seconds,
        'deliveries/s': deliveries / seconds,
        'deliveries missing %': missing(deliveries, expectedSame + expectedCross),
        'latency p50 ms': percentile(same, 50),
        'latency p95 ms': percentile(same, 95),
        'latency p99 ms': percentile(same, 99),
        'server CPU µs per update per receiver': (cpu / deliveries) * 1e6,
        '… of it on the main thread': (mainCpu / deliveries) * 1e6,
        'server peak RSS MiB': peak / 2 ** 20,
        'server RSS KiB per open sheet with its clients': (peak - idleRss) / 1024 / rooms,
      }
    }
    const figures = {
      'updates/s in': sent / seconds,
      'deliveries/s': deliveries / seconds,
      'deliveries missing %': missing(deliveries, expectedSame + expectedCross),
      'cross-process deliveries missing %': missing(cross.length, expectedCross),
      'cross-process latency p50 ms': percentile(cross, 50),
      'cross-process latency p95 ms': percentile(cross, 95),
      'cross-process latency p99 ms': percentile(cross, 99),
      'same-process latency p50 ms': percentile(same, 50),
      'same-process latency p95 ms': percentile(same, 95),
      'same-process latency p99 ms': percentile(same, 99),
      'server CPU µs per delivery (all processes)': (cpu / deliveries) * 1e6,
      'server peak RSS MiB (all processes)': peak / 2 ** 20,
    }
    for (const [name, list] of backingBefore) {
      const used = list.reduce((sum, [pid, c]) => sum + (procCpu(pid) ?? c) - c, 0)
      figures[`${name} µs per delivery`] = (used / deliveries) * 1e6
    }
    return figures
  } finally {
    for (const { worker } of workers) if (worker.exitCode === null) worker.kill('SIGKILL')
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

/** Rejects with `message` if `promise` takes longer than `ms`. */
function within(ms, promise, message) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Before the load: one client on each process, an edit on the first; does it reach the others within
 * PROBE_MS? Returns what is wrong, or undefined. (Processes that do not share live updates still sync each
 * client, from the database, so the load would run; only the cross-process deliveries would never come.)
 */
async function crossProbe(target, urls) {
  const room = target.rooms[0]
  const clients = []
  try {
    for (const url of urls) {
      clients.push(await within(PROBE_MS * 2, openClient({ protocol: target.protocol, url, room, cookie: target.cookie }), `a client of ${url} did not sync within ${(PROBE_MS * 2) / 1000} s`))
    }
    addRow(clients[0].doc, 'probe')
    const deadline = performance.now() + PROBE_MS
    let late = clients.slice(1)
    while (late.length && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10))
      late = late.filter((c) => rowText(c.doc, 'probe') === undefined)
    }
    if (!late.length) return undefined
    const which = late.map((c) => clients.indexOf(c) + 1).join(', ')
    return `an edit on process 1 did not reach a client of process ${which} within ${PROBE_MS / 1000} s: the processes share no live updates${target.sharing ? ` (${target.sharing})` : ''}; cross-process figures missing`
  } finally {
    for (const c of clients) c.close()
  }
}

/**
 * The office load over several server processes: editor j of sheet r on process (r + j) mod n (a sheet's
 * 10 editors 4/3/3 over 3 processes, every process 1/n of the connections), each edit timed to every other
 * editor of its sheet, on its own process and on the others apart. One process: every delivery is same-process.
 */
async function cluster(target) {
  const urls = target.urls ?? [target.url]
  const plan = target.rooms.flatMap((room, r) =>
    Array.from({ length: 10 }, (_, j) => {
      const node = (r + j) % urls.length
      return { room, writes: true, presence: true, url: urls[node], node }
    }),
  )
  const problem = urls.length > 1 ? await crossProbe(target, urls) : undefined
  if (problem) process.stderr.write(`  ${problem}\n`)
  const figures = await typing(target, plan, 1, SECONDS, { cluster: true })
  const missing = figures['cross-process deliveries missing %']
  if (problem) figures.error = problem
  else if (missing > 1) figures.error = `${missing.toFixed(1)} % of the cross-process deliveries did not arrive within 1.5 s of the end`
  return figures
}

/** Types `edits` separate edits (seeded: inserts at random places, every fourth a deletion) from one client. */
async function type(target, room, edits) {
  const writer = await openClient({ protocol: target.protocol, url: target.url, room, cookie: target.cookie })
  const checker = await openClient({ protocol: target.protocol, url: target.url, room, cookie: target.cookie })
  // One row's text (sheet-rows.mjs): Hoshin's server takes changes only in the sheet's shape.
  const { text } = addRow(writer.doc, 'history')
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
  // A server that refuses the edits would leave the checker waiting for ever: 5 minutes at most.
  const deadline = performance.now() + 300_000
  while (rowText(checker.doc, 'history')?.toString() !== expected) {
    if (performance.now() > deadline) throw new Error(`a second client did not get the ${edits} edits within 5 minutes`)
    await new Promise((r) => setTimeout(r, 20))
  }
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
    const got = rowText(client.doc, 'history')?.toString() ?? ''
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
  office: {
    title: `(1) office: ${scaled(150)} sheets × 10 editors, 1 edit/s each, ${SECONDS} s`,
    rooms: scaled(150),
    run: office,
    targetsMet: (r) => {
      const cpu = [figure(r, 'hoshin', 'server CPU µs per update per receiver'), figure(r, 'yws', 'server CPU µs per update per receiver')]
      const p99 = [figure(r, 'hoshin', 'latency p99 ms'), figure(r, 'yws', 'latency p99 ms')]
      const rss = [figure(r, 'hoshin', 'server RSS KiB per open sheet with its clients'), figure(r, 'yws', 'server RSS KiB per open sheet with its clients')]
      const known = (pair) => pair.every(Number.isFinite)
      return [
        { target: 'CPU per update per receiver ≤ 0.8× the in-memory reference, persistence on', figures: `${fmt(cpu[0])} µs vs ${fmt(cpu[1])} µs (${fmt(cpu[0] / cpu[1])}×)`, met: known(cpu) ? cpu[0] <= 0.8 * cpu[1] : undefined },
        { target: 'p99 no worse than the reference', figures: `${fmt(p99[0])} ms vs ${fmt(p99[1])} ms`, met: known(p99) ? p99[0] <= p99[1] : undefined },
        { target: 'RSS per open sheet with 10 clients ≤ the reference', figures: `${fmt(rss[0])} KiB vs ${fmt(rss[1])} KiB`, met: known(rss) ? rss[0] <= rss[1] : undefined },
      ]
    },
  },
  broadcast: {
    title: `(2) broadcast: 1 writer at 5 edits/s, ${scaled(1500)} readers of one sheet, ${SECONDS} s`,
    rooms: 1,
    run: broadcast,
    targetsMet: (r) => {
      const p99 = [figure(r, 'hoshin', 'latency p99 ms'), figure(r, 'yws', 'latency p99 ms')]
      return [{ target: 'p99 below the reference and below 40 ms', figures: `${fmt(p99[0])} ms vs ${fmt(p99[1])} ms`, met: p99.every(Number.isFinite) ? p99[0] < p99[1] && p99[0] < 40 : undefined }]
    },
  },
  cold: {
    title: `(3) cold open: a sheet with ${scaled(10_000)} edits of history, connect → synced (20 opens)`,
    rooms: 1,
    run: cold,
    targetsMet: (r) => {
      const p50 = [figure(r, 'hoshin', 'connect → synced p50 ms'), figure(r, 'yws', 'connect → synced p50 ms')]
      return [{ target: 'cold open no slower than the reference’s warm open (p50)', figures: `${fmt(p50[0])} ms vs ${fmt(p50[1])} ms`, met: p50.every(Number.isFinite) ? p50[0] <= p50[1] : undefined }]
    },
  },
  growth: { title: `(4) growth: ${scaled(100_000)} edits into one sheet`, rooms: 1, run: growth },
  cluster: {
    title: `(5) cluster: ${scaled(150)} sheets × 10 editors over ${PROCESSES} server processes, 1 edit/s each, ${SECONDS} s`,
    rooms: scaled(150),
    run: cluster,
    targets: ['hoshin-cluster', 'hoshin', 'hocuspocus-redis'],
    primary: 'hoshin-cluster',
    names: { hoshin: 'Hoshin ×1 (SQLite, durable ≤ 20 ms)' },
    short: { hoshin: 'Hoshin ×1' },
    note: () =>
      `What limits these figures: the machine's ${cpus().length} cores are shared by the ${WORKERS} load-generator processes, the ${PROCESSES} server processes, PostgreSQL and Redis, so they show what going through Redis and PostgreSQL costs on one machine, not what ${PROCESSES} machines would carry.`,
  },
}

// ---------------------------------------------------------------------------------------------------

/** Issue 18's targets as lines under a table: each met or not, with the figures it compares. */
function targetLines(checks) {
  return ['', '| target (issue 18) | figures | |', '|---|---|---|', ...checks.map(({ target, figures, met }) => `| ${target} | ${figures} | ${met === undefined ? 'not measured' : met ? '**met**' : '**not met**'} |`)]
}
const figure = (results, target, name) => results[target]?.[name]
const fmt = (n) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(Math.abs(n) >= 10 ? 1 : 2)) : '–')
const sections = []
for (const key of SCENARIOS) {
  const scenario = scenarios[key]
  if (!scenario) {
    process.stderr.write(`unknown scenario "${key}" (${Object.keys(scenarios).join(', ')})\n`)
    continue
  }
  // A scenario with targets of its own (cluster) runs those; TARGETS, when given, narrows them.
  const list = scenario.targets ? scenario.targets.filter((t) => !process.env.TARGETS || TARGETS.includes(t)) : TARGETS
  if (!list.length) continue
  const results = {}
  for (const name of list) {
    if (aborting) await new Promise(() => undefined)
    process.stderr.write(`${scenario.title}: ${scenario.names?.[name] ?? names[name]}…\n`)
    let target
    try {
      target = await targets[name](scenario.rooms)
      results[name] = await scenario.run(target)
    } catch (error) {
      process.stderr.write(`  failed: ${error.message}\n`)
      results[name] = { error: error.message }
    } finally {
      if (target) {
        await Promise.all(processesOf(target).map(stop))
        await target.cleanup()
      }
    }
  }
  const figures = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))].sort((a, b) => (a === 'error') - (b === 'error'))
  const primary = scenario.primary ?? 'hoshin'
  const others = list.filter((t) => t !== primary)
  const hasPrimary = list.includes(primary)
  const label = (t) => scenario.short?.[t] ?? short[t] ?? t
  const head = `| | ${list.map((t) => scenario.names?.[t] ?? names[t]).join(' | ')} |${hasPrimary ? others.map((o) => ` ${label(primary)} / ${label(o)} |`).join('') : ''}`
  const rule = `|---|${list.map(() => '---:|').join('')}${hasPrimary ? others.map(() => '---:|').join('') : ''}`
  const rows = figures.map((figure) => {
    const cells = list.map((t) => (figure === 'error' ? String(results[t].error ?? '').replace(/\s+/g, ' ').replaceAll('|', '\\|') : fmt(results[t][figure])))
    // A ratio of shares missing says nothing (0 / 0, or 100 / 0 when one target delivers nothing).
    const ratios = hasPrimary ? others.map((o) => (figure === 'error' ? '' : figure.includes('missing') ? '–' : fmt(results[primary][figure] / results[o][figure]))) : []
    return `| ${figure} | ${cells.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`
  })
  const verdicts = scenario.targetsMet ? targetLines(scenario.targetsMet(results)) : []
  const table = [`### ${scenario.title}`, '', head, rule, ...rows, ...(scenario.note ? ['', scenario.note()] : []), ...verdicts].join('\n')
  console.log(`\n${table}`)
  sections.push(table)
}

// The load average says whether anything else shared the cores during the run (figures vary with it).
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.versions.node}; load generator: ${WORKERS} worker processes on the same machine; load average at the end ${loadavg().map((n) => n.toFixed(1)).join(' / ')}`
console.log(`\n${machine}`)
if (!process.env.NO_WRITE) {
  writeFileSync(
    path.join(here, 'RESULTS.md'),
    `# Benchmark results\n\nMeasured with \`npm run bench:compare\` on ${new Date().toISOString().slice(0, 10)}${SCALE === 1 ? '' : ` at SCALE=${SCALE}`}.\n${machine}.\n\n${sections.join('\n\n')}\n`,
  )
}
// A scenario that failed may leave its clients open; the figures are out, so end here.
process.exit(0)
