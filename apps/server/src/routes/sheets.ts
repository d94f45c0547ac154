import type { DepartmentsResponse, SheetListResponse, SheetSummary } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'

export function sheetRoutes({ sheets, stores }: Services) {
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      return c.json<SheetListResponse>({ sheets: await sheets.listFor(requireActor(c)) })
    })
    .get('/:id', async (c) => {
      const actor = requireActor(c)
      const record = await sheets.readable(actor, c.req.param('id'))
      // The sheet page opens with this: the view log's entry for the live sheet. An open page refreshes
      // its summary every 10 s and on workflow events (?refresh=1); that is the same visit, not a new
      // opening (else a page left open all day would log a row every 10 minutes). The page's socket is
      // recorded on its own, so leaving the flag on does not hide a reading.
      if (c.req.query('refresh') !== '1') await stores.views.record(record.id, actor.id, null)
      return c.json<SheetSummary>(await sheets.summary(actor, record))
    })
}

/** The town's organisation: every signed-in person may see it (names only, as on the printed sheets). */
export function departmentRoutes({ stores }: Services) {
  return new Hono<AppEnv>().get('/', async (c) => {
    requireActor(c)
    const all = await stores.org.listDepartments({ includeRetired: true })
    return c.json<DepartmentsResponse>({
      departments: all.filter((d) => !d.retired).map((d) => ({ id: d.id, name: d.name, sections: d.sections.filter((s) => !s.retired).map(({ id, name }) => ({ id, name })) })),
      retired: all.filter((d) => d.retired).map(({ id, name }) => ({ id, name })),
    })
  })
}
