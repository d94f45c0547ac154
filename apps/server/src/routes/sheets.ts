import type { DepartmentsResponse, SheetListResponse, SheetSummary } from '@hoshin/protocol'
import type { Sheet } from '@hoshin/sheet'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'

export function sheetRoutes({ sheets, stores }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const actor = requireActor(c)
      return c.json<SheetListResponse>({ sheets: await sheets.listFor(actor) })
    })
    .get('/:id', async (c) => {
      const actor = requireActor(c)
      const record = await sheets.readable(actor, c.req.param('id'))
      return c.json<SheetSummary>(await sheets.summary(actor, record))
    })
    .get('/:id/export.json', async (c) => {
      const actor = requireActor(c)
      const record = await sheets.readable(actor, c.req.param('id'))
      const content = await sheets.content(record.id)
      await stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.export', target: record.id })
      c.header('Content-Disposition', `inline; filename="hoshin-${record.departmentId}-${record.fiscalYear}.json"`)
      return c.json<Sheet>(content)
    })
}

/** The town's organisation: every signed-in person may see it (names only, as on the printed sheets). */
export function departmentRoutes({ stores }: Services) {
  return new Hono<AppEnv>().get('/', async (c) => {
    requireActor(c)
    return c.json<DepartmentsResponse>({ departments: await stores.org.listDepartments() })
  })
}
