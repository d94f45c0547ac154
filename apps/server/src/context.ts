import type { Role } from '@hoshin/protocol'
import type { Logger } from 'pino'
import type { AppLucia } from './auth/lucia.js'
import type { Lockout } from './auth/lockout.js'
import type { CommentService } from './comments/comment-service.js'
import type { NotificationStore } from './notifications/notification-store.js'
import type { NotificationService } from './notifications/notification-service.js'
import type { OrgService } from './org/org-service.js'
import type { OutputService } from './output/output-service.js'
import type { PlanService } from './plan/plan-service.js'
import type { Config } from './env.js'
import type { EventBus } from './events/event-bus.js'
import type { Stores } from './persistence/stores.js'
import type { SheetService } from './sheets/sheet-service.js'
import type { EvaluationService } from './sheets/evaluation-service.js'
import type { ReviewService } from './sheets/review-service.js'
import type { WorkflowService } from './sheets/workflow-service.js'
import type { DocumentRegistry } from './sync/document-registry.js'
import type { Projector } from './years/projector.js'
import type { YearService } from './years/year-service.js'
import type { AccessWatch, Heartbeat } from './sync/access-watch.js'

/** The signed-in person, loaded fresh from the store on every request. */
export interface Actor {
  id: string
  username: string
  displayName: string
  role: Role
  /** null for admin and planning (企画) accounts, which belong to no department. */
  department: { id: string; name: string } | null
  section: { id: string; name: string } | null
}

export interface Services {
  config: Config
  stores: Stores
  lucia: AppLucia
  lockout: Lockout
  sheets: SheetService
  /** The open co-edited documents. */
  documents: DocumentRegistry
  comments: CommentService
  workflow: WorkflowService
  /** 中間評価 and 年度末評価 of approved sheets. */
  evaluations: EvaluationService
  /** The review above the 課長 (企画確認, 庁議報告), a town setting, and whether a version may be published. */
  reviews: ReviewService
  output: OutputService
  /** The comprehensive plan (総合計画) and the coverage of a year by the sheets. */
  plan: PlanService
  /** Departments, sections, accounts and the organisation imports (admin area). */
  org: OrgService
  /** Fiscal years, the planning board, 連携課 requests. */
  years: YearService
  /** Keeps each sheet's board projection in step with its document. */
  projector: Projector
  notifications: NotificationService
  notificationStore: NotificationStore
  /** Pushes to people's open tabs (GET /api/events). */
  events: EventBus
  /** Ends open connections' access when their rights end (CLI, expiry, 連携課 removed). */
  access: AccessWatch
  /** Drops sheet sockets that stopped answering pings. */
  heartbeat: Heartbeat
  log: Logger
}

export interface AppEnv {
  Variables: {
    actor: Actor | null
    sessionId: string | null
  }
}
