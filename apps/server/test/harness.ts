import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { docToSheet, SHEET_FORMAT, sheetToDoc } from '@hoshin/sheet'
import { afterAll, afterEach } from 'vitest'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import { type Config, loadConfig } from '../src/env.js'
import { applyStored, SqliteDocumentStore } from '../src/persistence/document-store.js'
import { PostgresDatabase } from '../src/persistence/postgres.js'
import { SqliteDatabase } from '../src/persistence/sqlite.js'
import { type RunningServer, startServer } from '../src/server.js'
import { createTestDatabase } from './postgres.js'

/**
 * What a test file created, removed after it. Registered here, at import, on the file's root suite: a
 * hook registered from inside a test (a temp dir made in `it`) never ran, and each `npm test` left dozens
 * of data folders behind. Servers close first, then their folders go.
 */
const created = { dirs: new Set<string>(), servers: new Set<RunningServer>() }
afterAll(async () => {
  const servers = [...created.servers]
  created.servers.clear()
  await Promise.all(servers.map((server) => server.close().catch(() => undefined)))
  const dirs = [...created.dirs]
  created.dirs.clear()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hoshin-test-'))
  created.dirs.add(dir)
  return dir
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseFile: path.join(dataDir, 'hoshin.sqlite'),
    webDir: path.join(dataDir, 'no-web-build'),
    demo: true,
    logLevel: 'silent',
    ...overrides,
  }
}

const postgresByDir = new Map<string, string>()

/**
 * The real server on port 0 over a real SQLite file in a fresh temp dir, closed after the file's tests.
 * HOSHIN_TEST_STORAGE=postgres puts each on a PostgreSQL database of its own instead (test/postgres.ts), to
 * run the server's suite on PostgreSQL: `HOSHIN_TEST_STORAGE=postgres npx vitest run`.
 */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<RunningServer> {
  const dir = overrides.dataDir ?? (await tempDir())
  const postgres = process.env.HOSHIN_TEST_STORAGE === 'postgres' && !('databaseUrl' in overrides)
  // A restart on the same data dir finds the same database, as it finds the same SQLite file.
  if (postgres && !postgresByDir.has(dir)) postgresByDir.set(dir, await createTestDatabase())
  const storage = postgres ? { databaseUrl: postgresByDir.get(dir) } : {}
  const server = await startServer(testConfig(dir, { ...storage, ...overrides }))
  created.servers.add(server)
  return server
}

const serverMain = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js')
// A failed test must not leave its server process behind (it would keep vitest, and the port, alive).
const spawned = new Set<ChildProcess>()
afterEach(() => {
  for (const child of spawned) child.kill('SIGKILL')
})

/**
 * The built server (dist/main.js) in a process of its own, as `npm start` runs it, for tests that kill
 * or signal it. Resolves once it listens; one still running when the test ends is killed.
 */
export function spawnServer(
  dataDir: string,
  port = 0,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, [serverMain], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HOSHIN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  spawned.add(child)
  child.on('exit', () => spawned.delete(child))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk
      const listening = /Hoshin: http:\/\/[^:/]+:(\d+)/.exec(out)
      if (listening) resolve({ child, url: `http://127.0.0.1:${listening[1]}`, port: Number(listening[1]) })
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)))
  })
}

/** Reads a sheet's content through a second, independent connection (SQLite file or PostgreSQL URL): what a crash would leave. */
export async function readFromDisk(file: string, sheetId: string) {
  // A postgres:// URL, or with HOSHIN_TEST_STORAGE=postgres the PostgreSQL database of that data dir: read
  // through a pool of its own.
  const url = /^postgres(ql)?:\/\//.test(file) ? file : postgresByDir.get(path.dirname(file))
  const db = url ? await PostgresDatabase.open(url) : await SqliteDatabase.open(file)
  try {
    const stored = await new SqliteDocumentStore(db).load(sheetId)
    const doc = applyStored(new Y.Doc(), stored)
    return { sheet: docToSheet(doc), logLength: stored.updates.length }
  } finally {
    await db.close()
  }
}

export interface JsonResponse<T = unknown> {
  status: number
  headers: Headers
  body: T
}

/** A browser-like client: keeps its session cookie and sends this server's Origin on every request. */
export class TestClient {
  private cookies = new Map<string, string>()
  lastSetCookies: string[] = []

  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(
    method: string,
    pathname: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { origin: this.baseUrl, ...options.headers }
    const cookie = this.cookieHeader()
    if (cookie) headers.cookie = cookie
    let body = options.body
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] = 'application/json'
    }
    const response = await fetch(new URL(pathname, this.baseUrl), { method, headers, body })
    this.lastSetCookies = response.headers.getSetCookie()
    for (const cookie of this.lastSetCookies) {
      const [pair = ''] = cookie.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /max-age=0\b/i.test(cookie)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T }
  }

  get<T = unknown>(pathname: string) {
    return this.request<T>('GET', pathname)
  }

  post<T = unknown>(pathname: string, json?: unknown) {
    return this.request<T>('POST', pathname, json === undefined ? {} : { json })
  }

  async login(username: string, password = 'hoshin-demo'): Promise<this> {
    const res = await this.post('/api/auth/login', { username, password })
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`)
    return this
  }

  /** The same session at another address (another server process of the same installation). */
  at(baseUrl: string): TestClient {
    const other = new TestClient(baseUrl)
    other.cookies = new Map(this.cookies)
    return other
  }

  hasSession(): boolean {
    return this.cookies.size > 0
  }

  cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined
  }
}

/** One signed-in client per user name, made on first use (tests of one file share a server). */
export function logins(server: () => { url: string }) {
  const clients = new Map<string, TestClient>()
  return async (username: string): Promise<TestClient> => {
    let client = clients.get(username)
    if (!client) {
      client = await new TestClient(server().url).login(username)
      clients.set(username, client)
    }
    return client
  }
}

/**
 * 議会事務局 (section 議事係, user `gikai`) with a 2025 sheet that names only 関係課, so no other department
 * may read it; with `planner`, also a 企画 (planning) user who reads every sheet. Returns the sheet's id.
 */
export async function addUninvolvedDepartment(server: RunningServer, { planner = false } = {}): Promise<string> {
  const { stores } = server.services
  await stores.org.upsertDepartment({ id: 'gikai', name: '議会事務局' })
  await stores.org.upsertSection('gikai', { id: 'giji', name: '議事係' })
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'gikai', displayName: '議会 職員', role: 'staff', departmentId: 'gikai', sectionId: 'giji', passwordHash })
  if (planner) {
    await stores.users.create({ username: 'planner', displayName: '企画 担当', role: 'planning', departmentId: 'somu', sectionId: 'somu-kakari', passwordHash })
  }
  const doc = sheetToDoc({
    format: SHEET_FORMAT,
    department: { id: 'gikai', name: '議会事務局' },
    fiscalYear: 2025,
    situation: '議会運営の効率化が求められている。',
    issues: [{ id: 'g-1', text: '議会の情報発信' }],
    policies: { annual: [{ id: 'g-annual-1', text: '議会だよりの充実' }], longTerm: [] },
    measures: [{ id: 'g-m', rank: 1, name: '議会広報', content: '議会だよりの発行', sections: ['議事係'], partners: ['関係課'], indicators: [] }],
    projects: [],
  })
  return (await stores.sheets.create({ departmentId: 'gikai', fiscalYear: 2025, state: Y.encodeStateAsUpdate(doc) })).id
}
