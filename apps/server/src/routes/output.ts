import { evaluationKindValues, type EvaluationKindValue } from '@hoshin/protocol'
import { evaluationKindLabels, type Sheet } from '@hoshin/sheet'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'

/** Uploads for import: a sheet's .xlsx is tens of KiB; 10 MB is generous and keeps memory bounded. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

function attachment(name: string): string {
  return `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** Exports (JSON, Excel) and imports into a draft, with a preview. */
export function outputRoutes({ output, stores, evaluations }: Services) {
  const limit = bodyLimit({
    maxSize: MAX_IMPORT_BYTES,
    onError: () => {
      throw errors.payloadTooLarge()
    },
  })
  /** 2025_企画財政課_課等の方針_v1_20260529.xlsx (the approval's day) or …_作成中_20261125.xlsx (today), in the town's zone. */
  const fileName = (departmentName: string, fiscalYear: number, version: string | undefined, stamp: string, ext: string) =>
    `${fiscalYear}_${departmentName}_課等の方針_${version ? `v${version}` : '作成中'}_${stamp}.${ext}`

  return new Hono<AppEnv>()
    .get('/sheets/:id/export.json', async (c) => {
      const actor = requireActor(c)
      const version = c.req.query('version')
      const { record, sheet } = await output.content(actor, c.req.param('id'), version)
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.export', target: record.id, detail: `json${version ? ` v${version}` : ''}` })
      c.header('Content-Disposition', `inline; filename="hoshin-${record.departmentId}-${record.fiscalYear}${version ? `-v${version}` : ''}.json"`)
      return c.json<Sheet>(sheet)
    })
    .get('/sheets/:id/export.xlsx', async (c) => {
      const actor = requireActor(c)
      const version = c.req.query('version')
      const { record, data, stamp } = await output.xlsx(actor, c.req.param('id'), version)
      const department = await stores.org.getDepartment(record.departmentId)
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.export', target: record.id, detail: `xlsx${version ? ` v${version}` : ''}` })
      c.header('Content-Type', XLSX)
      c.header('Content-Disposition', attachment(fileName(department?.name ?? record.departmentId, record.fiscalYear, version, stamp, 'xlsx')))
      return c.body(new Uint8Array(data))
    })
    // 「方針（年度評価）」: the evaluated plan with the 中間評価 or 年度末評価 beside each row ([S20]).
    .get('/sheets/:id/evaluations/:kind/export.xlsx', async (c) => {
      const actor = requireActor(c)
      const kind = c.req.param('kind')
      if (!(evaluationKindValues as readonly string[]).includes(kind)) throw errors.notFound()
      // Who may read the sheet may read its evaluation (403/404 as the other exports); frozen rows once approved.
      const evaluation = await evaluations.get(actor, c.req.param('id'), kind as EvaluationKindValue)
      const { record, data, stamp, state } = await output.evaluationXlsx(actor, c.req.param('id'), evaluation)
      const department = await stores.org.getDepartment(record.departmentId)
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'evaluation.export', target: record.id, detail: `xlsx ${kind}` })
      const name = `${record.fiscalYear}_${department?.name ?? record.departmentId}_課等の方針（年度評価）_${evaluationKindLabels[evaluation.kind]}_${state}_${stamp}.xlsx`
      c.header('Content-Type', XLSX)
      c.header('Content-Disposition', attachment(name))
      return c.body(new Uint8Array(data))
    })
    .get('/fiscal-years/:year/export.xlsx', async (c) => {
      const actor = requireActor(c)
      const year = Number(c.req.param('year'))
      if (!Number.isInteger(year)) throw errors.notFound()
      const data = await output.fiscalYearXlsx(actor, year)
      c.header('Content-Type', XLSX)
      c.header('Content-Disposition', attachment(`${year}_課等の方針_全課_${output.today()}.xlsx`))
      return c.body(new Uint8Array(data))
    })
    .post('/sheets/:id/import/preview', limit, async (c) => {
      const actor = requireActor(c)
      const data = new Uint8Array(await c.req.arrayBuffer())
      const changes = await output.preview(actor, c.req.param('id'), data, c.req.header('content-type') ?? '')
      return c.json({ changes })
    })
    .post('/sheets/:id/import', limit, async (c) => {
      const actor = requireActor(c)
      const data = new Uint8Array(await c.req.arrayBuffer())
      const changes = await output.apply(actor, c.req.param('id'), data, c.req.header('content-type') ?? '')
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.import', target: c.req.param('id'), detail: `${changes.length} changes` })
      return c.json({ changes })
    })
    .post('/sheets/:id/import/undo', async (c) => {
      const actor = requireActor(c)
      const changes = await output.undoImport(actor, c.req.param('id'))
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.import.undo', target: c.req.param('id'), detail: `${changes.length} changes` })
      return c.json({ changes })
    })
}
