import type { Sheet } from './schema.js'

/**
 * The canonical serialisation of a sheet ([S13]): JSON with object keys sorted (by UTF-16 code units),
 * arrays in order, no whitespace, strings as JSON.stringify writes them, encoded as UTF-8. Approved
 * versions are identified by the SHA-256 of these bytes, so anyone can recompute it from the JSON.
 */
export function canonicalJson(value: Sheet | unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}
