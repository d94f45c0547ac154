/**
 * Every API error is `{ "error": { "code": ErrorCode, "message": "<Japanese>" } }`.
 * Codes are stable (clients branch on them); messages are for people and may change.
 */
export const ErrorCode = {
  /** The body is not JSON, or not an object. */
  InvalidJson: 'invalid_json',
  /** The body is JSON but a field is missing or has the wrong type; `path` names the first bad field. */
  ValidationFailed: 'validation_failed',
  Unauthenticated: 'unauthenticated',
  InvalidCredentials: 'invalid_credentials',
  AccountLocked: 'account_locked',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  /** A mutating request whose Origin (or Referer) is not this server. */
  CrossOrigin: 'cross_origin',
  Internal: 'internal_error',
  /** A comment body that is empty after trimming. */
  BodyEmpty: 'body_empty',
  /** A comment body over MAX_COMMENT_LENGTH characters. */
  BodyTooLong: 'body_too_long',
  /** An @mention that names no person or section. */
  UnknownMention: 'unknown_mention',
  /** The row, item or field a new thread points at does not exist (any more). */
  TargetNotFound: 'target_not_found',
  /** A text range outside its field, or empty. */
  InvalidRange: 'invalid_range',
  /** The sheet's state does not allow this step (approving a draft, approving twice…). */
  InvalidTransition: 'invalid_transition',
  /** The sheet is approved: its content cannot change. */
  SheetFrozen: 'sheet_frozen',
  /** An upload over the size limit. */
  PayloadTooLarge: 'payload_too_large',
  /** An uploaded file that is not a Hoshin export (broken, or from elsewhere). */
  InvalidFile: 'invalid_file',
  /** A Hoshin file of another department or fiscal year. */
  WrongSheet: 'wrong_sheet',
  /** A department (or a section within its department) of that name exists already. */
  DuplicateName: 'duplicate_name',
  /** A user of that user name exists already. */
  DuplicateUsername: 'duplicate_username',
  /** A CSV that cannot be applied; `errors` lists each line's problem. Nothing was changed. */
  InvalidCsv: 'invalid_csv',
  /** Too many requests or connections from this person in a short time; `retryAfter` says when to try again. */
  RateLimited: 'rate_limited',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface ApiErrorBody {
  error: {
    code: ErrorCode
    message: string
    /** For validation_failed: the dotted path of the first bad field. */
    path?: string
    /** For account_locked and rate_limited: seconds until the next attempt is allowed. */
    retryAfter?: number
    /** For invalid_csv: each line's problem (1-based line numbers of the file). */
    errors?: { line: number; message: string }[]
  }
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error = (value as { error: unknown }).error
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
}
