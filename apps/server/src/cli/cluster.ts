#!/usr/bin/env node
import { type ChildProcess, spawn } from 'node:child_process'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { type Balancer, startBalancer } from '../cluster/balancer.js'

/**
 * `node apps/server/dist/cli/cluster.js`: several Hoshin processes on one machine, behind one port (issue 17).
 * It starts HOSHIN_PROCESSES copies of dist/main.js on 127.0.0.1, ports PORT+1… (or HOSHIN_WORKER_BASE_PORT…),
 * and the TCP balancer of cluster/balancer.ts on HOST:PORT in front of them. A process that dies is started
 * again; SIGTERM or SIGINT stops them all. apps/server/deploy/ has the same for nginx and HAProxy.
 */

const mainScript = fileURLToPath(new URL('../main.js', import.meta.url))
/** What main.js prints once it listens (`方針 Hoshin: http://localhost:3001`). */
const listeningLine = /Hoshin: http:\/\/[^:/]+:(\d+)/
// Migrations and the demo seed run before a process listens: a large database may take a while.
const START_TIMEOUT_MS = 120_000
// A process that keeps dying is started again at most this often, waiting longer each time.
const RESTART_WINDOW_MS = 60_000
const MAX_RESTARTS_PER_WINDOW = 5
const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 30_000
// Each process stores its open sheets before it exits; one that takes longer than this is killed.
const STOP_TIMEOUT_MS = 30_000

class LaunchError extends Error {}

interface ClusterConfig {
  processes: number
  host: string
  port: number
  workerBasePort: number
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new LaunchError(`${name} must be a port number (1–65535), got "${value}"`)
  return n
}

/**
 * The launcher's own settings. It is not the server: each process reads its settings itself (env.ts), from
 * the environment passed on whole; only the count, the ports and the check below are the launcher's.
 */
function clusterConfig(env: NodeJS.ProcessEnv): ClusterConfig {
  if (!env.HOSHIN_DATABASE_URL?.trim() || !env.HOSHIN_REDIS_URL?.trim()) {
    // A SQLite file belongs to one process, and without Redis each process would see only its own editors.
    throw new LaunchError(
      'Several Hoshin processes need PostgreSQL and Redis: set HOSHIN_DATABASE_URL (postgres://…) and HOSHIN_REDIS_URL (redis://…).\n' +
        '複数のプロセスで動かすには PostgreSQL と Redis が必要です。HOSHIN_DATABASE_URL と HOSHIN_REDIS_URL を設定してください。\n' +
        'With SQLite, run one process: node apps/server/dist/main.js',
    )
  }
  const raw = env.HOSHIN_PROCESSES?.trim()
  const processes = raw ? Number(raw) : Math.max(2, os.availableParallelism())
  if (!Number.isInteger(processes) || processes < 1) throw new LaunchError(`HOSHIN_PROCESSES must be a whole number of processes (1 or more), got "${raw}"`)
  const publicPort = port('PORT', env.PORT, 3000)
  const workerBasePort = port('HOSHIN_WORKER_BASE_PORT', env.HOSHIN_WORKER_BASE_PORT, publicPort + 1)
  const last = workerBasePort + processes - 1
  if (last > 65535) throw new LaunchError(`${processes} processes from port ${workerBasePort} would need ports past 65535; set HOSHIN_WORKER_BASE_PORT lower`)
  if (publicPort >= workerBasePort && publicPort <= last) {
    throw new LaunchError(`PORT ${publicPort} is among the processes' ports ${workerBasePort}–${last}; set HOSHIN_WORKER_BASE_PORT elsewhere`)
  }
  return { processes, host: env.HOST || '0.0.0.0', port: publicPort, workerBasePort }
}

const say = (message: string) => console.error(`Hoshin cluster: ${message}`)

/** One Hoshin process: started, watched for its listening line, restarted by the cluster when it dies. */
class Worker {
  private child: ChildProcess | undefined
  /** The port it listens on once it said so; undefined while starting or stopped. */
  listening: number | undefined
  /** Set once the cluster is up: from then on an exit is restarted rather than failing the launch. */
  supervised = false
  private restarts: number[] = []
  private restartTimer: NodeJS.Timeout | undefined

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly onChange: (worker: Worker, exit?: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined
  }

  /** Starts the process; resolves once it listens, rejects if it exits or times out first. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [mainScript], {
        env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      this.child = child
      const timer = setTimeout(() => {
        reject(new Error(`process ${this.index} did not listen within ${START_TIMEOUT_MS / 1000} s`))
        child.kill('SIGKILL')
      }, START_TIMEOUT_MS)
      // Its output is the town's log as before (pino lines carry the pid); the listening line is looked for
      // in the last few kilobytes, since it may come split across chunks.
      child.stdout?.pipe(process.stdout, { end: false })
      let seen = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        if (this.listening !== undefined) return
        seen = (seen + chunk.toString()).slice(-4096)
        const match = listeningLine.exec(seen)
        if (!match) return
        clearTimeout(timer)
        this.listening = Number(match[1])
        this.onChange(this)
        resolve()
      })
      let ended = false
      const end = (how: string) => {
        if (ended) return
        ended = true
        clearTimeout(timer)
        this.child = undefined
        this.listening = undefined
        reject(new Error(`process ${this.index} (port ${this.port}) ${how} before it listened`))
        this.onChange(this, how)
      }
      child.once('exit', (code, signal) => end(signal ? `was stopped by ${signal}` : `exited with code ${code}`))
      // Spawning itself failed (no exit follows when there never was a process).
      child.once('error', (error) => {
        if (child.pid === undefined) end(`could not start (${error.message})`)
      })
    })
  }

  /** Starts it again after a backoff, at most MAX_RESTARTS_PER_WINDOW times a minute; returns the wait. */
  restartLater(): number {
    const now = Date.now()
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS)
    let delay = Math.min(FIRST_BACKOFF_MS * 2 ** this.restarts.length, MAX_BACKOFF_MS)
    if (this.restarts.length >= MAX_RESTARTS_PER_WINDOW) delay = Math.max(delay, this.restarts[0]! + RESTART_WINDOW_MS - now)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined
      this.restarts.push(Date.now())
      // A start that fails ends in an exit, which schedules the next try.
      this.start().catch(() => undefined)
    }, delay)
    return delay
  }

  stop(signal: NodeJS.Signals): void {
    clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    this.child?.kill(signal)
  }
}

async function main(): Promise<void> {
  let config: ClusterConfig
  try {
    config = clusterConfig(process.env)
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error
    console.error(error.message)
    process.exit(1)
  }

  let balancer: Balancer | undefined
  let stopping = false
  let exitCode = 0

  const finish = async () => {
    await balancer?.close()
    process.exit(exitCode)
  }
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true
    // New connections are refused from now on; open ones end as their processes close them.
    balancer?.setBackends([])
    for (const w of workers) w.stop(signal)
    setTimeout(() => {
      say(`processes still running after ${STOP_TIMEOUT_MS / 1000} s; killing them`)
      for (const w of workers) w.stop('SIGKILL')
    }, STOP_TIMEOUT_MS).unref()
    if (workers.every((w) => !w.running)) void finish()
  }

  const onChange = (worker: Worker, exit?: string) => {
    balancer?.setBackends(workers.filter((w) => w.listening !== undefined).map((w) => ({ host: '127.0.0.1', port: w.listening! })))
    if (exit === undefined) return
    if (stopping) {
      if (workers.every((w) => !w.running)) void finish()
    } else if (worker.supervised) {
      const delay = worker.restartLater()
      say(`process ${worker.index} (port ${worker.port}) ${exit}; starting it again in ${Math.round(delay / 1000)} s`)
    }
  }
  // Every process's output is piped into ours: more than Node's default ten listeners on stdout is expected.
  process.stdout.setMaxListeners(config.processes + 10)
  const workers = Array.from({ length: config.processes }, (_, i) => new Worker(i, config.workerBasePort + i, onChange))

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) return stopAll(signal)
      // A second Ctrl-C: the operator does not want to wait for the sheets to be stored.
      say('stopping the processes at once')
      for (const w of workers) w.stop('SIGKILL')
    })
  }

  try {
    // The first process alone: it runs the migrations and seeds the demo town, which must not run twice at once.
    await workers[0]!.start()
    await Promise.all(workers.slice(1).map((w) => w.start()))
    for (const w of workers) w.supervised = true
    balancer = await startBalancer({
      host: config.host,
      port: config.port,
      backends: workers.map((w) => ({ host: '127.0.0.1', port: w.listening! })),
      log: say,
    })
  } catch (error) {
    if (stopping) return // a signal during the start: finish() exits once the processes are gone
    say(`could not start: ${error instanceof Error ? error.message : String(error)}`)
    exitCode = 1
    stopAll('SIGTERM')
    return
  }
  if (stopping) return
  console.log(`Hoshin cluster: http://${config.host}:${balancer.port} (${config.processes} processes)`)
}

await main()
