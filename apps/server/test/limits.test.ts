import http from 'node:http'
import net from 'node:net'
import { type ApiErrorBody, CloseCode, MessageType, type ThreadView } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { defaultLimits } from '../src/http/limits.js'
import type { RunningServer } from '../src/server.js'
import { cellText, collabClient, collabSocketUrl, eventually, presenceMessage, updateMessage } from './collab-harness.js'
import { addUninvolvedDepartment, logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
const as = logins(() => server)

beforeAll(async () => {
  server = await startTestServer({
    limits: { ...defaultLimits, socketsPerUser: 3, queuedBytes: 256 * 1024, syncRequestsPerMinute: 6000, headersTimeoutMs: 500 },
  })
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
})

/** A raw socket, resolved once the server greeted it (the sheet is loaded and the socket attached). */
async function rawSocket(username: string): Promise<WebSocket> {
  const cookie = (await as(username)).cookieHeader()!
  const ws = new WebSocket(collabSocketUrl(server.url, sheetId), { headers: { cookie } })
  await new Promise((resolve, reject) => {
    ws.once('message', resolve)
    ws.once('error', reject)
  })
  return ws
}

const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))

/** An honest editor keeps working: an edit of theirs reaches another honest client. */
async function honestClientsStillSync(mark: string) {
  const a = collabClient(server.url, sheetId, await as('zero'))
  const b = collabClient(server.url, sheetId, await as('joho'))
  await Promise.all([a.synced(), b.synced()])
  cellText(a.doc, 'issues', 'issue-1', 'text').insert(0, mark)
  await eventually(() => expect(docToSheet(b.doc).issues[0]!.text.startsWith(mark)).toBe(true))
  a.destroy()
  b.destroy()
}

describe('request bodies', () => {
  it('a login body past 4 KB is refused unread (413), whether it declares its length or streams', async () => {
    const huge = JSON.stringify({ username: 'x'.repeat(5 * 1024 * 1024), password: 'y' })
    const declared = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: huge,
    })
    expect(declared.status).toBe(413)
    expect(((await declared.json()) as ApiErrorBody).error.code).toBe('payload_too_large')
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 64; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)))
        controller.close()
      },
    })
    const streamed = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: chunks,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    // A normal login still works.
    expect((await (await as('kikaku')).get('/api/me')).status).toBe(200)
  })

  it('other JSON routes stop at 64 KB', async () => {
    const res = await (await as('kikaku')).post<ApiErrorBody>(`/api/sheets/${sheetId}/comments`, {
      target: { kind: 'measure', id: 'measure-1' },
      body: 'あ'.repeat(40_000),
    })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('payload_too_large')
    expect(res.body.error.message).toMatch(/KB まで/)
  })
})

describe('comment floods', () => {
  it('a person may write 30 comments at once and then 5 a second (429 past it); others are not slowed', async () => {
    const other = await startTestServer()
    const id = (await other.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
    const reader = await new TestClient(other.url).login('somu')
    const target = { kind: 'measure', id: 'measure-1' }
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => reader.post<ApiErrorBody>(`/api/sheets/${id}/comments`, { target, body: `洪水 ${i}` })),
    )
    const seconds = (performance.now() - started) / 1000
    const statuses = results.map((r) => r.status)
    // 30 at once, and the few the 5-a-second refill allows while the burst is handled (however long a
    // loaded machine takes to handle it).
    const accepted = statuses.filter((s) => s === 201).length
    expect(accepted).toBeGreaterThanOrEqual(30)
    expect(accepted).toBeLessThanOrEqual(30 + Math.ceil(5 * seconds))
    expect(accepted).toBeLessThan(60)
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - accepted)
    expect(results.find((r) => r.status === 429)!.body.error).toMatchObject({ code: 'rate_limited', retryAfter: 10 })
    const colleague = await new TestClient(other.url).login('kikaku')
    const own = await colleague.post<ThreadView>(`/api/sheets/${id}/comments`, { target, body: '通常の投稿' })
    expect(own.status).toBe(201)
    // One changed thread is fetched alone (what an open page does when the socket names it).
    const one = await colleague.get<ThreadView>(`/api/sheets/${id}/comments/${own.body.id}`)
    expect(one.body).toMatchObject({ id: own.body.id, comments: [{ body: '通常の投稿' }] })
    const elsewhere = (await other.services.stores.sheets.findByDepartmentYear('somu', 2025))!.id
    expect((await colleague.get(`/api/sheets/${elsewhere}/comments/${own.body.id}`)).status).toBe(404)
  })
})

describe('mentions and hidden characters', () => {
  it('mentions resolve only among those who may read the sheet: an existing name elsewhere answers like a made-up one', async () => {
    const other = await startTestServer()
    const gikaiSheet = await addUninvolvedDepartment(other)
    const gikai = await new TestClient(other.url).login('gikai')
    const post = (body: string) =>
      gikai.post<ApiErrorBody & ThreadView>(`/api/sheets/${gikaiSheet}/comments`, { target: { kind: 'measure', id: 'g-m' }, body })
    const existing = await post('@kikaku 確認してください') // 企画財政課 cannot read 議会事務局's sheet
    const madeUp = await post('@no-such-person 確認してください')
    expect(existing.status).toBe(400)
    expect(madeUp.status).toBe(400)
    expect(existing.body.error.code).toBe('unknown_mention')
    expect(existing.body.error.message.replace('kikaku', 'X')).toBe(madeUp.body.error.message.replace('no-such-person', 'X'))
    // 企画 reads every sheet: mentioning them works.
    expect((await post('@planning 確認してください')).status).toBe(201)
  })

  it('removes right-to-left overrides and other bidirectional controls from comments and names', async () => {
    const other = await startTestServer()
    const id = (await other.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
    const kikaku = await new TestClient(other.url).login('kikaku')
    const created = await kikaku.post<ThreadView>(`/api/sheets/${id}/comments`, {
      target: { kind: 'measure', id: 'measure-1' },
      body: '承認\u202Eしないで\u202C ください',
    })
    expect(created.body.comments[0]!.body).toBe('承認しないで ください')
    const admin = await new TestClient(other.url).login('admin')
    const user = await admin.post<{ user: { id: string; displayName: string } }>('/api/admin/users', {
      username: 'bidi-test',
      displayName: '\u202E長課 \u2066正和\u2069',
      role: 'staff',
      departmentId: 'somu',
      password: 'a-long-password',
    })
    expect(user.status).toBe(201)
    expect(user.body.user.displayName).toBe('長課 正和')
  })
})

describe('origins', () => {
  /** A request with headers fetch would not let us set (Host). */
  function raw(url: string, method: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(url, { method, headers }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      request.on('error', reject)
      request.end(body)
    })
  }

  it('with HOSHIN_PUBLIC_ORIGIN set, a request made to another name (DNS rebinding) is refused, login included', async () => {
    const town = await startTestServer({ publicOrigins: ['http://hoshin.example.lg.jp'] })
    const login = JSON.stringify({ username: 'kikaku', password: 'hoshin-demo' })
    const evil = await raw(`${town.url}/api/auth/login`, 'POST', { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/json' }, login)
    expect(evil.status).toBe(421)
    expect(JSON.parse(evil.body).error.code).toBe('cross_origin')
    const good = await raw(
      `${town.url}/api/auth/login`,
      'POST',
      { host: 'hoshin.example.lg.jp', origin: 'http://hoshin.example.lg.jp', 'content-type': 'application/json' },
      login,
    )
    expect(good.status).toBe(200)
  })

  it('the scheme counts: an https Origin on a request over http is another origin, for the API and the websocket', async () => {
    const https = server.url.replace('http:', 'https:')
    const post = await raw(`${server.url}/api/auth/login`, 'POST', { origin: https, 'content-type': 'application/json' }, '{}')
    expect(post.status).toBe(403)
    const cookie = (await as('kikaku')).cookieHeader()!
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(collabSocketUrl(server.url, sheetId), { headers: { cookie, origin: https } })
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
      ws.on('error', () => undefined)
    })
    expect(status).toBe(403)
  })
})

describe('headers', () => {
  it('every answer carries a self-only Content-Security-Policy, no framing, nosniff and a referrer policy', async () => {
    for (const path of ['/', '/api/health', '/login']) {
      const res = await fetch(`${server.url}${path}`)
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp, path).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("connect-src 'self'")
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
    }
  })
})

describe('what an update may contain', () => {
  async function editorDoc() {
    const client = collabClient(server.url, sheetId, await as('kikaku'))
    await client.synced()
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(client.doc))
    client.destroy()
    return scratch
  }
  const changeOf = (doc: Y.Doc, change: () => void) => {
    let update: Uint8Array | undefined
    doc.once('update', (u: Uint8Array) => {
      update = u
    })
    change()
    return update!
  }

  it.each([
    ['an invented root type', (doc: Y.Doc) => doc.getMap('probe').set('x', 'y'.repeat(1000))],
    ['a new department name in meta', (doc: Y.Doc) => doc.getMap('meta').set('departmentName', '乗っ取り課')],
    ['meta deleted', (doc: Y.Doc) => doc.getMap('meta').delete('fiscalYear')],
  ])('%s is refused (4400), never stored nor sent to anyone', async (_label, change) => {
    const reader = collabClient(server.url, sheetId, await as('somu'))
    await reader.synced()
    // Read through the sheet model (a root type the server has not read yet as a map would print as nothing).
    const snapshot = (d: Y.Doc) => JSON.stringify({ sheet: docToSheet(d), meta: d.getMap('meta').toJSON(), roots: [...d.share.keys()].sort() })
    const before = await server.services.documents.read(sheetId, snapshot)
    const ws = await rawSocket('kikaku')
    const closed = closeCode(ws)
    const doc = await editorDoc()
    ws.send(updateMessage(changeOf(doc, () => change(doc))))
    expect(await closed).toBe(CloseCode.ProtocolError)
    expect(await server.services.documents.read(sheetId, snapshot)).toBe(before)
    expect(reader.doc.share.has('probe')).toBe(false)
    expect(docToSheet(reader.doc).department.name).toBe('企画財政課')
    reader.destroy()
  })

  it('a sheet past its size limit takes no more changes: read-only "full" for that editor, nothing half-applied', async () => {
    const big = await startTestServer({ limits: { ...defaultLimits, sheetBytes: 64 * 1024 } })
    const id = (await big.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
    const writer = collabClient(big.url, id, await new TestClient(big.url).login('kikaku'))
    await writer.synced()
    const text = cellText(writer.doc, 'issues', 'issue-2', 'text')
    text.insert(0, 'あ'.repeat(30_000))
    await eventually(() => expect(writer.session).toEqual({ kind: 'session', readOnly: true, reason: 'full' }))
    expect((await big.services.documents.read(id, docToSheet)).issues[1]!.text).not.toContain('ああ')
  })
})

describe('presence', () => {
  it('names the session’s person, whatever the client claims, and nobody speaks for another person’s cursor', async () => {
    const head = collabClient(server.url, sheetId, await as('kacho'))
    await head.synced()
    head.provider.awareness.setLocalStateField('user', { name: '伊藤 正和', section: '企画財政課', color: '#123456' })
    const watcher = collabClient(server.url, sheetId, await as('joho'))
    await watcher.synced()
    const headId = head.doc.clientID
    await eventually(() => expect(watcher.provider.awareness.getStates().get(headId)).toBeTruthy())

    const reader = await rawSocket('somu')
    // Tries to overwrite, then remove, the head's own cursor…
    reader.send(presenceMessage(headId, { user: { name: '偽物' } }, 1000))
    reader.send(presenceMessage(headId, null, 1001))
    // …then claims to be the head, under an id of its own (the last message: once others see it, the
    // earlier ones on the same socket were handled).
    reader.send(presenceMessage(424242, { user: { name: '伊藤 正和（課長）', section: '課長', color: 'red' } }))
    await eventually(() => expect(watcher.provider.awareness.getStates().get(424242)).toBeTruthy())
    expect(watcher.provider.awareness.getStates().get(424242)!.user).toEqual({ name: '渡辺 直子', section: '総務係', color: '#37474f' })
    expect(watcher.provider.awareness.getStates().get(headId)!.user).toMatchObject({ name: '伊藤 正和' })
    reader.close()
    head.destroy()
    watcher.destroy()
  })

  it('closes a socket that sends a presence update past 16 KB (1009); nobody receives it', async () => {
    const watcher = collabClient(server.url, sheetId, await as('joho'))
    await watcher.synced()
    const reader = await rawSocket('somu')
    const closed = closeCode(reader)
    reader.send(presenceMessage(515151, { user: {}, padding: 'x'.repeat(40_000) }))
    expect(await closed).toBe(CloseCode.MessageTooBig)
    // The same person's next, ordinary presence passes: it is the size that was refused.
    const again = await rawSocket('somu')
    again.send(presenceMessage(616161, { user: {} }))
    await eventually(() => expect(watcher.provider.awareness.getStates().get(616161)).toBeTruthy())
    expect(watcher.provider.awareness.getStates().has(515151)).toBe(false)
    again.close()
    watcher.destroy()
  })
})

describe('sockets', () => {
  it('one person may open only so many sheet sockets (429 at the upgrade); closing one lets the next in; others are not affected', async () => {
    const open = await Promise.all([rawSocket('chiiki'), rawSocket('chiiki'), rawSocket('chiiki')])
    const refused = await new Promise<number>((resolve) => {
      const cookie = as('chiiki').then((c) => c.cookieHeader()!)
      void cookie.then((value) => {
        const ws = new WebSocket(collabSocketUrl(server.url, sheetId), { headers: { cookie: value } })
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.on('open', () => resolve(101))
        ws.on('error', () => undefined)
      })
    })
    expect(refused).toBe(429)
    await honestClientsStillSync('【他の人】')
    const closed = closeCode(open[0]!)
    open[0]!.close()
    await closed
    await eventually(async () => {
      const again = await rawSocket('chiiki')
      again.close()
    })
    for (const ws of open.slice(1)) ws.close()
  })

  it('a socket that floods messages is closed (1008) while the others keep syncing', async () => {
    const ws = await rawSocket('kikaku')
    const closed = closeCode(ws)
    // Query-awareness messages: tiny, each one answered with everyone's presence.
    for (let i = 0; i < 5000; i++) ws.send(Uint8Array.from([MessageType.QueryAwareness]))
    expect(await closed).toBe(CloseCode.PolicyViolation)
    await honestClientsStillSync('【洪水の後】')
  })

  it('a reader that asks again and again and never reads is dropped as a slow consumer, and the server lets go of what it queued', async () => {
    // somu reads 企画財政課's sheet read-only (全課).
    const ws = await rawSocket('somu')
    const raw = (ws as unknown as { _socket: net.Socket })._socket
    raw.pause()
    const live = await server.services.documents.live(sheetId)
    const before = live!.connections.size
    // Sync step 1 with an empty state vector: each answer is the whole sheet. Past what the kernel buffers
    // hold, the server's queue grows; it closes the socket once 256 KB wait for a client that does not read.
    for (let i = 0; i < 900; i++) ws.send(Uint8Array.from([0, 0, 1, 0]))
    await eventually(() => expect(live!.connections.size).toBe(before - 1))
    const closed = closeCode(ws)
    raw.resume()
    // Dropped without a closing handshake: the client sees an abnormal closure and may reconnect.
    expect(await closed).toBe(1006)
    await honestClientsStillSync('【遅い読者の後】')
  })

  it('a connection that sends no request is cut off after the headers timeout', async () => {
    const { port } = new URL(server.url)
    const socket = net.connect(Number(port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const ended = await new Promise<string>((resolve) => {
      let answer = ''
      socket.on('data', (chunk) => {
        answer += chunk.toString()
      })
      socket.once('close', () => resolve(answer))
    })
    // Node answers 408 Request Timeout, then closes.
    expect(ended).toMatch(/^HTTP\/1\.1 408/)
  })
})
