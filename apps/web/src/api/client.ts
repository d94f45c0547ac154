import { type ErrorCode, isApiErrorBody } from '@hoshin/protocol'

/** An API error with its stable code; `message` is the server's Japanese text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
  ) {
    super(message)
  }
}

/** GETs started before the code that reads them had loaded, each taken once by the first `api(path)`. */
const early = new Map<string, { at: number; answer: Promise<unknown> }>()
/** An early answer older than this is not used: the page asked for it so long ago that it may be stale. */
const EARLY_MS = 10_000

/**
 * Starts a GET now, beside the session check (/api/me) rather than after it: the page that needs it is
 * still loading its code (issue 18). The first `api(path)` within a few seconds takes the answer; an early
 * request that failed (signed out, say) is simply made again then.
 */
export function prefetch(path: string): void {
  if (early.has(path)) return
  const answer = request(path, {})
  answer.catch(() => undefined)
  early.set(path, { at: Date.now(), answer })
}

/** Same-origin JSON requests; errors become ApiError with the server's code. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const started = init.method === undefined && init.json === undefined ? early.get(path) : undefined
  if (started) {
    early.delete(path)
    if (Date.now() - started.at < EARLY_MS) return (started.answer as Promise<T>).catch(() => request<T>(path, init))
  }
  return request<T>(path, init)
}

async function request<T>(path: string, init: { method?: string; json?: unknown }): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: init.json === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    })
  } catch {
    throw new ApiError(0, 'network', '')
  }
  if (response.status === 204) return undefined as T
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) {
    if (isApiErrorBody(body)) throw new ApiError(response.status, body.error.code, body.error.message)
    throw new ApiError(response.status, 'internal_error', '')
  }
  return body as T
}
