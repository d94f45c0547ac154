import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Actor } from '../context.js'

/** A presence update larger than this is no caret and a name: refused whole. */
export const MAX_PRESENCE_BYTES = 16 * 1024

const COLOR = /^#[0-9a-f]{6}$/i
const DEFAULT_COLOR = '#37474f'

/**
 * Presence (y-protocols awareness) as the server passes it on: a connection may only speak for the client
 * ids it introduced itself (another person's id is someone else's cursor: overwriting or removing it is
 * refused), and who a cursor belongs to is the session's person, whatever the client wrote — a reader
 * cannot appear as 伊藤 正和（課長）. Returns the update to apply, or null when nothing of it may pass.
 */
export function sanitizePresence(
  message: Uint8Array,
  actor: Actor,
  ownedByOther: (clientId: number) => boolean,
): Uint8Array | null {
  if (message.byteLength > MAX_PRESENCE_BYTES) return null
  const decoder = decoding.createDecoder(message)
  const count = decoding.readVarUint(decoder)
  const entries: { clientId: number; clock: number; state: string }[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const raw = decoding.readVarString(decoder)
    if (ownedByOther(clientId)) continue
    entries.push({ clientId, clock, state: withIdentity(raw, actor) })
  }
  if (!entries.length) return null
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

/** The state with `user` filled from the session (a colour of the client's choosing is kept when it is one). */
function withIdentity(raw: string, actor: Actor): string {
  const state: unknown = JSON.parse(raw)
  // null: the client left (its presence is removed).
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return 'null'
  const given = (state as { user?: { color?: unknown } }).user
  const color = typeof given?.color === 'string' && COLOR.test(given.color) ? given.color : DEFAULT_COLOR
  const user = { name: actor.displayName, section: actor.section?.name ?? actor.department?.name ?? '', color }
  return JSON.stringify({ ...state, user })
}
