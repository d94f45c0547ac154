/**
 * The collaboration socket: `/collab/:sheetId`, the standard y-websocket protocol (sync, awareness) plus
 * one message type of Hoshin's own. Server and clients import these numbers from here only.
 */
export const MessageType = {
  /** y-protocols sync: step 1 (state vector), step 2 (missing updates), update. */
  Sync: 0,
  /** y-protocols awareness update (presence, carets). */
  Awareness: 1,
  /** y-protocols auth (permission denied). */
  Auth: 2,
  /** Ask the other side for all awareness states. */
  QueryAwareness: 3,
  /** Hoshin's own messages: a JSON `HoshinMessage` written as a varString. */
  Hoshin: 100,
} as const

/**
 * Close codes. y-websocket clients reconnect after any close except 4400–4499, which they treat as final
 * (a decision reconnecting cannot change), so the final ones live in that range.
 */
export const CloseCode = {
  /** The server is shutting down or the document is being unloaded: reconnect. */
  GoingAway: 1001,
  /** Too many messages, or sync requests, in a short time (the WebSocket standard code): clients reconnect later. */
  PolicyViolation: 1008,
  /** A message over MAX_MESSAGE_BYTES (the WebSocket standard code). */
  MessageTooBig: 1009,
  /** The client did not read what was sent to it (the WebSocket standard code): it may reconnect. */
  TryAgainLater: 1013,
  /** A malformed, truncated or unknown message: the client is broken, do not retry. */
  ProtocolError: 4400,
  /** The session ended (logout, password reset, transfer). */
  Unauthenticated: 4401,
  /** The person may no longer read this sheet. */
  Forbidden: 4403,
  /** The sheet does not exist. */
  NotFound: 4404,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/**
 * The largest message the server accepts. A whole sheet encodes to a few tens of KiB; 2 MiB leaves room
 * for a long offline session's edits arriving in one sync step while keeping a hostile client from
 * making the server buffer arbitrary amounts.
 */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024

/** Why a connection may only read. */
/** `full`: the sheet reached its size limit and takes no more changes (the client keeps its own). */
/**
 * `outdated`: the client runs an older layout of the document than the server (an old tab, an offline copy
 * from before an upgrade): it must reload before it writes. `layout`: the stored document is of a layout
 * this server does not know, or malformed; it is served as stored and never rewritten.
 */
export type ReadOnlyReason = 'permission' | 'approved' | 'full' | 'outdated' | 'layout'

/**
 * The query parameter of `/collab/:sheetId` naming the document layout the client writes ([S19]). A
 * connection without it, or with an older layout than the server's, may only read.
 */
export const LAYOUT_PARAM = 'layout'

/** Sent by the server right after the upgrade, and again whenever the connection's rights change. */
export interface SessionMessage {
  kind: 'session'
  readOnly: boolean
  reason: ReadOnlyReason | null
}

/** A comment thread of this sheet changed (new, reply, edit, resolve…): fetch the threads again. */
export interface CommentsMessage {
  kind: 'comments'
  threadId: string
}

/** The sheet's workflow state changed (submitted, returned, approved, reopened): fetch its summary again. */
export interface WorkflowMessage {
  kind: 'workflow'
  status: 'draft' | 'submitted' | 'approved'
}

/**
 * The connection's changes up to its seq-th are durably stored. Every sync step 2 and update message a
 * client sends on a socket counts, from 1; the client shows 保存済み once its latest change is covered.
 */
export interface StoredMessage {
  kind: 'stored'
  seq: number
}

/** Changes this person made offline reached the sheet after its approval: kept aside for them, not merged. */
export interface LateKeptMessage {
  kind: 'late-kept'
}

/** An evaluation of this sheet was opened or took a workflow step: fetch the evaluations again. */
export interface EvaluationMessage {
  kind: 'evaluation'
  evaluation: 'midyear' | 'yearend'
  status: 'draft' | 'submitted' | 'approved'
}

export type HoshinMessage = SessionMessage | CommentsMessage | WorkflowMessage | StoredMessage | LateKeptMessage | EvaluationMessage

export function isHoshinMessage(value: unknown): value is HoshinMessage {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { kind?: unknown; readOnly?: unknown; threadId?: unknown }
  if (v.kind === 'session') return typeof v.readOnly === 'boolean'
  if (v.kind === 'workflow') return typeof (value as { status?: unknown }).status === 'string'
  if (v.kind === 'late-kept') return true
  if (v.kind === 'evaluation') return typeof (value as { evaluation?: unknown }).evaluation === 'string'
  if (v.kind === 'stored') return typeof (value as { seq?: unknown }).seq === 'number'
  return v.kind === 'comments' && typeof v.threadId === 'string'
}
