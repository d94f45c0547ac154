import {
  type CoverageResponse,
  newPlanSchema,
  type PlanForYearResponse,
  type PlanPreviewResponse,
  type PlanResponse,
  type PlansResponse,
  planPatchSchema,
  planStructureSchema,
} from '@hoshin/protocol'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { Actor, AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson, readLimited } from '../http/json.js'

/** A plan file: Takahata's 116 KPI are ~30 KB as CSV; an .xlsx of them ~20 KB. */
export const MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024
/** The structure as the editor saves it: 1,000 KPI with 20 years of targets fit. */
const MAX_STRUCTURE_BYTES = 1024 * 1024

function yearParam(value: string | undefined): number {
  const year = Number(value)
  if (!Number.isInteger(year) || year < 1989 || year > 2200) throw errors.validation('year')
  return year
}

/** Refused by role before any body is read: a refused person learns nothing about the body's rules. */
function planner(c: Context<AppEnv>): Actor {
  const actor = requireActor(c)
  if (actor.role !== 'planning') throw errors.forbidden()
  return actor
}

function revisionParam(value: string | undefined): number {
  const revision = Number(value)
  if (!Number.isInteger(revision) || revision < 0) throw errors.validation('revision')
  return revision
}

async function fileBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const data = await readLimited(c, MAX_PLAN_FILE_BYTES)
  if (!data.length) throw errors.validation('file')
  return data
}

/** `/api/plans`: the comprehensive plan (総合計画). Read by everyone signed in, written by planning. */
export function planRoutes({ plan }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      requireActor(c)
      return c.json<PlansResponse>({ plans: await plan.list() })
    })
    .get('/for-year/:year', async (c) => {
      requireActor(c)
      return c.json<PlanForYearResponse>({ plan: await plan.forYear(yearParam(c.req.param('year'))) })
    })
    .post('/', async (c) => {
      const actor = planner(c)
      return c.json<PlanResponse>({ plan: await plan.create(actor, await readJson(c, newPlanSchema)) }, 201)
    })
    .get('/:id', async (c) => {
      requireActor(c)
      return c.json<PlanResponse>({ plan: await plan.get(c.req.param('id')) })
    })
    .patch('/:id', async (c) => {
      const actor = planner(c)
      return c.json<PlanResponse>({ plan: await plan.patch(actor, c.req.param('id'), await readJson(c, planPatchSchema)) })
    })
    .post('/:id/structure/preview', async (c) => {
      const actor = planner(c)
      const { revision: _, ...input } = await readJson(c, planStructureSchema, MAX_STRUCTURE_BYTES)
      return c.json<PlanPreviewResponse>(await plan.previewStructure(actor, c.req.param('id'), input))
    })
    .put('/:id/structure', async (c) => {
      const actor = planner(c)
      const { revision, ...input } = await readJson(c, planStructureSchema, MAX_STRUCTURE_BYTES)
      return c.json<PlanResponse>({ plan: await plan.saveStructure(actor, c.req.param('id'), revision, input) })
    })
    .post('/:id/import/preview', async (c) => {
      const actor = planner(c)
      return c.json<PlanPreviewResponse>(await plan.previewImport(actor, c.req.param('id'), await fileBody(c)))
    })
    .post('/:id/import', async (c) => {
      const actor = planner(c)
      const revision = revisionParam(c.req.query('revision'))
      return c.json<PlanResponse>({ plan: await plan.applyImport(actor, c.req.param('id'), revision, await fileBody(c)) })
    })
}

/** `/api/coverage/:year`: which plan 施策 this year's sheets address (planning, admin). */
export function coverageRoutes({ plan }: Services) {
  return new Hono<AppEnv>().get('/:year', async (c) => {
    const actor = requireActor(c)
    return c.json<CoverageResponse>(await plan.coverage(actor, yearParam(c.req.param('year'))))
  })
}
