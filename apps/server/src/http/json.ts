import type { Context } from 'hono'
import type { z } from 'zod'
import { errors } from './errors.js'

/**
 * Reads and validates a JSON body. Bad JSON → 400 invalid_json; a missing or wrong field → 400
 * validation_failed naming the first bad field. Never a 500.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
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
