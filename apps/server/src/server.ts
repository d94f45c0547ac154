import { mkdirSync } from 'node:fs'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import pino from 'pino'
import type { WebSocketServer } from 'ws'
import { createApp } from './app.js'
import { Lockout } from './auth/lockout.js'
import { createLucia } from './auth/lucia.js'
import { CommentService } from './comments/comment-service.js'
import { NotificationService } from './notifications/notification-service.js'
import { NotificationStore } from './notifications/notification-store.js'
import { OrgService } from './org/org-service.js'
import { OutputService } from './output/output-service.js'
import { PlanService, planLabels } from './plan/plan-service.js'
import { PlanStore } from './persistence/plan-store.js'
import type { Services } from './context.js'
import type { Config } from './env.js'
import { type EventBus, LocalEventBus } from './events/event-bus.js'
import { RedisEventBus } from './events/redis-event-bus.js'
import { RedisLink } from './cluster/redis-link.js'
import { SheetChannels } from './cluster/sheet-channels.js'
import { migrate } from './persistence/migrations.js'
import type { Database } from './persistence/database.js'
import { PostgresDatabase } from './persistence/postgres.js'
import { SqliteDatabase } from './persistence/sqlite.js'
import { createStores } from './persistence/stores.js'
import { seedDemo } from './seed/demo.js'
import { SheetService } from './sheets/sheet-service.js'
import { errors } from './http/errors.js'
import { EvaluationService } from './sheets/evaluation-service.js'
import { WorkflowService } from './sheets/workflow-service.js'
import { DocumentRegistry } from './sync/document-registry.js'
import { defaultUpdateLogOptions } from './sync/update-log.js'
import { ProjectionStore } from './years/projection-store.js'
import { Projector } from './years/projector.js'
import { ReviewService } from './sheets/review-service.js'
import { YearService } from './years/year-service.js'
import { AccessWatch, defaultLivenessOptions, Heartbeat } from './sync/access-watch.js'

export interface RunningServer {
  url: string
  port: number
  services: Services
  db: Database
  close(): Promise<void>
}

/** Opens (and migrates) the database and wires every service. Used by the server, the CLI and tests. */
export async function openServices(
  config: Config,
  { share = false }: { share?: boolean } = {},
): Promise<{ services: Services; db: Database; redis?: RedisLink }> {
  mkdirSync(config.dataDir, { recursive: true })
  const log = pino({ level: config.logLevel })
  const db = await openDatabase(config, log)
  let stores: ReturnType<typeof createStores>
  try {
    const applied = await migrate(db)
    if (applied.length) log.info({ applied, dialect: db.dialect }, 'database migrated')
    stores = createStores(db)
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
  const documents = new DocumentRegistry(stores.documents, log, { ...defaultUpdateLogOptions, ...config.sync })
  const notificationStore = new NotificationStore(db)
  const sheets = new SheetService(stores.sheets, stores.org, documents, stores.versions, stores.users, notificationStore)
  const workflow = new WorkflowService(stores.sheets, stores.versions, stores.users, stores.audit, sheets, documents, stores.edits)
  const evaluations = new EvaluationService(stores.evaluations, stores.versions, stores.users, stores.audit, sheets, documents)
  // A revision of the plan waits until its open evaluation is approved ([S20]).
  workflow.beforeReopen = async (sheetId) => {
    if (await evaluations.anyOpen(sheetId)) throw errors.invalidTransition('評価の途中のため改訂できません。評価の承認後に改訂してください。')
  }
  workflow.lateEvaluationChanges = (sheetId, set) => evaluations.lateChanges(sheetId, set)
  workflow.org = stores.org
  const reviews = new ReviewService(stores.reviews, stores.versions, stores.users, stores.audit, sheets, documents, workflow, config.timeZone)
  sheets.reviewOf = (actor, record) => reviews.review(actor, record)
  const lucia = createLucia(stores.sessions, config.sessionHours)
  // Serving beside other processes (HOSHIN_REDIS_URL): sheets and events through Redis. The CLI and the
  // benchmarks' set-up open the services without it.
  let redis: RedisLink | undefined
  let events: EventBus = new LocalEventBus()
  if (share && config.redisUrl) {
    try {
      redis = await RedisLink.open(config.redisUrl, config.redisPrefix, log)
      events = await RedisEventBus.open(redis)
    } catch (error) {
      await redis?.close().catch(() => undefined)
      await db.close().catch(() => undefined)
      throw error
    }
    documents.share(new SheetChannels(redis))
    log.info({ prefix: config.redisPrefix }, 'sharing sheets with other processes through Redis')
  }
  // Plan changes another process's approval refused: kept aside as each person's late change set.
  documents.keepRefused = async (refused) => {
    for (const { sheetId, userId, update } of refused) {
      const user = userId ? await stores.users.findById(userId) : undefined
      if (user) await workflow.keepRejected(sheetId, { id: user.id, username: user.username }, update)
    }
  }
  const projections = new ProjectionStore(db)
  const projector = new Projector(projections, documents, log)
  const notifications = new NotificationService(notificationStore, stores.users, stores.org, events)
  const years = new YearService(db, stores, projections, sheets, events)
  const comments = new CommentService(stores.comments, stores.users, stores.org, sheets, documents)
  // Who hears of what, wired once here: edits → projection → board and 連携課 requests; steps and mentions → bell.
  documents.onEdit = (sheetId, editorId) => {
    projector.touched(sheetId, editorId)
    services.access.sheetChanged(sheetId)
  }
  documents.beforeUnload = (sheetId) => projector.flush([sheetId])
  projector.listeners.push(async (events) => {
    const records = new Map((await stores.sheets.getMany(events.map((e) => e.sheetId))).map((r) => [r.id, r]))
    await years.boardsChanged([...records.values()].map((r) => ({ fiscalYear: r.fiscalYear, departmentId: r.departmentId })))
    for (const { sheetId, before, after } of events) {
      const record = records.get(sheetId)
      if (record) await notifications.onProjection({ sheetId, before, after, record })
    }
  })
  workflow.observers.push(
    (event) => notifications.onTransition(event),
    async (event) => {
      await projector.refresh(event.sheet.id)
      await years.boardChanged(event.sheet.fiscalYear, event.sheet.departmentId)
    },
  )
  evaluations.observers.push(
    (event) => notifications.onEvaluation(event),
    // The board counts evaluations too: its open pages refetch at each step.
    (event) => years.boardChanged(event.sheet.fiscalYear, event.sheet.departmentId),
  )
  reviews.observers.push(
    (event) => notifications.onReview(event),
    async (event) => {
      // A send-back opens a draft: the projection's status follows, as after 改訂.
      if (event.action === 'sendBack') await projector.refresh(event.sheet.id)
      await years.boardChanged(event.sheet.fiscalYear, event.sheet.departmentId)
    },
  )
  comments.onMention = (event) => notifications.onMention(event)
  const liveness = { ...defaultLivenessOptions, ...config.liveness }
  const access = new AccessWatch({ stores, documents, log }, db, liveness)
  const services: Services = {
    config,
    stores,
    lucia,
    lockout: new Lockout(stores.loginFailures),
    sheets,
    documents,
    comments,
    workflow,
    evaluations,
    reviews,
    plan: new PlanService(new PlanStore(db), {
      yearSheets: (year) => projections.yearSheets(year),
      content: (id) => sheets.content(id),
      snapshots: (ids) => evaluations.snapshots(ids),
    }),
    output: new OutputService(sheets, workflow, documents, stores.org, config.timeZone),
    org: new OrgService(db, stores, lucia, documents, events, log),
    years,
    projector,
    notifications,
    notificationStore,
    events,
    access,
    heartbeat: new Heartbeat(liveness.pingMs),
    log,
  }
  services.output.planLabels = async () => planLabels(await services.plan.all())
  workflow.planLabels = services.output.planLabels
  return { services, db, redis }
}

/** PostgreSQL when HOSHIN_DATABASE_URL is set, else the SQLite file in the data directory. */
async function openDatabase(config: Config, log: pino.Logger): Promise<Database> {
  if (!config.databaseUrl) return SqliteDatabase.open(config.databaseFile)
  const db = await PostgresDatabase.open(config.databaseUrl, {
    onError: (err) => log.warn({ err }, 'PostgreSQL connection lost; it is reopened at the next query'),
  })
  log.info({ schema: db.schema }, 'storage: PostgreSQL')
  return db
}

const VIEW_LOG_KEEP_DAYS = 400

/** The composition root: database, migrations, demo seed, HTTP server. */
export async function startServer(config: Config): Promise<RunningServer> {
  const { services, db, redis } = await openServices(config, { share: true })
  if (config.demo) {
    const seeded = await seedDemo(services)
    if (seeded) services.log.info('demo town seeded')
  }
  await services.projector.backfill()
  // The view log keeps at least a year (400 days); older openings go at start-up.
  const pruned = await services.stores.views.prune(VIEW_LOG_KEEP_DAYS)
  if (pruned) services.log.info({ pruned }, 'view log: old entries removed')
  const { app, injectWebSocket, wss } = createApp(services)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    // A client that opens a connection and sends nothing, or a request byte by byte, is cut off (checked
    // every second rather than Node's default 30 s).
    const serverOptions = {
      headersTimeout: config.limits.headersTimeoutMs,
      requestTimeout: config.limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.limits.headersTimeoutMs),
    }
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions }, () => resolve(s))
  })
  injectWebSocket(server)
  // One machine cannot take every descriptor: the others must still get in.
  ;(server as HttpServer).maxConnections = config.limits.connections
  const { port } = server.address() as AddressInfo
  services.access.start()
  const sweepOnce = () => {
    void services.lucia.deleteExpiredSessions().catch(() => undefined)
    // Failed logins for random names would otherwise pile up forever.
    void services.lockout.purge().catch(() => undefined)
  }
  sweepOnce()
  const sweep = setInterval(sweepOnce, 60 * 60 * 1000)
  sweep.unref()
  let closing: Promise<void> | undefined
  const close = async () => {
    clearInterval(sweep)
    services.access.stop()
    services.heartbeat.stop()
    // Store every open sheet first, then let the sockets go.
    await services.documents.closeAll()
    await services.projector.close()
    await redis?.close()
    await closeSockets(wss)
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      // Keep-alive sockets would hold close() open.
      if ('closeAllConnections' in server) server.closeAllConnections()
    })
    await db.close()
  }
  return {
    url: `http://localhost:${port}`,
    port,
    services,
    db,
    /** Stores every open sheet and stops; a second call waits for the first. */
    close: () => (closing ??= close()),
  }
}

/** Gives clients a moment to answer the close frames, then cuts what is left. */
async function closeSockets(wss: WebSocketServer): Promise<void> {
  const deadline = Date.now() + 1000
  while (wss.clients.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  for (const client of wss.clients) client.terminate()
  await new Promise<void>((resolve) => wss.close(() => resolve()))
}
