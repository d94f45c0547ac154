import { CloseCode } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import type { Adapter } from 'lucia'
import type { WebSocket } from 'ws'
import { toActor } from '../auth/middleware.js'
import type { Services } from '../context.js'
import type { Database } from '../persistence/database.js'
import { canEditSheet, canReadSheet } from '../sheets/permissions.js'
import type { Connection } from './connection.js'
import type { SharedDocument } from './shared-document.js'

export interface LivenessOptions {
  /** How often open sheet connections are checked against the database. */
  accessCheckMs: number
  /** How often every socket is pinged; one that has not answered the previous ping is dropped. */
  pingMs: number
}

export const defaultLivenessOptions: LivenessOptions = { accessCheckMs: 500, pingMs: 30_000 }

type WatchServices = Pick<Services, 'stores' | 'documents' | 'log'>

/**
 * Access ends for open connections too, within a second. Rights are decided at the upgrade; afterwards
 * they can end by a change in this process (the admin screens close the person's sockets themselves),
 * by the admin CLI in another process, by time (the session expires), or by the sheet itself (its 連携課
 * no longer name the reader's department). Every `accessCheckMs` this looks for any of those:
 * - another process wrote the database (SQLite's `data_version` moved; on PostgreSQL, a trigger on sessions,
 *   users or sheets notified — see Database.accessEpoch): every connection is checked;
 * - a connection's session is past its expiry (known from its last check): that connection is checked;
 * - a sheet changed: its readers from other departments are checked against its partners.
 * A check reads the session, the person and the sheet again and applies the rules of the upgrade:
 * session gone or expired, or account disabled → closed 4401; may no longer read → closed 4403; may
 * read but no longer edit → read-only.
 */
export class AccessWatch {
  private timer: NodeJS.Timeout | undefined
  private running = false
  private dataVersion: number | undefined
  private readonly changedSheets = new Set<string>()
  private readonly expiresAt = new WeakMap<Connection, number>()

  constructor(
    private readonly services: WatchServices & { stores: { sessions: Adapter } },
    private readonly db: Pick<Database, 'accessEpoch'>,
    private readonly options: LivenessOptions = defaultLivenessOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.accessCheckMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** A sheet's content changed (its partners may have). */
  sheetChanged(sheetId: string): void {
    this.changedSheets.add(sheetId)
  }

  /** One round of checks; exposed for the shutdown path and tests. */
  async tick(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const documents = await this.services.documents.loaded()
      // Nobody connected: nothing to check, and no query every half second on an idle server. A write
      // by another process meanwhile is seen at the next round with connections (each new connection is
      // checked then anyway).
      if (!documents.some((d) => d.connections.size > 0)) return
      const version = await this.db.accessEpoch()
      const external = this.dataVersion !== undefined && version !== this.dataVersion
      this.dataVersion = version
      const changed = new Set(this.changedSheets)
      this.changedSheets.clear()
      const now = Date.now()
      for (const document of documents) {
        const connections = [...document.connections].filter((c) => !c.isClosed)
        if (!connections.length) continue
        const sheetChanged = changed.has(document.sheetId)
        for (const connection of connections) {
          const expiry = this.expiresAt.get(connection)
          const partnerReader = sheetChanged && !connection.ownDepartment
          if (external || expiry === undefined || expiry <= now || partnerReader) await this.check(document, connection, now)
        }
      }
    } catch (error) {
      this.services.log.error({ err: error }, 'access check failed')
    } finally {
      this.running = false
    }
  }

  private async check(document: SharedDocument, connection: Connection, now: number): Promise<void> {
    const { stores } = this.services
    if (!connection.sessionId) return
    const [session] = await stores.sessions.getSessionAndUser(connection.sessionId)
    if (!session || session.expiresAt.getTime() <= now) {
      connection.close(CloseCode.Unauthenticated, 'session ended')
      return
    }
    this.expiresAt.set(connection, session.expiresAt.getTime())
    const user = await stores.users.findById(connection.actor.id)
    if (!user || user.disabledAt) {
      connection.close(CloseCode.Unauthenticated, 'access ended')
      return
    }
    const actor = await toActor(this.services as Services, user)
    const record = await stores.sheets.get(document.sheetId)
    if (!record) {
      connection.close(CloseCode.NotFound, 'no such sheet')
      return
    }
    if (!(await canReadSheet(actor, record, async () => docToSheet(document.doc)))) {
      connection.close(CloseCode.Forbidden, 'no longer allowed to read this sheet')
      return
    }
    connection.ownDepartment = actor.department?.id === record.departmentId
    if (!canEditSheet(actor, record) && !connection.readOnly) connection.setReadOnly('permission')
  }
}

/**
 * Pings every sheet socket every `pingMs` and drops one that did not answer the previous ping (a PC that
 * went to sleep or lost the network without closing), as @y/websocket-server and Hocuspocus do: its
 * presence leaves, and the sheet can unload.
 */
export class Heartbeat {
  private readonly alive = new Map<WebSocket, boolean>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly pingMs: number) {}

  add(socket: WebSocket): void {
    this.alive.set(socket, true)
    socket.on('pong', () => {
      if (this.alive.has(socket)) this.alive.set(socket, true)
    })
    this.timer ??= setInterval(() => this.beat(), this.pingMs)
    this.timer.unref()
  }

  remove(socket: WebSocket): void {
    this.alive.delete(socket)
  }

  private beat(): void {
    for (const [socket, alive] of this.alive) {
      if (!alive) {
        this.alive.delete(socket)
        socket.terminate()
        continue
      }
      this.alive.set(socket, false)
      try {
        socket.ping()
      } catch {
        // closing already
      }
    }
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}

