import type { ApiErrorBody, MeResponse } from '@hoshin/protocol'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { startTestServer, TestClient } from './harness.js'

let server: RunningServer
beforeAll(async () => {
  server = await startTestServer()
})
afterEach(() => {
  vi.useRealTimers()
})

const HOUR = 60 * 60 * 1000

describe('login and sessions', () => {
  it('logs in with the demo password and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const client = new TestClient(server.url)
    const res = await client.post<MeResponse>('/api/auth/login', { username: 'kikaku', password: 'hoshin-demo' })
    expect(res.status).toBe(200)
    expect(res.body.user).toMatchObject({
      username: 'kikaku',
      role: 'staff',
      department: { id: 'kikaku-zaisei', name: '企画財政課' },
      section: { id: 'kikaku-chosei', name: '企画調整係' },
    })
    const cookie = client.lastSetCookies.find((c) => c.startsWith('hoshin_session='))
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    // Served over plain http here, so not Secure (a Secure cookie would never come back).
    expect(cookie).not.toMatch(/Secure/i)
    const me = await client.get<MeResponse>('/api/me')
    expect(me.status).toBe(200)
    expect(me.body.user.username).toBe('kikaku')
  })

  it('marks the cookie Secure when served over https behind a trusted proxy', async () => {
    const proxied = await startTestServer({ trustProxy: true })
    const client = new TestClient(proxied.url)
    await client.request('POST', '/api/auth/login', {
      json: { username: 'kikaku', password: 'hoshin-demo' },
      // The browser opened the https address the proxy serves: its Origin says https.
      headers: { 'x-forwarded-proto': 'https', origin: proxied.url.replace('http:', 'https:') },
    })
    expect(client.lastSetCookies.find((c) => c.startsWith('hoshin_session='))).toMatch(/Secure/)
  })

  it('answers a wrong password and an unknown user alike, 401 with a Japanese message', async () => {
    const client = new TestClient(server.url)
    const wrong = await client.post<ApiErrorBody>('/api/auth/login', { username: 'chiiki', password: 'nope-nope' })
    const unknown = await client.post<ApiErrorBody>('/api/auth/login', { username: 'nobody', password: 'nope-nope' })
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('invalid_credentials')
      expect(res.body.error.message).toMatch(/パスワード/)
    }
    expect(client.hasSession()).toBe(false)
    expect((await client.get('/api/me')).status).toBe(401)
  })

  it('slows down an address after 5 failures (1 s, then 2 s…), even for the right password, but never locks out another PC', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    const proxied = await startTestServer({ trustProxy: true })
    const from = (address: string, username: string, password: string) =>
      new TestClient(proxied.url).request<ApiErrorBody>('POST', '/api/auth/login', {
        json: { username, password },
        headers: { 'x-forwarded-for': address },
      })
    for (let i = 0; i < 5; i++) expect((await from('10.0.0.66', 'kacho', `wrong-${i}`)).status).toBe(401)
    const throttled = await from('10.0.0.66', 'kacho', 'hoshin-demo')
    expect(throttled.status).toBe(429)
    expect(throttled.body.error.code).toBe('account_locked')
    expect(throttled.body.error.message).toMatch(/この端末から.*1秒/)
    expect(throttled.body.error.retryAfter).toBe(1)
    expect(Number(throttled.headers.get('retry-after'))).toBe(1)

    // 課長 at their own PC is not locked out by someone else's guesses.
    expect((await from('10.0.0.5', 'kacho', 'hoshin-demo')).status).toBe(200)

    // The wait doubles with each further failure.
    vi.setSystemTime(start + 1100)
    expect((await from('10.0.0.66', 'kacho', 'wrong-6')).status).toBe(401)
    expect((await from('10.0.0.66', 'kacho', 'wrong-7')).body.error.retryAfter).toBe(2)
    // After the window the address starts afresh.
    vi.setSystemTime(start + 16 * 60 * 1000)
    expect((await from('10.0.0.66', 'kacho', 'hoshin-demo')).status).toBe(200)
  })

  it('slows down an address that tries many names; refused attempts are audited once a minute, not once each', async () => {
    const proxied = await startTestServer({ trustProxy: true })
    const from = (username: string) =>
      new TestClient(proxied.url).request<ApiErrorBody>('POST', '/api/auth/login', {
        json: { username, password: 'guess' },
        headers: { 'x-forwarded-for': '10.9.9.9' },
      })
    for (let i = 0; i < 20; i++) expect((await from(`name-${i}`)).status).toBe(401)
    for (let i = 0; i < 30; i++) expect((await from(`other-${i}`)).status).toBe(429)
    const throttledRows = await proxied.db.get<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'login.throttled'")
    expect(throttledRows!.n).toBeLessThanOrEqual(30)
    const perName = await proxied.db.all<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'login.throttled' GROUP BY username",
    )
    expect(perName.every((r) => r.n === 1)).toBe(true)
    // A burst against one name writes one row, not one per attempt.
    for (let i = 0; i < 10; i++) await from('other-0')
    expect((await proxied.db.get<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'login.throttled' AND username = 'other-0'"))!.n).toBe(1)
  })

  it('forgets failures older than the window (random names do not pile up)', async () => {
    expect((await new TestClient(server.url).post('/api/auth/login', { username: 'nobody-at-all', password: 'x' })).status).toBe(401)
    const purged = await server.services.lockout.purge(Date.now() + 16 * 60 * 1000)
    expect(purged).toBeGreaterThan(0)
    expect((await server.db.get<{ n: number }>('SELECT count(*) AS n FROM login_failures'))!.n).toBe(0)
  })

  it('logs out: the session ends on the server, not only in the browser', async () => {
    const client = await new TestClient(server.url).login('chiiki')
    const stolenCookie = (await client.get('/api/me')).status
    expect(stolenCookie).toBe(200)
    const sessions = await server.db.all<{ id: string }>(
      "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'chiiki'",
    )
    expect(sessions.length).toBeGreaterThan(0)
    const out = await client.post('/api/auth/logout')
    expect(out.status).toBe(204)
    expect((await client.get('/api/me')).status).toBe(401)
    // Replaying the old cookie does not work either.
    const replay = await fetch(`${server.url}/api/me`, { headers: { cookie: `hoshin_session=${sessions[0]!.id}` } })
    expect(replay.status).toBe(401)
  })

  it('expires an idle session and slides an active one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    const idle = await new TestClient(server.url).login('kacho')
    const active = await new TestClient(server.url).login('kacho')

    vi.setSystemTime(start + 7 * HOUR)
    const touched = await active.get('/api/me')
    expect(touched.status).toBe(200)
    // Past half its life, the session is extended and the browser gets a refreshed cookie.
    expect(active.lastSetCookies.some((c) => c.startsWith('hoshin_session='))).toBe(true)

    vi.setSystemTime(start + 13 * HOUR)
    const expired = await idle.get<ApiErrorBody>('/api/me')
    expect(expired.status).toBe(401)
    expect(expired.body.error.code).toBe('unauthenticated')
    expect((await active.get('/api/me')).status).toBe(200)
  })

  it('refuses mutating requests from another origin or with no origin', async () => {
    const noOrigin = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'kikaku', password: 'hoshin-demo' }),
    })
    expect(noOrigin.status).toBe(403)
    expect(((await noOrigin.json()) as ApiErrorBody).error.code).toBe('cross_origin')
    const client = new TestClient(server.url)
    const evil = await client.request<ApiErrorBody>('POST', '/api/auth/login', {
      json: { username: 'kikaku', password: 'hoshin-demo' },
      headers: { origin: 'http://evil.example' },
    })
    expect(evil.status).toBe(403)
    expect(evil.body.error.code).toBe('cross_origin')
    expect(client.hasSession()).toBe(false)
  })

  it('records logins and failures in the audit log', async () => {
    const rows = await server.db.all<{ action: string; username: string }>('SELECT action, username FROM audit_log')
    expect(rows).toEqual(expect.arrayContaining([{ action: 'login', username: 'kikaku' }, { action: 'login.failed', username: 'chiiki' }]))
  })
})

describe('concurrent logins', () => {
  /**
   * A server of its own behind a trusted proxy: each test signs in from addresses of its own, so the
   * failures of one test (or of the tests above, all from 127.0.0.1) never throttle another's.
   */
  let town: RunningServer
  const people = Array.from({ length: 20 }, (_, i) => `douji-${String(i).padStart(2, '0')}`)
  beforeAll(async () => {
    town = await startTestServer({ trustProxy: true })
    const passwordHash = await hashPassword('hoshin-demo')
    for (const [i, username] of people.entries()) {
      await town.services.stores.users.create({ username, displayName: `同時 ${i}`, role: 'staff', departmentId: 'somu', sectionId: 'somu-kakari', passwordHash })
    }
  })

  /** A browser at `address` (as the proxy reports it): keeps its cookie, sends the address on every request. */
  function browserAt(address: string) {
    const client = new TestClient(town.url)
    const headers = { 'x-forwarded-for': address }
    return {
      client,
      login: (username: string, password = 'hoshin-demo') =>
        client.request<MeResponse & ApiErrorBody>('POST', '/api/auth/login', { json: { username, password }, headers }),
      me: () => client.request<MeResponse & ApiErrorBody>('GET', '/api/me', { headers }),
      logout: () => client.request('POST', '/api/auth/logout', { headers }),
    }
  }

  async function sessionRows(username: string): Promise<string[]> {
    const rows = await town.db.all<{ id: string }>('SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?', [username])
    return rows.map((r) => r.id)
  }

  it('the same person signing in 20 times at once gets 20 distinct working sessions; logging out one leaves the other 19', async () => {
    const browsers = Array.from({ length: 20 }, (_, i) => browserAt(`10.1.0.${i + 1}`))
    const results = await Promise.all(browsers.map((b) => b.login('kacho')))
    expect(results.map((r) => r.status)).toEqual(new Array(20).fill(200))
    const cookies = browsers.map((b) => b.client.cookieHeader())
    expect(new Set(cookies).size).toBe(20)
    // Twenty sessions stored for that person, each one a browser's cookie.
    const stored = await sessionRows('kacho')
    expect(stored).toHaveLength(20)
    for (const cookie of cookies) expect(stored.some((id) => cookie === `hoshin_session=${id}`)).toBe(true)
    const me = await Promise.all(browsers.map((b) => b.me()))
    expect(me.map((r) => [r.status, r.body.user?.username])).toEqual(new Array(20).fill([200, 'kacho']))

    expect((await browsers[7]!.logout()).status).toBe(204)
    expect((await browsers[7]!.me()).status).toBe(401)
    // Its cookie, replayed, is refused too: the session ended on the server.
    const replay = await fetch(`${town.url}/api/me`, { headers: { cookie: cookies[7]! } })
    expect(replay.status).toBe(401)
    const others = await Promise.all(browsers.filter((_, i) => i !== 7).map((b) => b.me()))
    expect(others.map((r) => [r.status, r.body.user?.username])).toEqual(new Array(19).fill([200, 'kacho']))
    expect(await sessionRows('kacho')).toHaveLength(19)
  })

  it('20 different people signing in at once from one office each get their own session; one logging out leaves the others', async () => {
    const browsers = people.map(() => browserAt('10.2.0.1'))
    const results = await Promise.all(browsers.map((b, i) => b.login(people[i]!)))
    expect(results.map((r) => r.status)).toEqual(new Array(20).fill(200))
    expect(results.map((r) => r.body.user.username)).toEqual(people)
    expect(new Set(browsers.map((b) => b.client.cookieHeader())).size).toBe(20)
    const me = await Promise.all(browsers.map((b) => b.me()))
    expect(me.map((r) => r.body.user?.username)).toEqual(people)

    expect((await browsers[0]!.logout()).status).toBe(204)
    expect((await browsers[0]!.me()).status).toBe(401)
    const others = await Promise.all(browsers.slice(1).map((b) => b.me()))
    expect(others.map((r) => r.body.user?.username)).toEqual(people.slice(1))
  })

  it('wrong passwords for one name sent all at once from one PC get only 5 checked before the wait; another PC is not slowed', async () => {
    const attempts = await Promise.all(Array.from({ length: 15 }, (_, i) => browserAt('10.3.0.1').login('chiiki', `guess-${i}`)))
    const statuses = attempts.map((r) => r.status)
    // Each 401 is a password that was checked; the rest were refused unchecked.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(10)
    const stored = await town.db.all<{ address: string }>("SELECT address FROM login_failures WHERE username = 'chiiki'")
    expect(stored).toEqual(new Array(5).fill({ address: '10.3.0.1' }))
    // The right password is refused too from that PC while it waits, and accepted from another.
    expect((await browserAt('10.3.0.1').login('chiiki')).status).toBe(429)
    expect((await browserAt('10.3.0.2').login('chiiki')).status).toBe(200)
  })

  // Attempts queue per address as well as per name: without it, attempts for different names from one
  // address all passed the per-address check before any was recorded (30 names at once: 30 checked).
  it('wrong passwords for 30 names sent all at once from one PC get only 20 checked before the wait', async () => {
    const attempts = await Promise.all(Array.from({ length: 30 }, (_, i) => browserAt('10.4.0.1').login(`guess-name-${i}`, 'guess')))
    const statuses = attempts.map((r) => r.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(20)
    expect(statuses.filter((s) => s === 429)).toHaveLength(10)
    expect((await town.db.get<{ n: number }>("SELECT count(*) AS n FROM login_failures WHERE address = '10.4.0.1'"))!.n).toBe(20)
    // Past 20 names, that PC waits even for a right password; a colleague's PC does not.
    expect((await browserAt('10.4.0.1').login(people[0]!)).status).toBe(429)
    expect((await browserAt('10.4.0.2').login(people[0]!)).status).toBe(200)
  })

  it('right and wrong passwords for one person at once: the right ones get in, each wrong one is refused and audited', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => browserAt('10.5.0.1').login('joho', i % 2 === 0 ? 'hoshin-demo' : `guess-${i}`)),
    )
    const statuses = attempts.map((r) => r.status)
    expect(statuses.filter((_, i) => i % 2 === 0)).toEqual([200, 200, 200, 200])
    expect(statuses.filter((_, i) => i % 2 === 1)).toEqual([401, 401, 401, 401])
    const audited = await town.db.all<{ action: string }>(
      "SELECT action FROM audit_log WHERE username = 'joho' AND action IN ('login', 'login.failed') ORDER BY action",
    )
    expect(audited.map((r) => r.action)).toEqual(['login', 'login', 'login', 'login', 'login.failed', 'login.failed', 'login.failed', 'login.failed'])
  })
})

describe('bad input', () => {
  const cases: [string, string, string, string?][] = [
    ['not JSON', '{"username": ', 'invalid_json'],
    ['an array', '[]', 'invalid_json'],
    ['a string', '"kikaku"', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['a missing password', '{"username":"kikaku"}', 'validation_failed', 'password'],
    ['a number for the name', '{"username":1,"password":"x"}', 'validation_failed', 'username'],
    ['an empty name', '{"username":"  ","password":"x"}', 'validation_failed', 'username'],
  ]
  it.each(cases)('answers %s with 400 and a stable code, never 500', async (_label, body, code, path) => {
    const client = new TestClient(server.url)
    const res = await client.request<ApiErrorBody>('POST', '/api/auth/login', {
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe(code)
    expect(res.body.error.message).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/)
    if (path) expect(res.body.error.path).toBe(path)
  })

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await new TestClient(server.url).get<ApiErrorBody>('/api/nothing-here')
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
  })

  it('answers /api/health', async () => {
    const res = await new TestClient(server.url).get('/api/health')
    expect(res).toMatchObject({ status: 200, body: { ok: true } })
  })
})
