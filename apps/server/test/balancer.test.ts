import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { type Backend, type Balancer, startBalancer } from '../src/cluster/balancer.js'

/**
 * The cluster's TCP balancer (src/cluster/balancer.ts) against real TCP servers on port 0: no mocks, and
 * no sleeps — every wait is on a socket event, or a poll with a deadline where time itself must pass.
 */

// What a test made, closed after it (registered here at import, on the file's root suite).
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  const list = cleanups.splice(0).reverse()
  for (const cleanup of list) await cleanup()
})

/** A TCP server on 127.0.0.1:0, closed (its connections cut) after the test. */
async function listen(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; backend: Backend }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(async () => {
    for (const s of sockets) s.destroy()
    if (server.listening) await new Promise((resolve) => server.close(resolve))
  })
  return { server, backend: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port } }
}

/** A backend that says its name and hangs up: which one answered is the whole reply. */
const namedBackend = (name: string) => listen((socket) => socket.end(name))

/** A backend that sends back everything it receives. */
const echoBackend = () => listen((socket) => socket.pipe(socket))

/** A port that refuses connections: a server listened on it, then closed. */
async function closedPort(): Promise<Backend> {
  const { server, backend } = await listen(() => undefined)
  await new Promise((resolve) => server.close(resolve))
  return backend
}

async function balancer(backends: Backend[], options: { downMs?: number; maxConnections?: number } = {}): Promise<Balancer> {
  const b = await startBalancer({ host: '127.0.0.1', port: 0, backends, ...options })
  cleanups.push(() => b.close())
  return b
}

/** Opens a connection to the balancer; it is destroyed after the test if still open. */
function connect(port: number): net.Socket {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.on('error', () => undefined)
  cleanups.push(async () => {
    socket.destroy()
  })
  return socket
}

/** Everything the server sends until it closes, and whether the connection was ever established. */
async function reply(port: number, send?: Buffer): Promise<{ data: Buffer; connected: boolean }> {
  const socket = connect(port)
  const chunks: Buffer[] = []
  let connected = false
  socket.on('connect', () => {
    connected = true
    if (send) socket.end(send)
  })
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(socket, 'close')
  return { data: Buffer.concat(chunks), connected }
}

const nameFrom = async (port: number) => (await reply(port)).data.toString()

describe('cluster balancer', () => {
  it('spreads connections round-robin', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map(async (n) => (await namedBackend(n)).backend))
    const { port } = await balancer(backends)
    const names: string[] = []
    for (let i = 0; i < 6; i++) names.push(await nameFrom(port))
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
  })

  it('skips a backend that refuses, and the client still gets through', async () => {
    const a = await namedBackend('a')
    const c = await namedBackend('c')
    const { port } = await balancer([a.backend, await closedPort(), c.backend])
    const names: string[] = []
    for (let i = 0; i < 6; i++) names.push(await nameFrom(port))
    // Every client was answered, only ever by the two that listen.
    expect(names).toHaveLength(6)
    expect(new Set(names)).toEqual(new Set(['a', 'c']))
  })

  it('tries a backend again once its down mark has passed', async () => {
    const a = await namedBackend('a')
    const gone = await closedPort()
    const { port } = await balancer([gone, a.backend], { downMs: 50 })
    expect(await nameFrom(port)).toBe('a') // `gone` refused and is now marked down
    // It comes back on the same port (listen there again: the port was free a moment ago).
    const back = net.createServer((socket) => socket.end('back'))
    back.listen(gone.port, '127.0.0.1')
    await once(back, 'listening')
    cleanups.push(() => new Promise((resolve) => back.close(resolve)))
    const deadline = Date.now() + 5000
    let seen = ''
    while (seen !== 'back' && Date.now() < deadline) seen = await nameFrom(port)
    expect(seen).toBe('back')
  })

  it('closes the client when every backend is down, or there are none', async () => {
    const { port } = await balancer([await closedPort(), await closedPort()])
    const refused = await reply(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'))
    expect(refused.data.length).toBe(0)
    // Now both are marked down: refused without trying.
    expect((await reply(port)).data.length).toBe(0)

    const empty = await balancer([])
    expect((await reply(empty.port)).data.length).toBe(0)
  })

  it('carries 5 MB each way intact, with the end of the client data passed on', async () => {
    const { backend } = await echoBackend()
    // A refusing backend first: the upload starts while the balancer is still looking, past its 64 KiB hold.
    const { port } = await balancer([await closedPort(), backend])
    const payload = randomBytes(5 * 1024 * 1024)
    const { data } = await reply(port, payload)
    expect(data.length).toBe(payload.length)
    expect(createHash('sha256').update(data).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'))
  })

  it('holds what the client sends before a backend is connected, and passes it on first', async () => {
    const { backend } = await echoBackend()
    // Ten refusals to go through first: the client's bytes and its end arrive while the balancer looks.
    const refusing = await Promise.all(Array.from({ length: 10 }, closedPort))
    const { port } = await balancer([...refusing, backend])
    const socket = connect(port)
    socket.write('first ')
    socket.end('second')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(socket, 'close')
    expect(Buffer.concat(chunks).toString()).toBe('first second')
  })

  it('keeps an HTTP keep-alive connection on one backend, and passes WebSocket upgrades', async () => {
    const remotePorts: number[] = []
    const httpServer = http.createServer((req, res) => {
      remotePorts.push(req.socket.remotePort ?? 0)
      res.end('ok')
    })
    const wss = new WebSocketServer({ server: httpServer })
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${String(m)}`)))
    httpServer.listen(0, '127.0.0.1')
    await once(httpServer, 'listening')
    cleanups.push(async () => {
      for (const client of wss.clients) client.terminate()
      await new Promise((resolve) => wss.close(resolve))
      httpServer.closeAllConnections()
      await new Promise((resolve) => httpServer.close(resolve))
    })
    const { port } = await balancer([{ host: '127.0.0.1', port: (httpServer.address() as net.AddressInfo).port }])

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    cleanups.push(async () => agent.destroy())
    const get = () =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            let body = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              body += chunk
            })
            res.on('end', () => resolve(body))
          })
          .on('error', reject)
      })
    expect([await get(), await get()]).toEqual(['ok', 'ok'])
    expect(remotePorts).toHaveLength(2)
    expect(remotePorts[0]).toBe(remotePorts[1])

    const ws = new WebSocket(`ws://127.0.0.1:${port}/collab/sheet-1`)
    cleanups.push(async () => ws.terminate())
    await once(ws, 'open')
    ws.send('hello')
    const [message] = await once(ws, 'message')
    expect(String(message)).toBe('echo hello')
  })

  it('refuses connections past its limit', async () => {
    const { backend } = await echoBackend()
    const { port } = await balancer([backend], { maxConnections: 2 })
    const held = [connect(port), connect(port)]
    // Both joined to the echo: each gets its bytes back.
    for (const socket of held) {
      socket.write('x')
      await once(socket, 'data')
    }
    const third = await reply(port, Buffer.from('y'))
    expect(third.data.length).toBe(0)
  })

  it('closes cleanly: open connections cut on both sides, the port no longer listening', async () => {
    let backendSide: net.Socket | undefined
    const echo = await listen((socket) => {
      backendSide = socket
      socket.pipe(socket)
    })
    const b = await startBalancer({ host: '127.0.0.1', port: 0, backends: [echo.backend] })
    const socket = connect(b.port)
    socket.write('ping')
    await once(socket, 'data')
    expect(backendSide).toBeDefined()
    const closed = [once(socket, 'close'), once(backendSide!, 'close')]

    await b.close()
    await Promise.all(closed)
    // Nothing listens on the balancer's port any more.
    const probe = net.connect({ host: '127.0.0.1', port: b.port })
    const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException]
    expect(error.code).toBe('ECONNREFUSED')
    // A second close is the same close.
    await b.close()
  })

  it('sends new connections to the new list after setBackends', async () => {
    const a = await namedBackend('a')
    const z = await namedBackend('z')
    const b = await balancer([a.backend])
    expect(await nameFrom(b.port)).toBe('a')
    b.setBackends([z.backend])
    expect([await nameFrom(b.port), await nameFrom(b.port)]).toEqual(['z', 'z'])
  })
})
