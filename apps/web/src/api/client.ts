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

/** Same-origin JSON requests; errors become ApiError with the server's code. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
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
