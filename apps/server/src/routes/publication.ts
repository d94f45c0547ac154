import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { PublicationService } from '../output/publication-service.js'

/** filename= for old clients (ASCII, the rest as _), filename*= for everyone else, as the other exports. */
function disposition(type: 'inline' | 'attachment', name: string): string {
  return `${type}; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

function positiveInteger(value: string, path: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw errors.validation(path)
  return n
}

function fiscalYear(value: string): number {
  const year = positiveInteger(value, 'year')
  if (year < 1989 || year > 2200) throw errors.validation('year')
  return year
}

/**
 * What the town puts on its website: an approved version as a self-contained HTML page, and a fiscal
 * year's bundle (index and every department's page) as a zip, for 企画 and admins.
 */
export function publicationRoutes({ workflow, stores, reviews, config }: Services) {
  const publication = new PublicationService(workflow, stores, reviews, config.timeZone)
  return new Hono<AppEnv>()
    .get('/sheets/:id/versions/:n/publication.html', async (c) => {
      const actor = requireActor(c)
      const { html, fileName } = await publication.page(actor, c.req.param('id'), positiveInteger(c.req.param('n'), 'version'))
      c.header('Content-Type', 'text/html; charset=utf-8')
      // inline: the page opens in the browser to be checked; saved, it keeps this name.
      c.header('Content-Disposition', disposition('inline', fileName))
      return c.body(html)
    })
    .get('/fiscal-years/:year/publication.zip', async (c) => {
      // Who may, before what they asked for: a refused person learns nothing about the year.
      const actor = publication.mayBundle(requireActor(c))
      const { data, fileName } = await publication.yearBundle(actor, fiscalYear(c.req.param('year')))
      c.header('Content-Type', 'application/zip')
      c.header('Content-Disposition', disposition('attachment', fileName))
      return c.body(data as Uint8Array<ArrayBuffer>)
    })
}
