import { randomBytes } from 'node:crypto'

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'

/** A random id with 120 bits of entropy in lower-case base32, prefixed by its kind (`u_…`, `sh_…`). */
export function newId(prefix: string): string {
  const bytes = randomBytes(15)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return `${prefix}_${out}`
}

export function nowIso(): string {
  return new Date().toISOString()
}
