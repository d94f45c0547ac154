import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server the tests may create and drop databases on (see test/postgres.ts). */
    postgresAdminUrl: string
  }
}

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres'
const ensureScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/tooling/ensure-postgres.mjs')

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const version = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0]
  return version ? path.join(root, version, 'bin') : undefined
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
 * A PostgreSQL server of the test run's own, from Debian's packages (installed when missing), in a temp
 * dir on a free port: initdb, then pg_ctl start. Root cannot run PostgreSQL, so as root it runs as the
 * `postgres` account the package creates.
 */
async function startThrowaway(): Promise<{ url: string; stop: () => void }> {
  if (!binDir()) execFileSync(process.execPath, [ensureScript], { stdio: 'inherit', env: { ...process.env, HOSHIN_TEST_POSTGRES: 'throwaway' } })
  const bin = binDir()
  if (!bin) throw new Error('PostgreSQL is not running and its packages are not installed (apt-get install -y postgresql)')
  const dir = mkdtempSync(path.join(tmpdir(), 'hoshin-pg-'))
  const asRoot = process.getuid?.() === 0
  const run = (command: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, command), ...args] : [path.join(bin, command), ...args]
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`)
  }
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const data = path.join(dir, 'data')
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  const port = await freePort()
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/**
 * Before the server's tests: the PostgreSQL the PostgreSQL tests use. HOSHIN_TEST_POSTGRES_URL if set;
 * else the local server at 127.0.0.1:5432; else (another machine) a throwaway one, stopped after the run.
 * HOSHIN_TEST_POSTGRES=throwaway forces the throwaway one. Never skipped: a run without PostgreSQL fails.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.HOSHIN_TEST_POSTGRES_URL
  const forceThrowaway = process.env.HOSHIN_TEST_POSTGRES === 'throwaway'
  if (given || (!forceThrowaway && (await answers(LOCAL)))) {
    const url = given || LOCAL
    if (!(await answers(url))) throw new Error(`HOSHIN_TEST_POSTGRES_URL=${url} does not answer`)
    project.provide('postgresAdminUrl', url)
    return undefined
  }
  const throwaway = await startThrowaway()
  console.log(`PostgreSQL tests: a throwaway server at ${throwaway.url}`)
  project.provide('postgresAdminUrl', throwaway.url)
  return throwaway.stop
}
