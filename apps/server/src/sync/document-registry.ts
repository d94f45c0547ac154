import { CloseCode, type HoshinMessage } from '@hoshin/protocol'
import type { Logger } from 'pino'
import * as Y from 'yjs'
import { applyStored, type DocumentStore } from '../persistence/document-store.js'
import { errors } from '../http/errors.js'
import { Connection } from './connection.js'
import { nowIso } from '../persistence/ids.js'
import { applyAwarenessUpdate } from 'y-protocols/awareness'
import type { SheetChannels, SheetMessage } from '../cluster/sheet-channels.js'
import type { UpdateEntry } from '../persistence/document-store.js'
import { REMOTE, ServerEdit, SharedDocument } from './shared-document.js'
import { type UpdateLogOptions, UpdateLog } from './update-log.js'

/** An update that adds nothing (what Yjs encodes for an empty difference). */
const EMPTY_UPDATE_BYTES = 2
/** After Redis comes back: catch up at once and twice more, past the others' store retries. */
const CATCH_UP_AFTER_MS = [0, 1000, 3000]
/** A gap in what another process relayed is fetched after this (its change is stored by then). */
const GAP_CHECK_MS = 100

/**
 * The open documents. A sheet loads on its first connection (stored state + update log), every accepted
 * update goes to the update log, and when the last connection leaves the sheet is compacted into its
 * stored state and unloaded. `closeAll` does the same for every sheet at shutdown.
 */
export class DocumentRegistry {
  private readonly documents = new Map<string, Promise<SharedDocument>>()
  private readonly unloading = new Map<string, Promise<void>>()
  /** Each sheet's store work (compactions, the unload), one at a time, as Hocuspocus's save mutex. */
  private readonly storing = new Map<string, Promise<void>>()
  /** A compaction queued and not yet started covers any asked for meanwhile. */
  private readonly compactionQueued = new Map<string, Promise<void>>()
  private readonly frozen = new Set<string>()
  /** Per approved sheet, the root types of its open evaluations ([S20]); set by the evaluation workflow. */
  private readonly openRoots = new Map<string, ReadonlySet<string>>()
  readonly updateLog: UpdateLog
  /** Compactions done, for tests and the benchmark. */
  compactions = 0
  /** Told of every accepted change with the person who made it (null: the server's own change). */
  onEdit: ((sheetId: string, editorId: string | null) => void) | undefined
  /** Runs while a sheet is still loaded, right before it is stored and unloaded. */
  beforeUnload: ((sheetId: string) => Promise<void>) | undefined
  /** Keeps aside plan changes the store refused because another process approved the sheet meanwhile. */
  keepRefused: ((refused: UpdateEntry[]) => Promise<void>) | undefined
  /** The other processes serving the same sheets (HOSHIN_REDIS_URL); unset: this process alone. */
  private channels: SheetChannels | undefined

  constructor(
    private readonly store: DocumentStore,
    private readonly log: Logger,
    options?: UpdateLogOptions,
  ) {
    this.updateLog = new UpdateLog(store, log, (sheetId) => void this.compact(sheetId), options)
    this.updateLog.onRefused = async (refused) => {
      await this.keepRefused?.(refused)
      // This process's copy (and what it relayed) holds changes the frozen version lacks: every process
      // drops its copy; the clients reconnect and get the frozen content, their late changes kept aside.
      for (const sheetId of new Set(refused.map((e) => e.sheetId))) {
        this.log.warn({ sheetId, updates: refused.length }, 'changes arrived after another process approved the sheet; kept aside, sheet reloaded')
        this.channels?.send(sheetId, { kind: 'reset' })
        void this.discard(sheetId)
      }
    }
  }

  /**
   * Serves the sheets together with other processes: changes and presence go to them through Redis,
   * theirs come in; after Redis was away, every open sheet catches up from them and from the database.
   */
  share(channels: SheetChannels): void {
    this.channels = channels
    channels.onReconnect = () => {
      // Now, and again once what the others accepted during the outage is surely stored (they store
      // within the flush interval, or retry each second while the database is away too).
      for (const delay of CATCH_UP_AFTER_MS) setTimeout(() => void this.catchUp(), delay).unref()
    }
  }

  private async catchUp(): Promise<void> {
    for (const document of await this.loaded()) void this.catchUpSheet(document)
  }

  /** Asks the other processes for what this copy lacks, and reads what is stored (a process that died can answer no hello). */
  private async catchUpSheet(document: SharedDocument): Promise<void> {
    if (document.destroyed) return
    this.channels?.send(document.sheetId, { kind: 'hello', data: Y.encodeStateVector(document.doc) })
    try {
      const stored = await this.store.load(document.sheetId)
      if (!document.destroyed) applyStored(document.doc, stored, REMOTE)
    } catch (err) {
      this.log.warn({ err, sheetId: document.sheetId }, 'could not catch up a sheet from the database')
    }
  }

  /** A change from another process built on one this process never heard (lost while Redis was away): fetch it. */
  private readonly gapChecks = new Set<string>()
  private missing(document: SharedDocument): void {
    if (this.gapChecks.has(document.sheetId)) return
    this.gapChecks.add(document.sheetId)
    const timer = setTimeout(() => {
      this.gapChecks.delete(document.sheetId)
      void this.catchUpSheet(document)
    }, GAP_CHECK_MS)
    timer.unref()
  }

  /** A message of another process about a sheet loaded here. */
  private received(document: SharedDocument, message: SheetMessage): void {
    if (document.destroyed) return
    const { sheetId } = document
    switch (message.kind) {
      case 'update': {
        Y.applyUpdate(document.doc, message.data, REMOTE)
        const { store } = document.doc
        if (store.pendingStructs || store.pendingDs) this.missing(document)
        break
      }
      case 'awareness':
        applyAwarenessUpdate(document.awareness, message.data, REMOTE)
        break
      case 'hello':
      case 'ask': {
        const missing = Y.encodeStateAsUpdate(document.doc, message.data)
        if (missing.byteLength > EMPTY_UPDATE_BYTES) this.channels?.send(sheetId, { kind: 'update', data: missing })
        if (message.kind === 'ask') break
        const presence = document.localAwareness()
        if (presence) this.channels?.send(sheetId, { kind: 'awareness', data: presence })
        // Both ways: after an outage this process may hold what the greeter lacks and the greeter what it lacks.
        this.channels?.send(sheetId, { kind: 'ask', data: Y.encodeStateVector(document.doc) })
        break
      }
      case 'notify':
        for (const connection of document.connections) connection.sendHoshin(message.message)
        break
      case 'freeze':
        void this.freeze(sheetId, { share: false })
        break
      case 'rights':
        // Decided again from the database at each connection's next upgrade.
        this.frozen.delete(sheetId)
        this.openRoots.delete(sheetId)
        document.frozen = false
        for (const connection of [...document.connections]) connection.close(CloseCode.GoingAway, 'rights changed')
        break
      case 'reset':
        void this.discard(sheetId)
        break
    }
  }

  /** Drops a sheet's copy without storing it (it holds refused changes); its connections reconnect. */
  private discard(sheetId: string): Promise<void> {
    return this.serial(sheetId, async () => {
      const document = await this.live(sheetId)
      if (!document) return
      this.documents.delete(sheetId)
      this.updateLog.forget(sheetId)
      for (const connection of [...document.connections]) {
        connection.close(CloseCode.GoingAway, 'sheet reloaded')
        document.remove(connection)
      }
      document.destroy()
      await this.channels?.leave(sheetId)
    })
  }

  /** The open document of a sheet, loading it if needed. */
  async open(sheetId: string): Promise<SharedDocument> {
    await this.unloading.get(sheetId)
    let pending = this.documents.get(sheetId)
    if (!pending) {
      pending = this.load(sheetId)
      this.documents.set(sheetId, pending)
      pending.catch(() => this.documents.delete(sheetId))
    }
    return pending
  }

  private async load(sheetId: string): Promise<SharedDocument> {
    // Subscribed before reading the store: a change another process makes meanwhile is either stored
    // already or heard here (kept until the document exists).
    const early: SheetMessage[] = []
    let loaded: SharedDocument | undefined
    const { channels } = this
    if (channels) await channels.join(sheetId, (message) => (loaded ? this.received(loaded, message) : early.push(message)))
    let stored: Awaited<ReturnType<DocumentStore['load']>>
    try {
      stored = await this.store.load(sheetId)
    } catch (error) {
      await channels?.leave(sheetId)
      throw error
    }
    this.updateLog.setLength(
      sheetId,
      stored.updates.length,
      stored.updates.reduce((sum, u) => sum + u.byteLength, 0),
    )
    // (`document` is read only for a connection's change, never during construction: the migration is the server's.)
    const document: SharedDocument = new SharedDocument(sheetId, stored, (id, update, origin, fields) => {
      const connection = origin instanceof Connection ? origin : undefined
      // A connection's change is its person's; the server's own is its actor's (import, carry) or nobody's.
      const userId = connection ? connection.actor.id : origin instanceof ServerEdit ? origin.userId : null
      // A person's change to the plan, accepted as not approved: refused by the store if it is by then.
      const unlessApproved = connection !== undefined && !document.frozen
      this.updateLog.append(id, update, connection, { userId, fields, at: nowIso() }, unlessApproved)
      this.onEdit?.(id, userId)
    })
    document.frozen = this.frozen.has(sheetId)
    document.openRoots = this.openRoots.get(sheetId) ?? new Set()
    if (channels) {
      document.relay = {
        update: (id, data) => channels.send(id, { kind: 'update', data }),
        awareness: (id, data) => channels.send(id, { kind: 'awareness', data }),
      }
      loaded = document
      for (const message of early) this.received(document, message)
      // What the other processes hold that is not stored yet, and who is in the sheet there.
      channels.send(sheetId, { kind: 'hello', data: Y.encodeStateVector(document.doc) })
    }
    const { layout } = document
    if (!layout.ok) this.log.error({ sheetId, layout: layout.layout, reason: layout.reason }, 'document of an unknown or malformed layout: served read-only, never rewritten')
    else if (layout.changed) this.log.info({ sheetId, from: layout.from }, 'document layout migrated')
    return document
  }

  /**
   * What the database says of a sheet, told at each upgrade before the connection joins: approved (the
   * freeze holds after a restart too) and which evaluations are open. Only ever adds a freeze; the open
   * evaluations are taken from the database once per process, after that the workflow keeps them.
   */
  async prepare(sheetId: string, state: { approved: boolean; openRoots: () => Promise<string[]> }): Promise<void> {
    if (state.approved && !this.frozen.has(sheetId)) await this.freeze(sheetId, { silent: true })
    if (!this.openRoots.has(sheetId)) {
      const roots = await state.openRoots()
      if (!this.openRoots.has(sheetId)) await this.setOpenRoots(sheetId, roots, () => false, { share: false })
    }
  }

  /**
   * The root types of an approved sheet that still take changes (its open evaluations, [S20]). Connections
   * of people who may edit (`mayEdit`) turn writable when one opens; all turn read-only when none is left.
   */
  async setOpenRoots(sheetId: string, roots: readonly string[], mayEdit: (connection: Connection) => boolean, { share = true } = {}): Promise<void> {
    const set = new Set(roots)
    this.openRoots.set(sheetId, set)
    if (share) this.channels?.send(sheetId, { kind: 'rights' })
    const document = await this.live(sheetId)
    if (!document) return
    document.openRoots = set
    if (!document.frozen) return
    for (const connection of document.connections) {
      if (set.size && connection.readOnlyBecause === 'approved' && mayEdit(connection)) connection.setReadOnly(null)
      else if (!set.size && connection.readOnlyBecause === null) connection.setReadOnly('approved')
    }
  }

  openRootsOf(sheetId: string): ReadonlySet<string> {
    return this.openRoots.get(sheetId) ?? new Set()
  }

  /** Joins a connection to its sheet; the connection may have closed while the sheet loaded. */
  async connect(sheetId: string, connection: Connection): Promise<void> {
    let document: SharedDocument
    try {
      document = await this.open(sheetId)
    } catch (error) {
      this.log.error({ err: error, sheetId }, 'could not load sheet')
      connection.close(CloseCode.GoingAway, 'could not load the sheet')
      return
    }
    if (connection.isClosed) {
      if (document.connections.size === 0) void this.unload(sheetId)
      return
    }
    document.add(connection)
    // Rights were decided at the upgrade; an approval may have frozen the sheet while it loaded.
    if (this.frozen.has(sheetId) && document.openRoots.size === 0 && !connection.readOnly) connection.setReadOnly('approved', { silent: true })
    // A stored layout this server cannot write: everyone reads ([S19]).
    if (document.unwritable && connection.readOnlyBecause !== 'permission') connection.setReadOnly('layout', { silent: true })
    connection.attach(document)
  }

  /** A connection closed: drop its presence; unload the sheet when it was the last one. */
  async disconnect(sheetId: string, connection: Connection): Promise<void> {
    connection.markClosed()
    const pending = this.documents.get(sheetId)
    if (!pending) return
    const document = await pending.catch(() => undefined)
    if (!document) return
    document.remove(connection)
    if (document.connections.size === 0) await this.unload(sheetId)
  }

  /** The loaded document, if the sheet is open right now. */
  async live(sheetId: string): Promise<SharedDocument | undefined> {
    return this.documents.get(sheetId)?.catch(() => undefined)
  }

  /** Every loaded sheet (for the access checks). */
  async loaded(): Promise<SharedDocument[]> {
    const documents = await Promise.all([...this.documents.values()].map((p) => p.catch(() => undefined)))
    return documents.filter((d): d is SharedDocument => d !== undefined)
  }

  /** Reads a sheet: from the live document when it is open, from the store otherwise. */
  async read<T>(sheetId: string, read: (doc: Y.Doc) => T): Promise<T> {
    const live = await this.live(sheetId)
    // A sheet unloaded meanwhile was stored first: the store has it (its destroyed copy reads as empty).
    if (live && !live.destroyed) return read(live.doc)
    const doc = applyStored(new Y.Doc(), await this.store.load(sheetId))
    try {
      return read(doc)
    } finally {
      doc.destroy()
    }
  }

  /**
   * Runs a change on the sheet's live document (loading it if needed, storing and unloading after if nobody
   * is in it), in one transaction attributed to `editorId` (null: nobody's, as a seed).
   */
  async change<T>(sheetId: string, work: (doc: Y.Doc) => T, editorId: string | null = null): Promise<T> {
    const document = await this.open(sheetId)
    try {
      if (document.unwritable) throw errors.invalidTransition('このシートは、このサーバーが読めない形式で保存されているため変更できません。')
      let result: T | undefined
      document.doc.transact(() => {
        result = work(document.doc)
      }, new ServerEdit(editorId))
      return result as T
    } finally {
      await this.updateLog.flush()
      if (document.connections.size === 0) await this.unload(sheetId)
    }
  }

  /** Closes every connection opened with a session that just ended (logout). */
  async closeSession(sessionId: string): Promise<void> {
    const documents = await Promise.all([...this.documents.values()].map((p) => p.catch(() => undefined)))
    for (const document of documents) {
      for (const connection of document?.connections ?? []) {
        if (connection.sessionId === sessionId) connection.close(CloseCode.Unauthenticated, 'session ended')
      }
    }
  }

  /** Closes every connection of a person at once (disabled, moved, password reset). */
  async closeUser(userId: string): Promise<void> {
    const documents = await Promise.all([...this.documents.values()].map((p) => p.catch(() => undefined)))
    for (const document of documents) {
      for (const connection of document?.connections ?? []) {
        if (connection.actor.id === userId) connection.close(CloseCode.Unauthenticated, 'access ended')
      }
    }
  }

  /** Tells everyone who has the sheet open (a comment changed, the sheet was frozen…). */
  notify(sheetId: string, message: HoshinMessage): void {
    this.channels?.send(sheetId, { kind: 'notify', message })
    void this.live(sheetId).then((document) => {
      for (const connection of document?.connections ?? []) connection.sendHoshin(message)
    })
  }

  /**
   * The approval freeze: from now on every connection of the sheet may only read, and says so to its
   * client at once. Set before the approved state is captured, so no update can slip in between.
   */
  async freeze(sheetId: string, { silent = false, share }: { silent?: boolean; share?: boolean } = {}): Promise<void> {
    this.frozen.add(sheetId)
    // The other processes stop taking changes too; what they accepted and store after the approval's
    // transaction is refused there by the store ([S4]).
    if (share ?? !silent) this.channels?.send(sheetId, { kind: 'freeze' })
    const document = await this.live(sheetId)
    if (document) document.frozen = true
    if (silent) return
    for (const connection of document?.connections ?? []) {
      // A reader stays a reader, an old or unreadable layout stays that; a full sheet's late edits are kept too.
      const reason = connection.readOnlyBecause
      if (reason === null || reason === 'full') connection.setReadOnly('approved')
    }
  }

  /** Lifts the freeze (a reopened revision, or an approval that lost the race). */
  async unfreeze(sheetId: string, mayEdit: (connection: Connection) => boolean): Promise<void> {
    this.frozen.delete(sheetId)
    this.channels?.send(sheetId, { kind: 'rights' })
    const document = await this.live(sheetId)
    if (document) document.frozen = false
    for (const connection of document?.connections ?? []) {
      if (connection.readOnlyBecause === 'approved') connection.setReadOnly(mayEdit(connection) ? null : 'permission')
    }
  }

  isFrozen(sheetId: string): boolean {
    return this.frozen.has(sheetId)
  }

  /** Runs a sheet's store work after the work queued before it (one at a time per sheet). */
  private serial(sheetId: string, work: () => Promise<void>): Promise<void> {
    const run = (this.storing.get(sheetId) ?? Promise.resolve()).then(work)
    const settled = run.catch(() => undefined)
    this.storing.set(sheetId, settled)
    void settled.then(() => {
      if (this.storing.get(sheetId) === settled) this.storing.delete(sheetId)
    })
    return run
  }

  /** Folds a sheet's update log into its stored state (after any store work of the sheet still running). */
  compact(sheetId: string): Promise<void> {
    const queued = this.compactionQueued.get(sheetId)
    if (queued) return queued
    const run = this.serial(sheetId, async () => {
      this.compactionQueued.delete(sheetId)
      await this.compactNow(sheetId)
    })
    this.compactionQueued.set(sheetId, run)
    return run
  }

  private async compactNow(sheetId: string): Promise<void> {
    try {
      const document = await this.live(sheetId)
      if (!document) return
      await this.updateLog.flush()
      // Stored bytes of a layout this server cannot write are never rewritten ([S19]); nothing was accepted.
      if (document.unwritable) return
      // The store merges what it holds and deletes only the entries it merged: another process (or this
      // one) may append meanwhile, and another process may be compacting (then this one skips).
      this.updateLog.compacted(sheetId)
      const compacted = await this.store.compact(sheetId)
      if (compacted) {
        document.approxBytes = compacted.stateBytes
        this.compactions++
      }
    } catch (error) {
      this.log.error({ err: error, sheetId }, 'compaction failed; the update log keeps everything')
    }
  }

  /** Stores and unloads a sheet nobody is in; waits for a compaction already running. */
  private unload(sheetId: string): Promise<void> {
    const existing = this.unloading.get(sheetId)
    if (existing) return existing
    const run = this.serial(sheetId, async () => {
      const document = await this.live(sheetId)
      if (!document || document.connections.size > 0) return
      await this.beforeUnload?.(sheetId).catch((err: unknown) => this.log.error({ err, sheetId }, 'before-unload hook failed'))
      await this.compactNow(sheetId)
      // Someone may have joined while storing.
      if (document.connections.size > 0) return
      this.documents.delete(sheetId)
      this.updateLog.forget(sheetId)
      document.destroy()
      await this.channels?.leave(sheetId)
    }).finally(() => this.unloading.delete(sheetId))
    this.unloading.set(sheetId, run)
    return run
  }

  /** Shutdown: close every connection, store and unload every sheet. */
  async closeAll(): Promise<void> {
    const documents = await Promise.all([...this.documents.values()].map((p) => p.catch(() => undefined)))
    for (const document of documents) {
      if (!document) continue
      for (const connection of [...document.connections]) {
        connection.close(CloseCode.GoingAway, 'server shutting down')
        document.remove(connection)
      }
    }
    await this.updateLog.flush()
    await Promise.all(documents.map((d) => (d ? this.unload(d.sheetId) : undefined)))
  }

  get openCount(): number {
    return this.documents.size
  }
}

