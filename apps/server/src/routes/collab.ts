import { LAYOUT_PARAM } from '@hoshin/protocol'
import { LAYOUT } from '@hoshin/sheet'
import type { UpgradeWebSocket, WSEvents } from 'hono/ws'
import { Hono } from 'hono'
import type { WebSocket } from 'ws'
import { isSameOrigin, requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { canEditSheet } from '../sheets/permissions.js'
import { Connection } from '../sync/connection.js'

/**
 * `GET /collab/:sheetId` upgrades to the y-websocket protocol. Authentication happens here, during the
 * upgrade, with the session cookie and the REST API's own rules: no session → 401, a sheet the person
 * may not read → 403, no such sheet → 404, all before any websocket exists. Someone who may read but not
 * edit gets a read-only connection.
 */
export function collabRoutes(services: Services, upgradeWebSocket: UpgradeWebSocket) {
  const { sheets, documents, log, workflow, heartbeat, evaluations } = services
  const { limits } = services.config
  // Open sockets per person, and in all (checked at the upgrade, counted once open).
  const perUser = new Map<string, number>()
  let total = 0
  const release = (userId: string) => {
    total--
    const left = (perUser.get(userId) ?? 1) - 1
    if (left > 0) perUser.set(userId, left)
    else perUser.delete(userId)
  }
  return new Hono<AppEnv>().get(
    '/:sheetId',
    upgradeWebSocket(async (c) => {
      const actor = requireActor(c)
      const sessionId = c.get('sessionId')
      // Browsers send Origin on websocket upgrades; another site's page must not ride on the cookie.
      const origin = c.req.header('origin')
      if (origin && !isSameOrigin(c, services.config, origin)) throw errors.crossOrigin()
      const record = await sheets.readable(actor, c.req.param('sheetId') ?? '')
      const approved = record.status === 'approved'
      // The freeze holds after a restart too; an approved sheet's open evaluations still take changes ([S20]).
      await documents.prepare(record.id, { approved, openRoots: () => evaluations.openRoots(record.id) })
      const frozen = (approved || documents.isFrozen(record.id)) && documents.openRootsOf(record.id).size === 0
      // A client of another document layout may only read until it reloads ([S19]).
      const layout = Number(c.req.query(LAYOUT_PARAM))
      const readOnly = !canEditSheet(actor, record) ? 'permission' : layout !== LAYOUT ? 'outdated' : frozen ? 'approved' : null
      if ((perUser.get(actor.id) ?? 0) >= limits.socketsPerUser) {
        throw errors.rateLimited(`同時に開ける方針シートは ${limits.socketsPerUser} 画面までです。使っていない画面を閉じてください。`, 30)
      }
      if (total >= limits.sockets) throw errors.rateLimited('接続が混み合っています。しばらくしてからもう一度お試しください。', 30)
      let counted = false
      const releaseOnce = () => {
        if (!counted) return
        counted = false
        release(actor.id)
      }
      let connection: Connection | undefined
      const events: WSEvents = {
        onOpen: (_event, ws) => {
          perUser.set(actor.id, (perUser.get(actor.id) ?? 0) + 1)
          total++
          counted = true
          const raw = ws.raw as WebSocket
          heartbeat.add(raw)
          // The connection writes to ws itself: through Hono's context every frame to every receiver went
          // through two getters and a fresh options object (the fan-out's most frequent property loads).
          connection = new Connection(raw, actor, readOnly, log, limits)
          connection.ownDepartment = actor.department?.id === record.departmentId
          // The author hears at once that a late change was kept aside (and not merged).
          connection.onRejected = (update) =>
            void workflow.keepRejected(record.id, actor, update).then((kept) => kept && connection?.sendHoshin({ kind: 'late-kept' }))
          connection.sessionId = sessionId
          // The socket's messages straight from ws: through Hono's wrapper each one would become a
          // MessageEvent holding a fresh copy of its bytes, the most frequent allocation on the hot path.
          // Hono hands over what arrived before the open through onMessage, synchronously after this
          // returns; then onMessage is removed, so its wrapper no longer builds anything.
          const live = connection
          raw.on('message', (data: Buffer, isBinary: boolean) => live.receive(isBinary ? data : data.toString('utf8')))
          queueMicrotask(() => {
            delete events.onMessage
          })
          void documents.connect(record.id, connection)
          // The view log: a client that opens the socket without the sheet page (a script) counts too.
          void services.stores.views.record(record.id, actor.id, null).catch((err: unknown) => log.warn({ err }, 'view log'))
        },
        onMessage: (event) => connection?.receive(event.data as ArrayBuffer | string),
        onClose: (_event, ws) => {
          releaseOnce()
          heartbeat.remove(ws.raw as WebSocket)
          if (connection) void documents.disconnect(record.id, connection)
        },
        onError: (event) => {
          releaseOnce()
          log.warn({ event: String(event), sheet: record.id }, 'websocket error')
        },
      }
      return events
    }),
  )
}
