import { type ApiErrorBody, ErrorCode } from '@hoshin/protocol'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Japanese messages for people; the code is what clients branch on. */
const messages: Record<ErrorCode, string> = {
  [ErrorCode.InvalidJson]: 'リクエストの形式が正しくありません（JSON として読み取れません）。',
  [ErrorCode.ValidationFailed]: '入力内容に誤りがあります。',
  [ErrorCode.Unauthenticated]: 'ログインしてください。',
  [ErrorCode.InvalidCredentials]: 'ユーザー名またはパスワードが正しくありません。',
  [ErrorCode.AccountLocked]: 'この端末からのログインに続けて失敗したため、しばらくお待ちください。',
  [ErrorCode.RateLimited]: '短い時間に操作が集中しています。少し待ってからもう一度お試しください。',
  [ErrorCode.Forbidden]: 'この操作を行う権限がありません。',
  [ErrorCode.NotFound]: '指定されたものが見つかりません。',
  [ErrorCode.CrossOrigin]: '別のサイトからの操作は受け付けられません。',
  [ErrorCode.Internal]: 'サーバーで問題が発生しました。時間をおいてもう一度お試しください。',
  [ErrorCode.BodyEmpty]: 'コメントを入力してください。',
  [ErrorCode.BodyTooLong]: 'コメントが長すぎます。',
  [ErrorCode.UnknownMention]: 'メンション先が見つかりません。',
  [ErrorCode.TargetNotFound]: 'コメントの対象が見つかりません。',
  [ErrorCode.InvalidRange]: 'コメントする範囲が正しくありません。',
  [ErrorCode.InvalidTransition]: 'このシートの今の状態では、その操作はできません。',
  [ErrorCode.SheetFrozen]: 'このシートは承認済みのため変更できません。',
  [ErrorCode.PayloadTooLarge]: 'ファイルが大きすぎます（10 MB まで）。',
  [ErrorCode.InvalidFile]: 'Hoshin から書き出したファイルではありません。',
  [ErrorCode.WrongSheet]: 'このファイルは別の課・年度のシートのものです。',
  [ErrorCode.DuplicateName]: '同じ名前が既にあります。',
  [ErrorCode.DuplicateUsername]: 'そのユーザー名は既に使われています。',
  [ErrorCode.InvalidCsv]: 'CSV に誤りがあるため、何も変更していません。',
}

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message?: string,
    readonly extra: Partial<Pick<ApiErrorBody['error'], 'path' | 'retryAfter' | 'errors'>> = {},
  ) {
    super(message ?? messages[code])
  }

  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } }
  }
}

export const errors = {
  invalidJson: () => new HttpError(400, ErrorCode.InvalidJson),
  validation: (path: string) =>
    new HttpError(400, ErrorCode.ValidationFailed, `入力内容に誤りがあります（項目: ${path || '本文'}）。`, { path }),
  unauthenticated: () => new HttpError(401, ErrorCode.Unauthenticated),
  invalidCredentials: () => new HttpError(401, ErrorCode.InvalidCredentials),
  locked: (retryAfter: number) =>
    new HttpError(
      429,
      ErrorCode.AccountLocked,
      retryAfter < 60
        ? `この端末からのログインに続けて失敗したため、${retryAfter}秒お待ちください。`
        : `この端末からのログインに続けて失敗したため、約${Math.ceil(retryAfter / 60)}分お待ちください。`,
      { retryAfter },
    ),
  forbidden: () => new HttpError(403, ErrorCode.Forbidden),
  notFound: () => new HttpError(404, ErrorCode.NotFound),
  crossOrigin: () => new HttpError(403, ErrorCode.CrossOrigin),
  internal: () => new HttpError(500, ErrorCode.Internal),
  bodyEmpty: () => new HttpError(400, ErrorCode.BodyEmpty),
  bodyTooLong: (max: number) => new HttpError(400, ErrorCode.BodyTooLong, `コメントは${max.toLocaleString('ja-JP')}文字以内にしてください。`),
  unknownMention: (token: string) =>
    new HttpError(400, ErrorCode.UnknownMention, `メンション「@${token}」に当たる職員・係が見つかりません。`),
  targetNotFound: () => new HttpError(400, ErrorCode.TargetNotFound),
  invalidRange: () => new HttpError(400, ErrorCode.InvalidRange),
  invalidTransition: (message?: string) => new HttpError(409, ErrorCode.InvalidTransition, message),
  sheetFrozen: () => new HttpError(409, ErrorCode.SheetFrozen),
  payloadTooLarge: (message?: string) => new HttpError(413, ErrorCode.PayloadTooLarge, message),
  rateLimited: (message: string, retryAfter?: number) =>
    new HttpError(429, ErrorCode.RateLimited, message, retryAfter === undefined ? {} : { retryAfter }),
  invalidFile: (message?: string) => new HttpError(400, ErrorCode.InvalidFile, message),
  wrongSheet: (message?: string) => new HttpError(400, ErrorCode.WrongSheet, message),
  duplicateName: (message?: string) => new HttpError(409, ErrorCode.DuplicateName, message),
  duplicateUsername: () => new HttpError(409, ErrorCode.DuplicateUsername),
  invalidCsv: (lineErrors: { line: number; message: string }[]) =>
    new HttpError(400, ErrorCode.InvalidCsv, undefined, { errors: lineErrors }),
}
