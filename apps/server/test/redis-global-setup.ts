import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis server the multi-process tests share sheets through (see test/redis.ts). */
    redisUrl: string
    /** This test run's own key (and channel) prefix on it; its keys are removed after the run. */
    redisPrefix: string
  }
}

const LOCAL = 'redis://127.0.0.1:6379'
const ensureScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/tooling/ensure-redis.mjs')

async function answers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    await client.close().catch(() => undefined)
  }
}

function binary(): string | undefined {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(candidate)) return candidate
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * A Redis server of the test run's own, from Debian's redis-server package (installed when missing), in a
 * temp dir on a free port, with nothing saved to disk; stopped (SIGTERM to its own process id) after.
 */
async function startThrowaway(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (!binary()) execFileSync(process.execPath, [ensureScript], { stdio: 'inherit', env: { ...process.env, HOSHIN_TEST_REDIS: 'throwaway' } })
  const bin = binary()
  if (!bin) throw new Error('Redis is not running and redis-server is not installed (apt-get install -y redis-server)')
  const dir = mkdtempSync(path.join(tmpdir(), 'hoshin-redis-'))
  const port = await freePort()
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 20 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Removes every key under the prefix (SCAN, never KEYS on a shared server). */
async function removeKeys(url: string, prefix: string): Promise<number> {
  const client = createClient({ url })
  client.on('error', () => undefined)
  await client.connect()
  let removed = 0
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length) removed += await client.del(keys)
    }
  } finally {
    await client.close()
  }
  return removed
}

/**
 * Before the server's tests: the Redis the multi-process tests use. HOSHIN_TEST_REDIS_URL if set; else the
 * local server at 127.0.0.1:6379; else (another machine) a throwaway one, stopped after the run.
 * HOSHIN_TEST_REDIS=throwaway forces the throwaway one. Never skipped: a run without Redis fails. Each run
 * has a key prefix of its own (hoshin-test-<random>:), and its keys go after it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prefix = `hoshin-test-${randomBytes(6).toString('hex')}:`
  project.provide('redisPrefix', prefix)
  const given = process.env.HOSHIN_TEST_REDIS_URL
  const forceThrowaway = process.env.HOSHIN_TEST_REDIS === 'throwaway'
  if (given || (!forceThrowaway && (await answers(LOCAL)))) {
    const url = given || LOCAL
    if (!(await answers(url))) throw new Error(`HOSHIN_TEST_REDIS_URL=${url} does not answer`)
    project.provide('redisUrl', url)
    return async () => {
      await removeKeys(url, prefix)
    }
  }
  const throwaway = await startThrowaway()
  console.log(`Redis tests: a throwaway server at ${throwaway.url}`)
  project.provide('redisUrl', throwaway.url)
  return throwaway.stop
}
