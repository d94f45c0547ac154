import type { UpgradeWebSocket } from 'hono/ws'
import { Hono } from 'hono'
import type { WebSocket } from 'ws'
import { requireActor } from '../auth/middleware.js'
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
  const { sheets, documents, log, workflow, heartbeat } = services
  return new Hono<AppEnv>().get(
    '/:sheetId',
    upgradeWebSocket(async (c) => {
      const actor = requireActor(c)
      const sessionId = c.get('sessionId')
      // Browsers send Origin on websocket upgrades; another site's page must not ride on the cookie.
      const origin = c.req.header('origin')
      if (origin) {
        let host: string | undefined
        try {
          host = new URL(origin).host
        } catch {
          host = undefined
        }
        if (host !== c.req.header('host')) throw errors.crossOrigin()
      }
      const record = await sheets.readable(actor, c.req.param('sheetId') ?? '')
      const frozen = record.status === 'approved' || documents.isFrozen(record.id)
      const readOnly = !canEditSheet(actor, record) ? 'permission' : frozen ? 'approved' : null
      let connection: Connection | undefined
      return {
        onOpen: (_event, ws) => {
          heartbeat.add(ws.raw as WebSocket)
          connection = new Connection(ws, actor, readOnly, log)
          connection.ownDepartment = actor.department?.id === record.departmentId
          // The author hears at once that a late change was kept aside (and not merged).
          connection.onRejected = (update) =>
            void workflow.keepRejected(record.id, actor, update).then((kept) => kept && connection?.sendHoshin({ kind: 'late-kept' }))
          connection.sessionId = sessionId
          void documents.connect(record.id, connection)
          // The view log: a client that opens the socket without the sheet page (a script) counts too.
          void services.stores.views.record(record.id, actor.id, null).catch((err: unknown) => log.warn({ err }, 'view log'))
        },
        onMessage: (event) => connection?.receive(event.data as ArrayBuffer | string),
        onClose: (_event, ws) => {
          heartbeat.remove(ws.raw as WebSocket)
          if (connection) void documents.disconnect(record.id, connection)
        },
        onError: (event) => log.warn({ event: String(event), sheet: record.id }, 'websocket error'),
      }
    }),
  )
}
