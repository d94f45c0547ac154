import { CloseCode, type HoshinMessage, MessageType, type ReadOnlyReason } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import type { Logger } from 'pino'
import { applyAwarenessUpdate } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Actor } from '../context.js'
import { TokenBucket } from '../http/limits.js'
import { awarenessUpdate, hoshinMessage, storedMessage, syncStep1, syncStep2 } from './messages.js'
import { PLAN_ROOTS, rootsTouched } from './document-shape.js'
import { MAX_PRESENCE_BYTES, sanitizePresence } from './presence.js'
import type { SharedDocument } from './shared-document.js'

/** What the connection needs of the socket under it (Hono's WSContext fits). */
export interface Socket {
  send(data: Uint8Array<ArrayBuffer>): void
  close(code?: number, reason?: string): void
  readonly readyState: number
  /** Bytes queued and not yet handed to the network (a client that does not read makes it grow). */
  readonly bufferedAmount?: number
  /** Drops the connection at once, without the closing handshake (and what is queued for it). */
  terminate?(): void
}

/** What one connection may send and be sent; defaults in http/limits.ts. */
export interface ConnectionLimits {
  queuedBytes: number
  sheetBytes: number
  messagesPerSecond: number
  syncRequestsPerMinute: number
}

const unlimited: ConnectionLimits = { queuedBytes: Number.POSITIVE_INFINITY, sheetBytes: Number.POSITIVE_INFINITY, messagesPerSecond: Number.POSITIVE_INFINITY, syncRequestsPerMinute: Number.POSITIVE_INFINITY }

const OPEN = 1
const MAX_WAITING = 256

class ProtocolError extends Error {}

/**
 * One person's websocket on one sheet. Speaks the y-websocket protocol; a read-only connection is the
 * same code path whose document changes are dropped (never applied, never stored). Messages that
 * arrive before the document has loaded wait in order.
 */
export class Connection {
  /** Awareness client ids this connection has announced, removed when it closes. */
  readonly awarenessClients = new Set<number>()
  private document: SharedDocument | undefined
  private waiting: (ArrayBuffer | Uint8Array)[] = []
  private closed = false
  /** A sync step 1 went out for an update that overtook the handshake; its answer is awaited. */
  private resyncAsked = false
  /** Called with each change that reached a frozen (approved) sheet, to keep it aside. */
  onRejected: ((update: Uint8Array) => void) | undefined
  /** The session the connection was opened with, so that logging out closes it. */
  sessionId: string | null = null
  /** The person belongs to the sheet's department (others read through 連携課 or town-wide rights). */
  ownDepartment = true
  /** Document changes received so far (sync step 2 and update messages): each one's seq. */
  received = 0
  /** Log entries of this connection's changes not yet on disk (kept by the update log). */
  unflushed = 0
  /** The last seq told to the client as stored. */
  private acknowledged = 0

  private readonly messages: TokenBucket
  private readonly syncRequests: TokenBucket

  constructor(
    private readonly socket: Socket,
    readonly actor: Actor,
    private readOnlyReason: ReadOnlyReason | null,
    private readonly log: Logger,
    private readonly limits: ConnectionLimits = unlimited,
  ) {
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messagesPerSecond * 10)
    this.syncRequests = new TokenBucket(limits.syncRequestsPerMinute / 60, Math.max(1, limits.syncRequestsPerMinute / 3))
  }

  get readOnly(): boolean {
    return this.readOnlyReason !== null
  }

  get readOnlyBecause(): ReadOnlyReason | null {
    return this.readOnlyReason
  }

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * The document has loaded: greet the client (as y-websocket servers do) and handle what waited. A
   * read-only connection is told so first, before any content; an editor hears nothing unusual, so a
   * stock y-websocket client that knows no Hoshin messages works unchanged.
   */
  attach(document: SharedDocument): void {
    this.document = document
    if (this.readOnly) this.sendHoshin({ kind: 'session', readOnly: true, reason: this.readOnlyReason })
    this.send(syncStep1(document.doc))
    const states = [...document.awareness.getStates().keys()]
    if (states.length) this.send(awarenessUpdate(document.awareness, states))
    const waiting = this.waiting
    this.waiting = []
    for (const data of waiting) this.receive(data)
  }

  /** Changes the connection's rights live (the approval freeze turns every connection read-only). */
  setReadOnly(reason: ReadOnlyReason | null, { silent = false } = {}): void {
    this.readOnlyReason = reason
    // Before attach, `attach` tells the client itself.
    if (!silent) this.sendHoshin({ kind: 'session', readOnly: this.readOnly, reason })
  }

  receive(data: ArrayBuffer | Uint8Array | string): void {
    if (this.closed) return
    // Typing is a few messages a second; a flood is a script. It is cut off, the others go on.
    if (!this.messages.take()) {
      this.log.warn({ user: this.actor.username }, 'socket over its message rate')
      this.close(CloseCode.PolicyViolation, 'too many messages')
      return
    }
    if (typeof data === 'string') {
      this.close(CloseCode.ProtocolError, 'text frames are not part of the protocol')
      return
    }
    if (!this.document) {
      // A sheet loads in milliseconds; a client that floods meanwhile is not a y-websocket client.
      if (this.waiting.length >= MAX_WAITING) this.close(CloseCode.ProtocolError, 'too many messages before sync')
      else this.waiting.push(data)
      return
    }
    try {
      this.handle(this.document, data instanceof Uint8Array ? data : new Uint8Array(data))
    } catch (error) {
      this.log.warn({ err: error, user: this.actor.username, sheet: this.document.sheetId }, 'malformed message')
      this.close(CloseCode.ProtocolError, 'malformed message')
    }
  }

  private handle(document: SharedDocument, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.Sync: {
        const syncType = decoding.readVarUint(decoder)
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          // Each answer can be the whole sheet: a client asks on connecting, not hundreds of times.
          if (!this.syncRequests.take()) {
            this.close(CloseCode.PolicyViolation, 'too many sync requests')
            return
          }
          this.send(syncStep2(document.doc, decoding.readVarUint8Array(decoder)))
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          const update = decoding.readVarUint8Array(decoder)
          const seq = ++this.received
          // A document this server cannot write ([S19]) takes no change from anyone.
          if (document.unwritable && !this.readOnly) this.setReadOnly('layout')
          // The freeze is checked on every change too: a connection that slipped past it is made read-only
          // now, unless an evaluation of the approved sheet is open ([S20]).
          if (document.frozen && document.openRoots.size === 0 && !this.readOnly) this.setReadOnly('approved')
          if (this.readOnly) {
            if (this.readOnlyReason === 'approved') this.onRejected?.(update)
            return
          }
          // The answer to a sync step 1 this connection was sent; a later gap may ask again.
          if (syncType === syncProtocol.messageYjsSyncStep2) this.resyncAsked = false
          // Decode fully before applying, so a truncated or garbled update throws here and never half-applies.
          const decoded = Y.decodeUpdate(update)
          const roots = rootsTouched(document.doc, decoded)
          if (!roots) throw new ProtocolError('an update outside the sheet')
          // A change to what is frozen now (the approved plan while its evaluation is open, an approved
          // evaluation, an evaluation of a plan reopened for revision) is kept aside as a late change.
          if (!document.accepts(roots, PLAN_ROOTS)) {
            this.onRejected?.(update)
            return
          }
          // A sheet is tens of KiB; one that grows past the cap stops taking changes (the client keeps them).
          if (document.approxBytes + update.byteLength > this.limits.sheetBytes) {
            this.setReadOnly('full')
            return
          }
          Y.applyUpdate(document.doc, update, this)
          const { store } = document.doc
          if (store.pendingStructs || store.pendingDs) {
            // Part of it builds on content the server lacks: it starts past what the document has, or sits
            // next to (or deletes) another client's text the server never got. An honest client sends that
            // when an edit overtakes the handshake (edits made offline, or a restart lost the last unflushed
            // updates), so it is no protocol error (y-websocket clients never reconnect after a 44xx). Yjs
            // would hold that part back until the content comes; it is dropped instead, so nothing
            // unresolvable lives in memory or reaches the stored state, and the client asked for it.
            store.pendingStructs = null
            store.pendingDs = null
            this.askForMissing(document, syncType)
          }
          // Nothing of it waits for the disk (it added nothing new, or what it added is stored already).
          if (this.unflushed === 0) this.acknowledge(seq)
        } else {
          throw new ProtocolError(`unknown sync message ${syncType}`)
        }
        return
      }
      case MessageType.Awareness: {
        const raw = decoding.readVarUint8Array(decoder)
        // A caret and a name are bytes; megabytes of presence are an attack on everyone who receives them.
        if (raw.byteLength > MAX_PRESENCE_BYTES) {
          this.close(CloseCode.MessageTooBig, 'presence too large')
          return
        }
        const update = sanitizePresence(raw, this.actor, (clientId) => {
          return document.awareness.getStates().has(clientId) && !this.awarenessClients.has(clientId)
        })
        if (update) applyAwarenessUpdate(document.awareness, update, this)
        return
      }
      case MessageType.QueryAwareness:
        this.send(awarenessUpdate(document.awareness, [...document.awareness.getStates().keys()]))
        return
      case MessageType.Auth:
        // Clients have nothing to say in the auth sub-protocol.
        return
      default:
        throw new ProtocolError(`unknown message type ${type}`)
    }
  }

  /**
   * Asks the client for everything the server lacks (sync step 1), once until it answers: its sync step 2
   * carries what was not applied. A step 2 that itself has a gap gets no new request (no ping-pong).
   */
  private askForMissing(document: SharedDocument, syncType: number): void {
    if (syncType !== syncProtocol.messageYjsUpdate || this.resyncAsked) return
    this.resyncAsked = true
    this.send(syncStep1(document.doc))
  }

  /**
   * Tells the client that its changes up to the seq-th are durably stored (the update log wrote them):
   * only then does it show 保存済み. A read-only connection's changes are never stored, so never acknowledged.
   */
  acknowledge(seq: number): void {
    if (this.readOnly || seq <= this.acknowledged) return
    this.acknowledged = seq
    this.send(storedMessage(seq))
  }

  send(message: Uint8Array): void {
    if (this.closed || this.socket.readyState !== OPEN) return
    // A client that does not read must not make the server hold what it does not take.
    if ((this.socket.bufferedAmount ?? 0) + message.byteLength > this.limits.queuedBytes) {
      this.log.warn({ user: this.actor.username, queued: this.socket.bufferedAmount }, 'slow consumer dropped')
      // A closing handshake would wait for the very client that does not read: dropped at once instead,
      // with what was queued for it. Its client reconnects (1006) when it reads again.
      this.closed = true
      this.waiting = []
      if (this.socket.terminate) this.socket.terminate()
      else this.socket.close(CloseCode.TryAgainLater, 'slow consumer')
      return
    }
    try {
      this.socket.send(message as Uint8Array<ArrayBuffer>)
    } catch (error) {
      this.log.warn({ err: error }, 'send failed')
      this.close(CloseCode.GoingAway, 'send failed')
    }
  }

  sendHoshin(message: HoshinMessage): void {
    this.send(hoshinMessage(message))
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.waiting = []
    try {
      this.socket.close(code, reason)
    } catch {
      // already closing
    }
  }

  /** The socket closed (either side). */
  markClosed(): void {
    this.closed = true
    this.waiting = []
  }
}
