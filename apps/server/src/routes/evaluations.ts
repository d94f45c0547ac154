import { type EvaluationChangesResponse, evaluationKindValues, type EvaluationKindValue, openEvaluationRequestSchema, returnRequestSchema } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { z } from 'zod'
import { readJson } from '../http/json.js'
import { evaluationChanges } from '../sheets/evaluation-changes.js'

/** A whole evaluation of a large sheet (500 rows with texts) fits; the schema checks the rest. */
const EVALUATION_BODY_LIMIT = 512 * 1024

function kindOf(value: string | undefined): EvaluationKindValue {
  if (!(evaluationKindValues as readonly string[]).includes(value ?? '')) throw errors.notFound()
  return value as EvaluationKindValue
}

/** 中間評価 and 年度末評価 of an approved sheet ([S20] in packages/sheet/SPEC.md). */
export function evaluationRoutes({ evaluations, stores }: Services) {
  return new Hono<AppEnv>()
    .get('/:id/evaluations', async (c) => c.json({ evaluations: await evaluations.list(requireActor(c), c.req.param('id')) }))
    .post('/:id/evaluations', async (c) => {
      const actor = requireActor(c)
      const { kind } = await readJson(c, openEvaluationRequestSchema)
      const { created, evaluation } = await evaluations.open(actor, c.req.param('id'), kind)
      return c.json(evaluation, created ? 201 : 200)
    })
    .get('/:id/evaluations/:kind', async (c) => c.json(await evaluations.get(requireActor(c), c.req.param('id'), kindOf(c.req.param('kind')))))
    .put('/:id/evaluations/:kind', async (c) => {
      const actor = requireActor(c)
      const kind = kindOf(c.req.param('kind'))
      return c.json(await evaluations.write(actor, c.req.param('id'), kind, await readJson(c, z.looseObject({}), EVALUATION_BODY_LIMIT)))
    })
    .post('/:id/evaluations/:kind/submit', async (c) => c.json(await evaluations.submit(requireActor(c), c.req.param('id'), kindOf(c.req.param('kind')))))
    .post('/:id/evaluations/:kind/return', async (c) => {
      const actor = requireActor(c)
      const kind = kindOf(c.req.param('kind'))
      const { reason } = await readJson(c, returnRequestSchema)
      return c.json(await evaluations.returnToDraft(actor, c.req.param('id'), kind, reason))
    })
    .post('/:id/evaluations/:kind/approve', async (c) => c.json(await evaluations.approve(requireActor(c), c.req.param('id'), kindOf(c.req.param('kind'))), 201))
    // The frozen evaluation exactly as stored and hashed: these bytes' SHA-256 is the version's (audited as an export).
    .get('/:id/evaluations/:kind/version.json', async (c) => {
      const actor = requireActor(c)
      const kind = kindOf(c.req.param('kind'))
      const version = await evaluations.version(actor, c.req.param('id'), kind)
      const record = await stores.evaluations.get(c.req.param('id'), kind)
      if (!record?.canonical) throw errors.notFound()
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'evaluation.export', target: record.sheetId, detail: `json ${kind}` })
      const { department, fiscalYear } = version.evaluation as { department: { id: string }; fiscalYear: number }
      c.header('Content-Type', 'application/json; charset=utf-8')
      c.header('Content-Disposition', `inline; filename="hoshin-${department.id.replace(/[^\w-]/g, '_')}-${fiscalYear}-${kind}.json"`)
      return c.body(record.canonical)
    })
    .get('/:id/evaluations/:kind/version', async (c) => c.json(await evaluations.version(requireActor(c), c.req.param('id'), kindOf(c.req.param('kind')))))
    .get('/:id/evaluations/:kind/changes', async (c) =>
      c.json<EvaluationChangesResponse>(await evaluationChanges({ evaluations, stores }, requireActor(c), c.req.param('id'), kindOf(c.req.param('kind')))),
    )
}
