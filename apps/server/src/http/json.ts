import type { Context } from 'hono'
import type { z } from 'zod'
import { errors } from './errors.js'

/** The largest JSON body a route reads unless it says otherwise: every form of the app fits many times. */
export const JSON_BODY_LIMIT = 64 * 1024

/**
 * Reads a request body up to `maxBytes`: a declared Content-Length past it is refused before anything is
 * read, and a body that streams past it is cut off there (413 payload_too_large), so no request makes the
 * server hold more than the limit.
 */
export async function readLimited(c: Context, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => errors.payloadTooLarge(`送信された内容が大きすぎます（${Math.round(maxBytes / 1024)} KB まで）。`)
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  if (declared > maxBytes) throw tooLarge()
  const body = c.req.raw.body
  if (!body) return new Uint8Array()
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * Reads and validates a JSON body of at most `maxBytes`. Too large → 413 payload_too_large; bad JSON → 400
 * invalid_json; a missing or wrong field → 400 validation_failed naming the first bad field. Never a 500.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, maxBytes = JSON_BODY_LIMIT): Promise<z.infer<S>> {
  const raw = await readLimited(c, maxBytes)
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
  } catch {
    throw errors.invalidJson()
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidJson()
  const result = schema.safeParse(body)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw errors.validation(issue?.path.join('.') ?? '')
  }
  return result.data
}
