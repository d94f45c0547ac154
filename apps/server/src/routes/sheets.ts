import type { DepartmentsResponse, SheetListResponse, SheetSummary } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'

export function sheetRoutes({ sheets }: Services) {
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
}

/** The town's organisation: every signed-in person may see it (names only, as on the printed sheets). */
export function departmentRoutes({ stores }: Services) {
  return new Hono<AppEnv>().get('/', async (c) => {
    requireActor(c)
    return c.json<DepartmentsResponse>({ departments: await stores.org.listDepartments() })
  })
}
