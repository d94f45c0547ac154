import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { docToSheet } from '@hoshin/sheet'
import { afterEach, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { type Balancer, startBalancer } from '../src/cluster/balancer.js'
import { type CollabClient, collabClient, eventually } from './collab-harness.js'
import { eventStream } from './event-stream.js'
import { spawnServer, startTestServer, TestClient, tempDir } from './harness.js'
import { createTestDatabase } from './postgres.js'
import { testRedis } from './redis.js'

/**
 * Several real server processes (dist/main.js) on one PostgreSQL database and one Redis, each on its own
 * port, with stock y-websocket clients spread over them: what HOSHIN_REDIS_URL promises (issue 17).
 */

interface Process {
  child: ChildProcess
  url: string
  port: number
}

const mark = (i: number) => String.fromCharCode(0xe000 + i)
const count = (text: string, char: string) => [...text].filter((ch) => ch === char).length
const situation = (doc: Y.Doc) => docToSheet(doc).situation

async function startCluster(n: number, redis = testRedis()): Promise<{ processes: Process[]; env: Record<string, string> }> {
  const env = { HOSHIN_DATABASE_URL: await createTestDatabase(), HOSHIN_REDIS_URL: redis.url, HOSHIN_REDIS_PREFIX: redis.prefix }
  // The first migrates and seeds the demo; the others find it done.
  const first = await spawnServer(await tempDir(), 0, env)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => spawnServer(await tempDir(), 0, env)))
  return { processes: [first, ...rest], env }
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
  })

async function kikakuSheet(client: TestClient): Promise<string> {
  const sheets = await client.get<{ sheets: { id: string; fiscalYear: number; department: { id: string } }[] }>('/api/sheets')
  return sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei' && s.fiscalYear === 2025)!.id
}

/** Client i types its own mark at random places of 状況, `rounds` times (or until stopped). */
function typist(clients: CollabClient[]) {
  const typed = new Array<number>(clients.length).fill(0)
  const type = (rounds: number, stopped = () => false, gapMs = 3) =>
    Promise.all(
      clients.map(async (client, i) => {
        for (let k = 0; k < rounds && !stopped(); k++) {
          if (client.session?.readOnly) break
          const text = (client.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
          text.insert(Math.floor(Math.random() * (text.length + 1)), mark(i))
          typed[i]!++
          await new Promise((r) => setTimeout(r, gapMs))
        }
      }),
    )
  return { typed, type }
}

/** Every client holds the same 状況 with every character typed, as often as typed. */
async function converged(clients: CollabClient[], typed: number[], timeoutMs = 30_000): Promise<string> {
  await eventually(() => {
    const texts = clients.map((c) => situation(c.doc))
    expect(new Set(texts).size).toBe(1)
    for (const [i, n] of typed.entries()) expect(count(texts[0]!, mark(i))).toBe(n)
  }, timeoutMs).catch((error) => {
    for (const [i, c] of clients.entries()) console.log(`client ${i}: connected ${c.provider.wsconnected}, synced ${c.provider.synced}, closes ${JSON.stringify(c.closeEvents)}`)
    throw error
  })
  return situation(clients[0]!.doc)
}

/** What a newcomer on this process gets: the process's copy of the sheet. */
async function served(process: { url: string }, client: TestClient, sheetId: string): Promise<string> {
  const fresh = collabClient(process.url, sheetId, client.at(process.url))
  await fresh.synced()
  const text = situation(fresh.doc)
  fresh.destroy()
  return text
}

const balancers = new Set<Balancer>()
afterEach(async () => {
  await Promise.all([...balancers].map((b) => b.close()))
  balancers.clear()
})

describe('several processes sharing sheets through Redis (PostgreSQL storage)', () => {
  it('concurrent typing on 3 processes converges; presence, comments and the bell reach the other processes', async () => {
    const { processes } = await startCluster(3)
    const [a, b, c] = processes as [Process, Process, Process]
    const login = await new TestClient(a.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    const clients = processes.flatMap((p) => [0, 1, 2].map(() => collabClient(p.url, sheetId, login.at(p.url))))
    await Promise.all(clients.map((client) => client.synced()))
    const { typed, type } = typist(clients)
    await type(30)
    const text = await converged(clients, typed)
    // Each process serves it the same to someone who was not there.
    for (const p of processes) expect(await served(p, login, sheetId)).toBe(text)

    // Presence: a state set on A shows on C.
    const onA = clients[0]!
    const onC = clients[8]!
    onA.provider.awareness.setLocalStateField('editing', { field: 'situation' })
    await eventually(() => expect(onC.provider.awareness.getStates().get(onA.doc.clientID)?.editing).toEqual({ field: 'situation' }))
    // A newcomer on B sees who is in the sheet on A and C at once (no wait for their 15 s renewal).
    const late = collabClient(b.url, sheetId, login.at(b.url))
    await late.synced()
    await eventually(() => expect(late.provider.awareness.getStates().get(onA.doc.clientID)?.editing).toEqual({ field: 'situation' }))
    // Leaving on A: gone on C.
    onA.destroy()
    await eventually(() => expect(onC.provider.awareness.getStates().has(onA.doc.clientID)).toBe(false))

    // A comment posted on B: the sheet's connections on A and C hear of it; the 課長's bell on C rings.
    const head = (await new TestClient(a.url).login('kacho')).at(c.url)
    const bell = eventStream(head)
    await bell.ready()
    const chiiki = await new TestClient(b.url).login('chiiki')
    const posted = await chiiki.post<{ id: string }>(`/api/sheets/${sheetId}/comments`, { target: { kind: 'issue', id: 'issue-1' }, body: '@kacho 確認をお願いします' })
    expect(posted.status, JSON.stringify(posted.body)).toBe(201)
    for (const client of [clients[1]!, clients[7]!]) await eventually(() => expect(client.messages.some((m) => m.kind === 'comments')).toBe(true))
    // A workflow step on B reaches the sockets on A and the 課長's event stream on C.
    expect((await login.at(b.url).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    await eventually(() => expect(clients[1]!.messages.some((m) => m.kind === 'workflow' && m.status === 'submitted')).toBe(true))
    await bell.next((event) => event.kind === 'notifications' && event.unread > 0)
  }, 90_000)

  it('approve on one process while clients on the others type: the version is what every process serves; late edits kept', async () => {
    const { processes } = await startCluster(3)
    const [a, b, c] = processes as [Process, Process, Process]
    const login = await new TestClient(a.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    expect((await login.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    // Typing on B and C only; the 課長 approves on A.
    const clients = [b, c].flatMap((p) => [0, 1, 2, 3].map(() => collabClient(p.url, sheetId, login.at(p.url))))
    await Promise.all(clients.map((client) => client.synced()))
    const { typed, type } = typist(clients)
    let stop = false
    const typing = type(1000, () => stop, 2)
    await eventually(() => expect(typed.reduce((x, y) => x + y, 0)).toBeGreaterThan(80))
    const head = await new TestClient(a.url).login('kacho')
    const approved = await head.post<{ number: number }>(`/api/sheets/${sheetId}/approve`)
    expect(approved.status).toBe(201)
    // Every client hears it is frozen (from its own process), and typing stops there.
    await eventually(() => expect(clients.every((client) => client.session?.readOnly === true)).toBe(true), 15_000)
    stop = true
    await typing

    const version = await head.get<{ sheet: { situation: string } }>(`/api/sheets/${sheetId}/versions/${approved.body.number}`)
    const frozen = version.body.sheet.situation
    // The version holds a part of what was typed before the approval (the sheet was live until then).
    expect(clients.some((_, i) => count(frozen, mark(i)) > 0)).toBe(true)
    // Every process serves exactly the frozen content, through its socket and its export.
    for (const p of processes) {
      await eventually(async () => expect(await served(p, login, sheetId)).toBe(frozen), 15_000)
      const exported = await login.at(p.url).get<{ situation: string }>(`/api/sheets/${sheetId}/export.json`)
      expect(exported.body.situation).toBe(frozen)
    }
    // Whatever was typed and is not in the version is in the typist's late change set (one person typed all).
    await eventually(async () => {
      const sets = (await login.get<{ sets: { changes: { part: string; to?: string | null }[] }[] }>(`/api/sheets/${sheetId}/rejected`)).body.sets
      // One set for the person, though two processes each kept a part of it.
      expect(sets).toHaveLength(1)
      const kept = sets[0]!.changes.find((change) => change.part === 'situation')?.to ?? ''
      for (const [i, n] of typed.entries()) {
        const inVersion = count(frozen, mark(i))
        if (inVersion < n) expect(count(kept, mark(i))).toBe(n)
      }
    }, 20_000)
    // Typing went on past the freeze somewhere (sent before the client heard of it): kept, not lost.
    const late = typed.reduce((sum, n, i) => sum + n - count(frozen, mark(i)), 0)
    console.log(`approval across processes: ${typed.reduce((x, y) => x + y, 0)} characters typed, ${late} after the freeze kept aside`)
    expect(late).toBeGreaterThan(0)
    // A second approval elsewhere loses.
    expect((await head.at(c.url).post(`/api/sheets/${sheetId}/approve`)).status).toBe(409)
  }, 90_000)

  it('a change one process accepted but had not stored when another approved: refused by the store, kept aside, every copy reloaded', async () => {
    const redis = testRedis()
    const shared = { databaseUrl: await createTestDatabase(), redisUrl: redis.url, redisPrefix: redis.prefix }
    const a = await startTestServer(shared)
    // B holds what it accepts for 1.5 s before storing it: the window an approval elsewhere can fall into.
    const b = await startTestServer({ ...shared, sync: { flushMs: 1500 } })
    const login = await new TestClient(a.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    expect((await login.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    const writer = collabClient(b.url, sheetId, login.at(b.url))
    const reader = collabClient(a.url, sheetId, login)
    await Promise.all([writer.synced(), reader.synced()])
    const text = (writer.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
    text.insert(0, '承認直前の追記')
    // Relayed to A at once (A's copy has it), stored by B only later.
    await eventually(() => expect(situation(reader.doc).startsWith('承認直前の追記')).toBe(true))
    const head = await new TestClient(a.url).login('kacho')
    const approved = await head.post<{ number: number }>(`/api/sheets/${sheetId}/approve`)
    expect(approved.status).toBe(201)
    const frozen = (await head.get<{ sheet: { situation: string } }>(`/api/sheets/${sheetId}/versions/${approved.body.number}`)).body.sheet.situation
    // Not stored when the version was taken: not in it.
    expect(frozen).not.toContain('承認直前の追記')
    // B's store refused it: kept as the writer's late change, and both copies (which had it) were dropped.
    await eventually(async () => {
      const sets = (await login.get<{ sets: { changes: { part: string; to?: string | null }[] }[] }>(`/api/sheets/${sheetId}/rejected`)).body.sets
      expect(sets.flatMap((set) => set.changes).find((change) => change.part === 'situation')?.to).toContain('承認直前の追記')
    }, 15_000)
    await eventually(() => expect(writer.closeEvents.some((e) => e.code === 1001)).toBe(true))
    for (const server of [a, b]) await eventually(async () => expect(await served(server, login, sheetId)).toBe(frozen), 15_000)
    expect(await a.services.documents.read(sheetId, situation)).toBe(frozen)
  }, 60_000)

  it('two approvals on two processes at once: exactly one wins', async () => {
    const { processes } = await startCluster(2)
    const [a, b] = processes as [Process, Process]
    const login = await new TestClient(a.url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    expect((await login.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
    const head = await new TestClient(a.url).login('kacho')
    const results = await Promise.all([head.post(`/api/sheets/${sheetId}/approve`), head.at(b.url).post(`/api/sheets/${sheetId}/approve`)])
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    const versions = await head.get<{ versions: unknown[] }>(`/api/sheets/${sheetId}/versions`)
    expect(versions.body.versions).toHaveLength(1)
  }, 60_000)

  it('logout on one process closes the session’s sockets and event streams on every process; disabling closes the person’s', async () => {
    const { processes } = await startCluster(3)
    const [a, b, c] = processes as [Process, Process, Process]
    const login = await new TestClient(a.url).login('chiiki')
    const sheetId = await kikakuSheet(login)
    const sockets = processes.map((p) => collabClient(p.url, sheetId, login.at(p.url)))
    await Promise.all(sockets.map((s) => s.synced()))
    const stream = eventStream(login.at(b.url))
    await stream.ready()
    // Another session of the same person, which a logout leaves alone.
    const other = await new TestClient(c.url).login('chiiki')
    const otherSocket = collabClient(b.url, sheetId, other.at(b.url))
    await otherSocket.synced()
    expect((await login.post('/api/auth/logout')).status).toBe(204)
    for (const s of sockets) await eventually(() => expect(s.closeEvents.some((e) => e.code === 4401)).toBe(true))
    await eventually(() => expect(stream.ended).toBe(true))
    expect(otherSocket.closeEvents).toEqual([])

    // The admin disables the person on C: the remaining session's socket on B closes.
    const admin = await new TestClient(c.url).login('admin')
    const users = await admin.get<{ users: { id: string; username: string }[] }>('/api/admin/users')
    const id = users.body.users.find((u) => u.username === 'chiiki')!.id
    expect((await admin.request('PATCH', `/api/admin/users/${id}`, { json: { disabled: true } })).status).toBe(200)
    await eventually(() => expect(otherSocket.closeEvents.some((e) => e.code === 4401)).toBe(true))
  }, 60_000)

  it('SIGKILL of one of 3 processes under 30 typing clients: they reconnect through the balancer, nothing is lost, the others keep serving', async () => {
    const { processes } = await startCluster(3)
    const balancer = await startBalancer({ host: '127.0.0.1', port: 0, backends: processes.map((p) => ({ host: '127.0.0.1', port: p.port })), downMs: 200 })
    balancers.add(balancer)
    const url = `http://127.0.0.1:${balancer.port}`
    const login = await new TestClient(url).login('kikaku')
    const sheetId = await kikakuSheet(login)
    const clients = Array.from({ length: 30 }, () => collabClient(url, sheetId, login))
    await Promise.all(clients.map((client) => client.synced()))
    const { typed, type } = typist(clients)
    let stop = false
    const typing = type(200, () => stop, 5)
    await eventually(() => expect(typed.reduce((x, y) => x + y, 0)).toBeGreaterThan(300))
    const [victim] = processes
    victim!.child.kill('SIGKILL')
    await stopped(victim!.child)
    stop = true
    await typing
    await type(10)
    const text = await converged(clients, typed, 45_000)
    // A third of the clients were on the killed process; the others never lost their socket.
    const cut = clients.filter((client) => client.closeEvents.length > 0).length
    expect(cut).toBeGreaterThan(0)
    expect(cut).toBeLessThanOrEqual(12)
    // Stored: a newcomer on each surviving process gets all of it.
    for (const p of processes.slice(1)) expect(await served(p, login, sheetId)).toBe(text)
  }, 120_000)

  it('Redis restarted while 3 processes have clients typing: they converge with nothing lost', async () => {
    const redis = await throwawayRedis()
    try {
      const { processes } = await startCluster(3, { url: redis.url, prefix: 'hoshin-test:' })
      const login = await new TestClient(processes[0]!.url).login('kikaku')
      const sheetId = await kikakuSheet(login)
      const clients = processes.flatMap((p) => [0, 1, 2].map(() => collabClient(p.url, sheetId, login.at(p.url))))
      await Promise.all(clients.map((client) => client.synced()))
      const { typed, type } = typist(clients)
      let stop = false
      const typing = type(400, () => stop, 5)
      await eventually(() => expect(typed.reduce((x, y) => x + y, 0)).toBeGreaterThan(60))
      await redis.restart(() => eventually(() => expect(typed.reduce((x, y) => x + y, 0)).toBeGreaterThan(200)))
      stop = true
      await typing
      await type(10)
      const text = await converged(clients, typed, 45_000)
      for (const p of processes) expect(await served(p, login, sheetId)).toBe(text)
    } finally {
      await redis.stop()
    }
  }, 120_000)
})

/** A redis-server of this test's own on a free port, which it can stop and start again (the run's Redis is shared). */
async function throwawayRedis() {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
  const dir = await tempDir()
  let child: ChildProcess | undefined
  const start = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    child = started
    await new Promise<void>((resolve, reject) => {
      let out = ''
      started.stdout!.on('data', (chunk: Buffer) => {
        out += chunk
        if (/Ready to accept connections/.test(out)) resolve()
      })
      started.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)))
    })
  }
  const stop = async () => {
    if (!child) return
    const exiting = stopped(child)
    child.kill('SIGKILL')
    await exiting
    child = undefined
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    /** Down while `whileDown` runs (the typing goes on), then up again, empty. */
    restart: async (whileDown: () => Promise<void>) => {
      await stop()
      await whileDown()
      await start()
    },
    stop,
  }
}
