import { type FieldRef, type LayoutCheck, migrateLayout, touchedFields } from '@hoshin/sheet'
import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { chunks } from '../chunks.js'
import { applyStored, type StoredDocument } from '../persistence/document-store.js'
import type { Connection } from './connection.js'
import { MERGE_GROUP } from './update-log.js'
import { awarenessUpdate, syncUpdate } from './messages.js'

/** Transaction origin of the stored state being applied at load: not a change, not broadcast, not logged. */
const LOAD = Symbol('load')

/**
 * Transaction origin of the layout migration at load ([S19]): the server's own change, nobody's edit,
 * stored through the update log like any change so it happens once.
 */
export const MIGRATION = Symbol('layout migration')

/**
 * Transaction origin of what another process accepted (through Redis) or stored (caught up from the
 * database): sent to this process's connections, never logged again.
 */
export const REMOTE = Symbol('remote')

/** Where this process's accepted changes and presence go to reach the other processes (HOSHIN_REDIS_URL). */
export interface Relay {
  update(sheetId: string, update: Uint8Array): void
  awareness(sheetId: string, update: Uint8Array): void
}

/**
 * Transaction origin of a change the server makes itself on someone's behalf (an import, a late change
 * set carried into a revision): attributed to that person, or to nobody (null), never to a connection.
 */
export class ServerEdit {
  constructor(readonly userId: string | null) {}
}

/**
 * One open sheet: its Y.Doc, the awareness (presence) of the people in it, and their connections.
 * An update is encoded once and sent to every other connection; each accepted update goes to `onUpdate`
 * (the update log).
 */
export class SharedDocument {
  readonly doc = new Y.Doc()
  readonly awareness = new Awareness(this.doc)
  readonly connections = new Set<Connection>()
  /** Approved: no connection's change may be applied any more (checked on every change, not only at upgrade). */
  frozen = false
  /**
   * While frozen, the root types that still take changes: those of an evaluation that is open ([S20]).
   * Empty: the whole document is frozen.
   */
  openRoots: ReadonlySet<string> = new Set()
  /** What the layout migration at load found ([S19]); not ok: served read-only as stored, never rewritten. */
  readonly layout: LayoutCheck
  /** About how large the document is: its stored form plus every update since (exact again after a compaction). */
  approxBytes: number
  /** Set when other processes serve the sheet too. */
  relay: Relay | undefined

  constructor(
    readonly sheetId: string,
    stored: StoredDocument,
    private readonly onUpdate: (sheetId: string, update: Uint8Array, origin: unknown, fields: FieldRef[]) => void,
  ) {
    this.approxBytes = (stored.state?.byteLength ?? 0) + stored.updates.reduce((n, u) => n + u.byteLength, 0)
    // The server takes no part in presence itself.
    this.awareness.setLocalState(null)
    applyStored(this.doc, stored, LOAD)
    this.doc.on('update', this.handleUpdate)
    this.awareness.on('update', this.handleAwareness)
    let layout: LayoutCheck | undefined
    this.doc.transact(() => {
      layout = migrateLayout(this.doc)
    }, MIGRATION)
    this.layout = layout!
  }

  /** The document's stored layout is one this server cannot write ([S19]). */
  get unwritable(): boolean {
    return !this.layout.ok
  }

  /** Whether a change to these root types may be applied now (plan roots while not approved; open evaluations while approved). */
  accepts(roots: ReadonlySet<string>, planRoots: ReadonlySet<string>): boolean {
    for (const root of roots) {
      if (this.frozen ? !this.openRoots.has(root) : !planRoots.has(root)) return false
    }
    return true
  }

  /** Updates applied in this event-loop turn, sent at its end ([fan-out]). */
  private outbox: { update: Uint8Array; origin: unknown }[] = []

  private readonly handleUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (origin === LOAD) return
    this.approxBytes += update.byteLength
    this.outbox.push({ update, origin })
    this.scheduleFanOut()
    if (origin === REMOTE) return
    // Relayed at once, before it is stored, as between the connections of one process: the author's
    // client holds it until acknowledged, so a process that dies before storing it loses nothing.
    this.relay?.update(this.sheetId, update)
    this.onUpdate(this.sheetId, update, origin, touchedFields(transaction))
  }

  /**
   * Sends the turn's updates: one frame per receiver (per MERGE_GROUP updates) however many arrived (a burst of keystrokes from
   * several people is a few frames, not one per keystroke per receiver). A receiver that sent some of them
   * gets the others merged; one that sent all gets nothing. Sent from setImmediate, after every socket
   * read of this turn, so a single update waits no longer than the turn it arrived in.
   */
  private readonly fanOut = (): void => {
    this.fanOutScheduled = false
    if (this.destroyed) return
    this.sendUpdates()
    this.sendPresence()
  }

  private sendUpdates(): void {
    const batch = this.outbox
    this.outbox = []
    // In order, a frame per group: Y.mergeUpdates grows faster than linearly with the number of updates,
    // and a client sending as fast as it can puts thousands in one turn (the growth benchmark: merging
    // them all at once made each turn slower, so the next turn's batch larger, down to 1,300 edits a second).
    for (const group of chunks(batch, MERGE_GROUP)) this.sendGroup(group)
  }

  private sendGroup(batch: readonly { update: Uint8Array; origin: unknown }[]): void {
    if (batch.length === 1) {
      const [{ update, origin }] = batch as [{ update: Uint8Array; origin: unknown }]
      const message = syncUpdate(update)
      for (const connection of this.connections) if (connection !== origin) connection.send(message)
      return
    }
    const everything = syncUpdate(Y.mergeUpdates(batch.map((b) => b.update)))
    const origins = new Set(batch.map((b) => b.origin))
    // What each sender gets: everything but its own, merged once per sender.
    const bySender = new Map<unknown, Uint8Array | null>()
    for (const connection of this.connections) {
      if (!origins.has(connection)) {
        connection.send(everything)
        continue
      }
      let message = bySender.get(connection)
      if (message === undefined) {
        const others = batch.filter((b) => b.origin !== connection).map((b) => b.update)
        message = others.length ? syncUpdate(others.length === 1 ? others[0]! : Y.mergeUpdates(others)) : null
        bySender.set(connection, message)
      }
      if (message) connection.send(message)
    }
  }

  private readonly handleAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin instanceof Object && this.connections.has(origin as Connection)) {
      const controlled = (origin as Connection).awarenessClients
      for (const id of [...added, ...updated]) controlled.add(id)
      for (const id of removed) controlled.delete(id)
    }
    for (const id of [...added, ...updated, ...removed]) {
      this.presenceChanged.add(id)
      if (origin !== REMOTE) this.presenceToRelay.add(id)
    }
    this.scheduleFanOut()
  }

  private fanOutScheduled = false

  /** One fan-out at the end of this turn, whatever changed in it (updates, presence or both). */
  private scheduleFanOut(): void {
    if (this.fanOutScheduled) return
    this.fanOutScheduled = true
    setImmediate(this.fanOut)
  }

  /** Presence changed in this turn (all of it, and what of it this process relays). */
  private presenceChanged = new Set<number>()
  private presenceToRelay = new Set<number>()

  /**
   * The turn's presence, encoded once for every connection after the turn's document changes (a caret
   * names positions in them). Sent to everyone, the sender too: y-websocket clients treat a silent socket
   * as dead after 30 s, and the echo of their own periodic presence renewal is what a lone editor receives.
   */
  private sendPresence(): void {
    const changed = [...this.presenceChanged]
    const relayed = [...this.presenceToRelay]
    this.presenceChanged = new Set()
    this.presenceToRelay = new Set()
    if (!changed.length) return
    const message = awarenessUpdate(this.awareness, changed)
    for (const connection of this.connections) connection.send(message)
    if (relayed.length) this.relay?.awareness(this.sheetId, encodeAwarenessUpdate(this.awareness, relayed))
  }

  /** Every presence this process carries (its own connections' people), for a process that just joined. */
  localAwareness(): Uint8Array | undefined {
    const ids = [...this.connections].flatMap((c) => [...c.awarenessClients])
    return ids.length ? encodeAwarenessUpdate(this.awareness, ids) : undefined
  }

  add(connection: Connection): void {
    this.connections.add(connection)
  }

  /** Removes a connection and the presence of the people it carried. */
  remove(connection: Connection): void {
    this.connections.delete(connection)
    if (connection.awarenessClients.size) {
      removeAwarenessStates(this.awareness, [...connection.awarenessClients], null)
    }
  }

  /** Unloaded: its content is in the store, and this copy must not be read any more. */
  destroyed = false

  destroy(): void {
    this.destroyed = true
    this.doc.off('update', this.handleUpdate)
    this.awareness.off('update', this.handleAwareness)
    this.awareness.destroy()
    this.doc.destroy()
  }
}
