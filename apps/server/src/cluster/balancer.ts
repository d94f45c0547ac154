import net from 'node:net'

/**
 * A small TCP load balancer for several Hoshin processes on one machine (issue 17). It works below HTTP:
 * each incoming connection is joined, byte for byte, to one backend chosen round-robin, so HTTP keep-alive
 * and WebSockets need nothing special. The processes keep no state of their own (PostgreSQL and Redis
 * hold it), so any backend will do and no connection needs to stick to one.
 *
 * Because it only moves bytes, the backends see every client as 127.0.0.1. A town that needs the real
 * addresses (the per-address login throttling) puts nginx or HAProxy in front (apps/server/deploy/):
 * their X-Forwarded-For passes through untouched.
 */

export interface Backend {
  host: string
  port: number
}

export interface BalancerOptions {
  host: string
  port: number
  backends: Backend[]
  log?: (message: string) => void
  /** Open client connections at most; more are refused at accept (Node's server.maxConnections). */
  maxConnections?: number
  /**
   * A backend that has not accepted within this long counts as down (an unreachable host, a full backlog).
   * A process that hangs after the kernel accepted for it is not noticed here: HAProxy's health check is.
   */
  connectTimeoutMs?: number
  /** How long a backend that failed is skipped before it is tried again. */
  downMs?: number
  /** Client bytes held while a backend is being found; past this the client is paused, not read. */
  maxPendingBytes?: number
}

export interface Balancer {
  /** The port it listens on (the real one when asked for port 0). */
  port: number
  /** Stops listening, cuts every open connection, and resolves once the server has closed. */
  close(): Promise<void>
  /** Replaces the backends for connections from now on; open connections stay where they are. */
  setBackends(list: Backend[]): void
}

export const balancerDefaults = {
  maxConnections: 10_000,
  connectTimeoutMs: 1000,
  downMs: 1000,
  // A request's headers and a first WebSocket frame fit many times over; an upload waits in the kernel.
  maxPendingBytes: 64 * 1024,
}

interface BackendState extends Backend {
  /** Skipped until this time (ms since epoch); 0 while up. */
  downUntil: number
}

const key = (b: Backend) => `${b.host}:${b.port}`

/**
 * Resolves with the connected socket, or with undefined after an error, a close or the timeout (the
 * socket then destroyed). `track` sees the socket at once, so closing the balancer reaches it too.
 */
function connectTo(backend: Backend, timeoutMs: number, track: (socket: net.Socket) => void): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: backend.host, port: backend.port })
    track(socket)
    // Stays for the socket's life: an error between here and join() must not become an uncaught one.
    socket.on('error', () => undefined)
    const fail = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(undefined)
    }
    const timer = setTimeout(fail, timeoutMs)
    socket.once('error', fail)
    socket.once('close', fail)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      socket.off('close', fail)
      resolve(socket)
    })
  })
}

/**
 * Joins two sockets: bytes both ways with backpressure (pipe), the end of one side's data passed on as the
 * end of the other's, and an error on either destroying both. A side that closes lets the other finish
 * writing what it already holds, then closes it.
 */
function join(a: net.Socket, b: net.Socket): void {
  a.pipe(b)
  b.pipe(a)
  for (const [self, peer] of [[a, b], [b, a]] as const) {
    self.on('error', () => peer.destroy())
    self.on('close', () => {
      if (!peer.destroyed) peer.end(() => peer.destroy())
    })
  }
}

export async function startBalancer(options: BalancerOptions): Promise<Balancer> {
  const log = options.log ?? (() => undefined)
  const connectTimeoutMs = options.connectTimeoutMs ?? balancerDefaults.connectTimeoutMs
  const downMs = options.downMs ?? balancerDefaults.downMs
  const maxPendingBytes = options.maxPendingBytes ?? balancerDefaults.maxPendingBytes
  let backends: BackendState[] = []
  let next = 0
  const open = new Set<net.Socket>()
  let closing: Promise<void> | undefined
  let closed = false

  const setBackends = (list: Backend[]) => {
    // A backend that stays in the list keeps its down mark: it failed a moment ago, whatever the list says.
    const previous = new Map(backends.map((b) => [key(b), b]))
    backends = list.map((b) => ({ host: b.host, port: b.port, downUntil: previous.get(key(b))?.downUntil ?? 0 }))
    next = 0
  }
  setBackends(options.backends)

  /** This round's backends, starting at the next one in turn, leaving out those marked down. */
  const candidates = (): BackendState[] => {
    const now = Date.now()
    const start = next++ % Math.max(1, backends.length)
    const rotated = [...backends.slice(start), ...backends.slice(0, start)]
    return rotated.filter((b) => b.downUntil <= now)
  }

  const markDown = (b: BackendState) => {
    if (b.downUntil === 0) log(`backend ${key(b)} does not answer; skipped for ${downMs} ms, then tried again`)
    b.downUntil = Date.now() + downMs
  }

  const markUp = (b: BackendState) => {
    if (b.downUntil !== 0) log(`backend ${key(b)} answers again`)
    b.downUntil = 0
  }

  const track = (socket: net.Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  }

  const accept = async (client: net.Socket) => {
    track(client)
    client.setNoDelay(true) // keystrokes travel as small WebSocket frames; Nagle would hold them back
    // Until a backend is connected the client's bytes are held here, within a bound.
    const pending: Buffer[] = []
    let pendingBytes = 0
    const onData = (chunk: Buffer) => {
      pending.push(chunk)
      pendingBytes += chunk.length
      if (pendingBytes >= maxPendingBytes) client.pause()
    }
    const onError = () => client.destroy()
    client.on('data', onData)
    client.on('error', onError)

    for (const backend of candidates()) {
      const upstream = await connectTo(backend, connectTimeoutMs, track)
      if (closed) {
        upstream?.destroy()
        return
      }
      // Gone before it could be used (reset right after accepting): nothing was sent, so the next may serve.
      if (!upstream || upstream.destroyed) {
        markDown(backend)
        if (client.destroyed) return
        continue
      }
      markUp(backend)
      if (client.destroyed) {
        upstream.destroy()
        return
      }
      upstream.setNoDelay(true)
      client.off('data', onData)
      client.off('error', onError)
      for (const chunk of pending) upstream.write(chunk)
      // An end that came while waiting is passed on too: pipe() ends the upstream for a source already ended.
      join(client, upstream)
      return
    }
    // Every backend is down (or there are none): nobody can answer this client.
    client.destroy()
  }

  // allowHalfOpen: a client that has sent all it will send may still be waiting for the answer.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accept(client).catch((error: unknown) => {
      log(`connection failed: ${String(error)}`)
      client.destroy()
    })
  })
  server.maxConnections = options.maxConnections ?? balancerDefaults.maxConnections

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // After listening, errors are accept failures (too many open files): logged, never a crash.
  server.on('error', (error) => log(`balancer: ${error.message}`))

  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      closed = true
      server.close(() => resolve())
      for (const socket of open) socket.destroy()
    }))

  return { port: (server.address() as net.AddressInfo).port, close, setBackends }
}
