import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import './sync/node-compat.js'
import { createNodeWebSocket } from '@hono/node-ws'
import { MAX_MESSAGE_BYTES } from '@hoshin/protocol'
import type { HealthResponse } from '@hoshin/protocol'
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { publicOriginMiddleware, sameOriginMiddleware, sessionMiddleware } from './auth/middleware.js'
import type { AppEnv, Services } from './context.js'
import { errors, HttpError } from './http/errors.js'
import { eventRoutes, notificationRoutes } from './notifications/routes.js'
import { adminRoutes } from './org/routes.js'
import { authRoutes, meRoutes } from './routes/auth.js'
import { collabRoutes } from './routes/collab.js'
import { commentRoutes, unreadRoutes } from './routes/comments.js'
import { departmentRoutes, sheetRoutes } from './routes/sheets.js'
import { outputRoutes } from './routes/output.js'
import { coverageRoutes, planRoutes } from './plan/routes.js'
import { publicationRoutes } from './routes/publication.js'
import { reviewRoutes, townSettingsRoutes } from './routes/review.js'
import { workflowRoutes } from './routes/workflow.js'
import { evaluationRoutes } from './routes/evaluations.js'
import { partnerRoutes, sheetYearRoutes, yearRoutes } from './years/routes.js'

/**
 * The HTTP surface: the JSON API under /api, the collaboration socket under /collab, the built web app
 * everywhere else. `injectWebSocket` attaches the upgrade handling to the Node server once it exists.
 */
export function createApp(services: Services) {
  const api = new Hono<AppEnv>()
    .get('/health', (c) => c.json<HealthResponse>({ ok: true }))
    .route('/auth', authRoutes(services))
    .route('/me/unread', unreadRoutes(services))
    .route('/me', meRoutes(services))
    .route('/', outputRoutes(services))
    .route('/', publicationRoutes(services))
    .route('/sheets', sheetRoutes(services))
    .route('/sheets', commentRoutes(services))
    .route('/sheets', workflowRoutes(services))
    .route('/sheets', evaluationRoutes(services))
    .route('/sheets', reviewRoutes(services))
    .route('/town-settings', townSettingsRoutes(services))
    .route('/departments', departmentRoutes(services))
    .route('/admin', adminRoutes(services))
    .route('/fiscal-years', yearRoutes(services))
    .route('/partner-rows', partnerRoutes(services))
    .route('/plans', planRoutes(services))
    .route('/coverage', coverageRoutes(services))
    .route('/sheets', sheetYearRoutes(services))
    .route('/notifications', notificationRoutes(services))
    .route('/events', eventRoutes(services))
    .all('*', () => {
      throw errors.notFound()
    })

  const app = new Hono<AppEnv>()
  const { upgradeWebSocket, injectWebSocket, wss } = createNodeWebSocket({ app })
  // ws answers a larger frame with close code 1009 before buffering it all.
  wss.options.maxPayload = MAX_MESSAGE_BYTES
  // The app loads nothing from elsewhere (LGWAN), so the policy can say so: scripts, styles, fonts,
  // sockets and the service worker from this origin only; no framing by other sites.
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Tiptap injects its editor styles as a <style> element.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
      // Served over plain http inside closed networks as often as not: no HSTS from the app itself.
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  )
  app.use('*', publicOriginMiddleware(services))
  app.use('*', sameOriginMiddleware(services))
  app.use('*', sessionMiddleware(services))
  app.route('/api', api)
  app.route('/collab', collabRoutes(services, upgradeWebSocket))
  mountWebApp(app, services.config.webDir)

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      // The rest of an oversized body is never read: the client must not reuse this connection.
      if (error.status === 413) c.header('Connection', 'close')
      return c.json(error.body(), error.status)
    }
    services.log.error({ err: error, path: c.req.path }, 'unhandled error')
    const internal = errors.internal()
    return c.json(internal.body(), internal.status)
  })
  return { app, injectWebSocket, wss }
}

function mountWebApp(app: Hono<AppEnv>, webDir: string): void {
  const indexFile = path.join(webDir, 'index.html')
  if (!existsSync(indexFile)) {
    app.get('*', (c) =>
      c.html(
        '<!doctype html><html lang="ja"><meta charset="utf-8"><title>方針 Hoshin</title><p>画面がまだビルドされていません。<code>npm start</code> で起動してください。</p></html>',
        503,
      ),
    )
    return
  }
  // serveStatic takes a root relative to the working directory.
  const root = path.relative(process.cwd(), webDir) || '.'
  const index = readFileSync(indexFile, 'utf8')
  app.use('/assets/*', async (c, next) => {
    await next()
    // Vite fingerprints asset names, so they never change under the same URL.
    if (c.res.ok) c.header('Cache-Control', 'public, max-age=31536000, immutable')
  })
  // The build writes a Brotli and a gzip copy of each script and style sheet (apps/web/vite.config.ts):
  // a browser that accepts one gets it, with Content-Encoding and Vary, and nothing is compressed per request.
  app.use('*', serveStatic({ root, precompressed: true }))
  // Client-side routes (/login, /sheets/:id…) all load the same page.
  app.get('*', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.html(index)
  })
}
