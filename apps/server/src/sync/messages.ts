import { type HoshinMessage, MessageType } from '@hoshin/protocol'
import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'
import { encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import type * as Y from 'yjs'

/** Encoders for the messages the server sends; each is built once and sent to many connections. */

export function syncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep1(encoder, doc)
  return encoding.toUint8Array(encoder)
}

export function syncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep2(encoder, doc, stateVector)
  return encoding.toUint8Array(encoder)
}

export function syncUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

export function awarenessUpdate(awareness: Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}

export function hoshinMessage(message: HoshinMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Hoshin)
  encoding.writeVarString(encoder, JSON.stringify(message))
  return encoding.toUint8Array(encoder)
}

/**
 * `{"kind":"stored","seq":n}` as a Hoshin message, written directly: every editor gets one per flush it
 * took part in, the most frequent message after updates, and it is ASCII of known shape.
 */
export function storedMessage(seq: number): Uint8Array {
  const json = `{"kind":"stored","seq":${seq}}`
  // MessageType.Hoshin (100) and the length (under 128: one byte each as varUint).
  const out = Buffer.allocUnsafe(2 + json.length)
  out[0] = MessageType.Hoshin
  out[1] = json.length
  out.write(json, 2, 'latin1')
  return out
}
