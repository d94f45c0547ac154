import type { HoshinMessage } from '@hoshin/protocol'
import type { RedisLink } from './redis-link.js'

/** What processes serving the same sheet tell each other, on the sheet's own channel. */
export type SheetMessage =
  /** A change one process accepted (a Yjs update). */
  | { kind: 'update'; data: Uint8Array }
  /** Presence of people connected to one process (an awareness update). */
  | { kind: 'awareness'; data: Uint8Array }
  /**
   * A process just opened the sheet, or is back after losing Redis: its state vector. Every other process
   * with the sheet open answers with what it has beyond it and with its people's presence.
   */
  | { kind: 'hello'; data: Uint8Array }
  /** The answer to a hello carries the answerer's state vector: the greeter (and others) send what it lacks. */
  | { kind: 'ask'; data: Uint8Array }
  /** A message for every connection of the sheet (a comment, a workflow step). */
  | { kind: 'notify'; message: HoshinMessage }
  /** The sheet is being approved: take no more changes. */
  | { kind: 'freeze' }
  /** Who may change what changed (a reopened revision, an evaluation opened or approved): reconnect everyone. */
  | { kind: 'rights' }
  /** A process's copy held changes refused by the approval: every process drops its copy and reloads. */
  | { kind: 'reset' }

const kinds = ['update', 'awareness', 'hello', 'ask', 'notify', 'freeze', 'rights', 'reset'] as const

function encode(message: SheetMessage): Uint8Array {
  const kind = kinds.indexOf(message.kind)
  const body =
    'data' in message ? message.data : message.kind === 'notify' ? Buffer.from(JSON.stringify(message.message), 'utf8') : new Uint8Array()
  const out = new Uint8Array(1 + body.byteLength)
  out[0] = kind
  out.set(body, 1)
  return out
}

function decode(payload: Buffer): SheetMessage | undefined {
  const kind = kinds[payload[0] ?? -1]
  const body = new Uint8Array(payload.buffer, payload.byteOffset + 1, payload.byteLength - 1)
  switch (kind) {
    case 'update':
    case 'awareness':
    case 'hello':
    case 'ask':
      return { kind, data: body }
    case 'notify':
      return { kind, message: JSON.parse(Buffer.from(body).toString('utf8')) as HoshinMessage }
    case 'freeze':
    case 'rights':
    case 'reset':
      return { kind }
    default:
      return undefined
  }
}

/**
 * One Redis channel per open sheet (`<prefix>sheet:<id>`): a process subscribes when it loads the sheet
 * and leaves when it unloads it, so it hears only of sheets it serves. The database stays the truth; the
 * channel makes a change on one process reach the others' connections within a millisecond or two.
 */
export class SheetChannels {
  constructor(private readonly link: RedisLink) {}

  /** Resolves once subscribed, so nothing published after it is missed. */
  join(sheetId: string, listener: (message: SheetMessage) => void): Promise<void> {
    return this.link.subscribe(`sheet:${sheetId}`, (payload) => {
      const message = decode(payload)
      if (message) listener(message)
    })
  }

  leave(sheetId: string): Promise<void> {
    return this.link.unsubscribe(`sheet:${sheetId}`)
  }

  send(sheetId: string, message: SheetMessage): void {
    this.link.publish(`sheet:${sheetId}`, encode(message))
  }

  set onReconnect(handler: (() => void) | undefined) {
    this.link.onReconnect = handler
  }
}
