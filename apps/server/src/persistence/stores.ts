import type { Adapter } from 'lucia'
import type { Database } from './database.js'
import { type AuditStore, SqliteAuditStore } from './audit-store.js'
import { type CommentStore, SqliteCommentStore } from './comment-store.js'
import { type DocumentStore, SqliteDocumentStore } from './document-store.js'
import { EditStore } from './edit-store.js'
import { EvaluationStore } from './evaluation-store.js'
import { type LoginFailureStore, SqliteLoginFailureStore } from './login-failure-store.js'
import { type OrgStore, SqliteOrgStore } from './org-store.js'
import { ReviewStore } from './review-store.js'
import { SqliteSessionStore } from './session-store.js'
import { type SheetStore, SqliteSheetStore } from './sheet-store.js'
import { SqliteUserStore, type UserStore } from './user-store.js'
import { VersionStore } from './version-store.js'
import { ViewLogStore } from './view-log-store.js'

/** Every store the server uses, each behind its interface. */
export interface Stores {
  org: OrgStore
  users: UserStore
  sessions: Adapter
  loginFailures: LoginFailureStore
  sheets: SheetStore
  documents: DocumentStore
  comments: CommentStore
  versions: VersionStore
  audit: AuditStore
  views: ViewLogStore
  edits: EditStore
  evaluations: EvaluationStore
  /** The town's settings and the review above the 課長 (企画確認, 庁議報告). */
  reviews: ReviewStore
}

/**
 * Every store over one database, SQLite or PostgreSQL: the classes keep their historical `Sqlite…` names,
 * their SQL is written to run on both (see Database).
 */
export function createStores(db: Database): Stores {
  return {
    org: new SqliteOrgStore(db),
    users: new SqliteUserStore(db),
    sessions: new SqliteSessionStore(db),
    loginFailures: new SqliteLoginFailureStore(db),
    sheets: new SqliteSheetStore(db),
    documents: new SqliteDocumentStore(db),
    comments: new SqliteCommentStore(db),
    versions: new VersionStore(db),
    audit: new SqliteAuditStore(db),
    views: new ViewLogStore(db),
    edits: new EditStore(db),
    evaluations: new EvaluationStore(db),
    reviews: new ReviewStore(db),
  }
}
