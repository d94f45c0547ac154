import { reportRequestSchema, returnRequestSchema, type SheetSummary, type TownSettingsResponse, townSettingsSchema } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'

/**
 * `/api/sheets/:id/review/*`: the review above the 課長 (企画確認, its send-back, 庁議報告), each answered with
 * the sheet's summary. Only 企画 takes these steps; who may, before what they sent.
 */
export function reviewRoutes({ reviews, sheets }: Services) {
  const summary = async (actor: Parameters<typeof sheets.readable>[0], id: string): Promise<SheetSummary> =>
    sheets.summary(actor, await sheets.readable(actor, id))
  return new Hono<AppEnv>()
    .post('/:id/review/confirm', async (c) => {
      const actor = requireActor(c)
      await reviews.confirm(actor, c.req.param('id'))
      return c.json(await summary(actor, c.req.param('id')))
    })
    .post('/:id/review/return', async (c) => {
      const actor = requireActor(c)
      if (actor.role !== 'planning') {
        // The refusal is audited by the service, before the body is read.
        await reviews.sendBack(actor, c.req.param('id'), '')
        throw errors.forbidden()
      }
      const { reason } = await readJson(c, returnRequestSchema)
      await reviews.sendBack(actor, c.req.param('id'), reason)
      return c.json(await summary(actor, c.req.param('id')))
    })
    .post('/:id/review/report', async (c) => {
      const actor = requireActor(c)
      if (actor.role !== 'planning') {
        await reviews.report(actor, c.req.param('id'), '')
        throw errors.forbidden()
      }
      const { date } = await readJson(c, reportRequestSchema)
      await reviews.report(actor, c.req.param('id'), date)
      return c.json(await summary(actor, c.req.param('id')))
    })
}

/** `/api/town-settings`: the town's settings (the review step); everyone signed in reads them, 企画 and admins change them. */
export function townSettingsRoutes({ reviews }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => c.json<TownSettingsResponse>(await reviews.settings(requireActor(c))))
    .put('/', async (c) => {
      const actor = requireActor(c)
      if (actor.role !== 'planning' && actor.role !== 'admin') throw errors.forbidden()
      return c.json<TownSettingsResponse>(await reviews.changeSettings(actor, await readJson(c, townSettingsSchema)))
    })
}
