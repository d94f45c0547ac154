import {
  returnRequestSchema,
  type SheetChangesResponse,
  type SheetViewsResponse,
  type VersionListResponse,
  type VersionResponse,
  type VersionSummary,
} from '@hoshin/protocol'
import type { SheetChange } from '@hoshin/sheet'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'
import { canAudit } from '../sheets/workflow-service.js'

/** The latest openings shown to the 課長 and admins. */
const VIEW_LOG_LIMIT = 500

/** The approval workflow, versions, diffs, rejected change sets, the sheet's audit trail and view log. */
export function workflowRoutes({ workflow, sheets, stores }: Services) {
  const summary = async (c: { req: { param(name: 'id'): string } }, actor: Parameters<typeof sheets.readable>[0]) =>
    sheets.summary(actor, await sheets.readable(actor, c.req.param('id')))
  return new Hono<AppEnv>()
    .post('/:id/submit', async (c) => {
      const actor = requireActor(c)
      await workflow.submit(actor, c.req.param('id'))
      return c.json(await summary(c, actor))
    })
    .post('/:id/return', async (c) => {
      const actor = requireActor(c)
      const { reason } = await readJson(c, returnRequestSchema)
      await workflow.returnToDraft(actor, c.req.param('id'), reason)
      return c.json(await summary(c, actor))
    })
    .post('/:id/approve', async (c) => {
      const actor = requireActor(c)
      return c.json<VersionSummary>(await workflow.approve(actor, c.req.param('id')), 201)
    })
    .post('/:id/reopen', async (c) => {
      const actor = requireActor(c)
      await workflow.reopen(actor, c.req.param('id'))
      return c.json(await summary(c, actor))
    })
    .get('/:id/versions', async (c) =>
      c.json<VersionListResponse>({ versions: await workflow.list(requireActor(c), c.req.param('id')) }),
    )
    .get('/:id/versions/:n', async (c) => {
      const n = Number(c.req.param('n'))
      if (!Number.isInteger(n) || n < 1) throw errors.notFound()
      const actor = requireActor(c)
      const version = await workflow.version(actor, c.req.param('id'), n)
      await stores.views.record(c.req.param('id'), actor.id, n)
      return c.json<VersionResponse>(version)
    })
    .get('/:id/diff', async (c) => {
      const from = c.req.query('from')
      const to = c.req.query('to') ?? 'current'
      if (!from) throw errors.validation('from')
      return c.json({ from, to, changes: await workflow.diff(requireActor(c), c.req.param('id'), from, to) })
    })
    .get('/:id/changes', async (c) => {
      const since = c.req.query('since') ?? 'version'
      if (since !== 'version' && since !== 'submitted') throw errors.validation('since')
      return c.json<SheetChangesResponse<SheetChange>>(await workflow.changes(requireActor(c), c.req.param('id'), since))
    })
    .get('/:id/rejected', async (c) => c.json({ sets: await workflow.rejected(requireActor(c), c.req.param('id')) }))
    .post('/:id/rejected/:setId/carry', async (c) => {
      const actor = requireActor(c)
      await workflow.carryLate(actor, c.req.param('id'), c.req.param('setId'))
      return c.json({ sets: await workflow.rejected(actor, c.req.param('id')) })
    })
    .get('/:id/views', async (c) => {
      const actor = requireActor(c)
      const sheet = await sheets.readable(actor, c.req.param('id'))
      if (!canAudit(actor, sheet)) throw errors.forbidden()
      return c.json<SheetViewsResponse>({ views: await stores.views.list(sheet.id, VIEW_LOG_LIMIT) })
    })
    .get('/:id/audit', async (c) =>
      c.json({ entries: await workflow.auditTrail(requireActor(c), c.req.param('id'), c.req.query('action') ?? '') }),
    )
}
