import {
  type FiscalYearsResponse,
  type OpenYearResponse,
  openYearSchema,
  type OverviewResponse,
  type PartnerAcksResponse,
  type PartnerRowsResponse,
  type PreviousYearResponse,
} from '@hoshin/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { requireActor } from '../auth/middleware.js'
import type { Actor, AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'

function yearParam(value: string | undefined): number {
  const year = Number(value)
  if (!Number.isInteger(year) || year < 1989 || year > 2200) throw errors.validation('year')
  return year
}

const ackSchema = z.object({ sheetId: z.string().min(1).max(100), rowId: z.string().min(1).max(100), acknowledged: z.boolean().default(true) })

/** `/api/fiscal-years`: opening a year and its board. */
export function yearRoutes({ years, evaluations }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      requireActor(c)
      return c.json<FiscalYearsResponse>({ years: await years.years() })
    })
    .post('/', async (c) => {
      const actor = requireActor(c)
      // Who may, before what they sent: a refused person learns nothing about the body's rules.
      if (actor.role !== 'planning' && actor.role !== 'admin') throw errors.forbidden()
      const request = await readJson(c, openYearSchema)
      const sheets = await years.openYear(actor, request)
      return c.json<OpenYearResponse>({ year: request.year, sheets }, 201)
    })
    .get('/:year/overview', async (c) => {
      const actor = requireActor(c)
      return c.json<OverviewResponse>(await years.overview(actor, yearParam(c.req.param('year')), evaluations))
    })
}

/** 了承 is a department's word: refused by role before the body is read, so a refused person learns nothing of its rules. */
function mayAcknowledge(actor: Actor): Actor {
  if (!actor.department || actor.role === 'planning' || actor.role === 'admin') throw errors.forbidden()
  return actor
}

/** `/api/partner-rows`: the 連携課 inbox of the caller's department. */
export function partnerRoutes({ years }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const actor = requireActor(c)
      return c.json<PartnerRowsResponse>({ rows: await years.partnerRows(actor, yearParam(c.req.query('year'))) })
    })
    .post('/ack', async (c) => {
      const actor = mayAcknowledge(requireActor(c))
      const { sheetId, rowId, acknowledged } = await readJson(c, ackSchema)
      await years.acknowledge(actor, sheetId, rowId, acknowledged)
      return c.body(null, 204)
    })
    // Undoing 了承 (the same as POST with "acknowledged": false).
    .delete('/ack', async (c) => {
      const actor = mayAcknowledge(requireActor(c))
      const { sheetId, rowId } = await readJson(c, ackSchema)
      await years.acknowledge(actor, sheetId, rowId, false)
      return c.body(null, 204)
    })
}

/** `/api/sheets/:id/previous` and `/api/sheets/:id/partner-acks`. */
export function sheetYearRoutes({ years, evaluations }: Services) {
  return new Hono<AppEnv>()
    .get('/:id/previous', async (c) => c.json<PreviousYearResponse>(await years.previous(requireActor(c), c.req.param('id'), evaluations)))
    .get('/:id/partner-acks', async (c) => c.json<PartnerAcksResponse>({ acks: await years.acks(requireActor(c), c.req.param('id')) }))
}
