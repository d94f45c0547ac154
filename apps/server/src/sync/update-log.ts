import type { Logger } from 'pino'
import * as Y from 'yjs'
import type { FieldRef } from '@hoshin/sheet'
import type { DocumentStore, FieldEdit, UpdateEntry } from '../persistence/document-store.js'
import { chunks } from '../chunks.js'

export interface UpdateLogOptions {
  /**
   * How long updates gather before one transaction writes them all. Every accepted update is durable
   * within this (plus the write itself); 20 ms keeps that far under the 100 ms promise while batching
   * a busy office's updates into a few transactions a second.
   */
  flushMs: number
  /** Log rows past which a sheet is compacted into its stored state. */
  compactAfter: number
  /** Log bytes past which a sheet is compacted, whatever the row count. */
  compactAfterBytes: number
}

/**
 * Who is told when its changes are stored: a connection counts the changes it received (`received`) and
 * how many of its log entries wait for the disk (`unflushed`); `acknowledge(seq)` says every change up to
 * its seq-th is durably stored.
 */
export interface AckSource {
  received: number
  unflushed: number
  acknowledge(seq: number): void
}

interface PendingEntry extends UpdateEntry {
  source: { connection: AckSource; seq: number } | undefined
}

/** Who made an update, which fields it changed, and when ([S17]). */
export interface Authorship {
  userId: string | null
  fields: readonly FieldRef[]
  at: string
}

export const defaultUpdateLogOptions: UpdateLogOptions = { flushMs: 20, compactAfter: 500, compactAfterBytes: 256 * 1024 }

/**
 * Appends every accepted update to the store, batched: one transaction per tick for all sheets, and one
 * row per sheet per tick (the tick's updates merged, up to MERGE_GROUP a row), so a burst of keystrokes is
 * one small row.
 * A failed write (disk full, locked) keeps the batch and retries; the clients hold the same updates
 * and resend them on reconnect, so nothing is dropped meanwhile.
 */
export class UpdateLog {
  private pending: PendingEntry[] = []
  /** The last edit per sheet, field and person since the last flush: a burst of keystrokes is one row. */
  private edits = new Map<string, FieldEdit>()
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()
  private readonly lengths = new Map<string, { rows: number; bytes: number }>()

  /**
   * Told of plan changes the store refused because the sheet was approved meanwhile (on another process):
   * they are kept aside before their connections hear they are stored.
   */
  onRefused: ((refused: UpdateEntry[]) => Promise<void>) | undefined

  constructor(
    private readonly store: DocumentStore,
    private readonly log: Logger,
    private readonly onCompactDue: (sheetId: string) => void,
    readonly options: UpdateLogOptions = defaultUpdateLogOptions,
  ) {}

  /** The log length found at load, so compaction counts from the stored log. */
  setLength(sheetId: string, rows: number, bytes: number): void {
    this.lengths.set(sheetId, { rows, bytes })
  }

  forget(sheetId: string): void {
    this.lengths.delete(sheetId)
  }

  /**
   * Queues an accepted update; `source` (the connection it came from) is acknowledged once it is stored.
   * `author` says who made it and which fields it changed: the log row keeps the person, and the fields
   * are written with the same flush (a keystroke costs no write of its own).
   */
  append(sheetId: string, update: Uint8Array, source?: AckSource, author?: Authorship, unlessApproved = false): void {
    if (source) source.unflushed++
    const userId = author?.userId ?? null
    this.pending.push({ sheetId, update, userId, unlessApproved, source: source && { connection: source, seq: source.received } })
    if (userId !== null) {
      for (const { part, rowId, field } of author?.fields ?? []) {
        const edit = { sheetId, part, rowId, field, userId, editedAt: author!.at }
        this.edits.set([sheetId, part, rowId, field, userId].join('\u0000'), edit)
      }
    }
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs)
  }

  /** Writes everything appended so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    const edits = this.edits
    this.pending = []
    this.edits = new Map()
    this.chain = this.chain.then(async () => {
      if (!batch.length && !edits.size) return
      const merged = mergePerSheet(batch)
      let refused: UpdateEntry[]
      try {
        ;({ refused } = await this.store.append(merged, [...edits.values()]))
      } catch (error) {
        this.log.error({ err: error, updates: batch.length }, 'could not store updates; retrying')
        this.pending = [...batch, ...this.pending]
        // The edits kept meanwhile are newer than the failed batch's: they win.
        this.edits = new Map([...edits, ...this.edits])
        this.timer ??= setTimeout(() => void this.flush(), 1000)
        return
      }
      if (refused.length) {
        await this.onRefused?.(refused).catch((error: unknown) => this.log.error({ err: error, sheets: [...new Set(refused.map((e) => e.sheetId))] }, 'could not keep aside changes to a sheet approved meanwhile'))
      }
      acknowledge(batch)
      for (const { sheetId, update } of merged) {
        const length = this.lengths.get(sheetId) ?? { rows: 0, bytes: 0 }
        length.rows += 1
        length.bytes += update.byteLength
        this.lengths.set(sheetId, length)
        if (length.rows > this.options.compactAfter || length.bytes > this.options.compactAfterBytes) {
          this.onCompactDue(sheetId)
        }
      }
    })
    return this.chain
  }

  /** Called once a sheet's log was folded into its state. */
  compacted(sheetId: string): void {
    this.lengths.set(sheetId, { rows: 0, bytes: 0 })
  }
}

/**
 * Tells each connection what of its changes is now stored: up to the last of its changes in the batch,
 * or everything it sent when nothing of it waits any more (changes that added nothing need no write).
 */
function acknowledge(batch: readonly PendingEntry[]): void {
  const stored = new Map<AckSource, number>()
  for (const { source } of batch) {
    if (!source) continue
    source.connection.unflushed--
    stored.set(source.connection, Math.max(stored.get(source.connection) ?? 0, source.seq))
  }
  for (const [connection, seq] of stored) connection.acknowledge(connection.unflushed === 0 ? connection.received : seq)
}

/**
 * Updates merged into one row at most. Y.mergeUpdates grows faster than linearly with the number of
 * updates: when a burst queues thousands in one tick (the growth benchmark: 100,000 edits as fast as a
 * client can send), merging them all at once took most of the server's CPU, which made the next tick's
 * batch larger still. Merging groups of 64 costs ~2 µs an update, whatever the burst.
 */
export const MERGE_GROUP = 64

/** One row per sheet, author and freeze rule (updates commute, so regrouping by author keeps the document the same). */
function mergePerSheet(batch: readonly UpdateEntry[]): UpdateEntry[] {
  const groups = new Map<string, { sheetId: string; userId: string | null; unlessApproved: boolean; updates: Uint8Array[] }>()
  for (const { sheetId, update, userId = null, unlessApproved = false } of batch) {
    const key = `${sheetId}\u0000${userId ?? ''}\u0000${unlessApproved ? 1 : 0}`
    const group = groups.get(key)
    if (group) group.updates.push(update)
    else groups.set(key, { sheetId, userId, unlessApproved, updates: [update] })
  }
  const merged: UpdateEntry[] = []
  for (const { sheetId, userId, unlessApproved, updates } of groups.values()) {
    for (const group of chunks(updates, MERGE_GROUP)) {
      merged.push({ sheetId, userId, unlessApproved, update: group.length === 1 ? group[0]! : Y.mergeUpdates(group) })
    }
  }
  return merged
}
