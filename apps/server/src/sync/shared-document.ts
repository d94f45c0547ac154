import { type FieldRef, type LayoutCheck, migrateLayout, touchedFields } from '@hoshin/sheet'
import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { applyStored, type StoredDocument } from '../persistence/document-store.js'
import type { Connection } from './connection.js'
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

  private readonly handleUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (origin === LOAD) return
    this.approxBytes += update.byteLength
    const message = syncUpdate(update)
    for (const connection of this.connections) if (connection !== origin) connection.send(message)
    if (origin === REMOTE) return
    // Relayed at once, before it is stored, as between the connections of one process: the author's
    // client holds it until acknowledged, so a process that dies before storing it loses nothing.
    this.relay?.update(this.sheetId, update)
    this.onUpdate(this.sheetId, update, origin, touchedFields(transaction))
  }

  private readonly handleAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...added, ...updated, ...removed]
    if (origin instanceof Object && this.connections.has(origin as Connection)) {
      const controlled = (origin as Connection).awarenessClients
      for (const id of [...added, ...updated]) controlled.add(id)
      for (const id of removed) controlled.delete(id)
    }
    // Sent to everyone, the sender too: y-websocket clients treat a silent socket as dead after 30 s,
    // and the echo of their own periodic presence renewal is what a lone editor receives.
    const message = awarenessUpdate(this.awareness, changed)
    for (const connection of this.connections) connection.send(message)
    if (origin !== REMOTE) this.relay?.awareness(this.sheetId, encodeAwarenessUpdate(this.awareness, changed))
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
