import * as Y from 'yjs'
import type { Database } from './database.js'
import { nowIso } from './ids.js'
import { chunks } from '../chunks.js'

export interface StoredDocument {
  /** The compacted state (one merged Yjs update), if any. */
  state: Uint8Array | undefined
  /** Updates accepted since, oldest first. */
  updates: Uint8Array[]
}

/** Loading = stored state + log: applies both to `doc` (inside one transaction, under `origin`). */
export function applyStored(doc: Y.Doc, stored: StoredDocument, origin: unknown = null): Y.Doc {
  doc.transact(() => {
    if (stored.state) Y.applyUpdate(doc, stored.state)
    for (const update of stored.updates) Y.applyUpdate(doc, update)
  }, origin)
  return doc
}

export interface UpdateEntry {
  sheetId: string
  update: Uint8Array
  /** Who made it (null or absent: the server's own change). */
  userId?: string | null
}

/** One person's latest change to one field ([S17]), kept apart from the log so compaction keeps it. */
export interface FieldEdit {
  sheetId: string
  part: string
  rowId: string
  field: string
  userId: string
  editedAt: string
}

/**
 * Where the Yjs state of each sheet lives: a compacted state plus an append-only log of updates.
 * Loading = state + log. One contract test suite runs against every implementation.
 */
export interface DocumentStore {
  load(sheetId: string): Promise<StoredDocument>
  /** Appends updates of any number of sheets, and who changed which field, all or nothing. */
  append(entries: readonly UpdateEntry[], edits?: readonly FieldEdit[]): Promise<void>
  /**
   * Replaces the sheet's state with `state` and empties its log, atomically. `state` must already
   * contain every logged update (the caller encodes it from a document that has them all).
   */
  compact(sheetId: string, state: Uint8Array): Promise<void>
  /** Number of updates in the sheet's log. */
  logLength(sheetId: string): Promise<number>
}

/** Rows per multi-row statement: well under SQLite's limit of 32,766 bound parameters (PostgreSQL's: 65,535). */
const ROWS_PER_STATEMENT = 500

function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

export class SqliteDocumentStore implements DocumentStore {
  constructor(private readonly db: Database) {}

  /** State and log from one snapshot: read apart, a compaction in between would leave the old state and an empty log. */
  load(sheetId: string): Promise<StoredDocument> {
    return this.db.snapshot(async (tx) => {
      const row = await tx.get<{ state: Buffer }>('SELECT state FROM sheet_documents WHERE sheet_id = ?', [sheetId])
      const log = await tx.all<{ data: Buffer }>('SELECT data FROM sheet_updates WHERE sheet_id = ? ORDER BY id', [sheetId])
      return { state: row ? bytes(row.state) : undefined, updates: log.map((r) => bytes(r.data)) }
    })
  }

  async append(entries: readonly UpdateEntry[], edits: readonly FieldEdit[] = []): Promise<void> {
    if (!entries.length && !edits.length) return
    const now = nowIso()
    // A few statements per batch however many rows: each statement is a round trip to sqlite3's thread
    // pool and a fresh prepare, which row-by-row made persistence the largest part of the server's CPU
    // under a busy office (150 sheets flushing every 20 ms).
    await this.db.transaction(async (tx) => {
      for (const chunk of chunks(entries, ROWS_PER_STATEMENT)) {
        await tx.run(
          `INSERT INTO sheet_updates (sheet_id, data, user_id, created_at) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap(({ sheetId, update, userId }) => [sheetId, update, userId ?? null, now]),
        )
      }
      for (const chunk of chunks(edits, ROWS_PER_STATEMENT)) {
        await tx.run(
          `INSERT INTO field_edits (sheet_id, part, row_id, field, user_id, edited_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (sheet_id, part, row_id, field, user_id) DO UPDATE SET edited_at = CASE WHEN excluded.edited_at > field_edits.edited_at THEN excluded.edited_at ELSE field_edits.edited_at END`,
          chunk.flatMap((e) => [e.sheetId, e.part, e.rowId, e.field, e.userId, e.editedAt]),
        )
      }
      for (const chunk of chunks([...new Set(entries.map((e) => e.sheetId))], ROWS_PER_STATEMENT)) {
        await tx.run(`UPDATE sheets SET updated_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`, [now, ...chunk])
      }
    })
  }

  async compact(sheetId: string, state: Uint8Array): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO sheet_documents (sheet_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (sheet_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        [sheetId, state, nowIso()],
      )
      await tx.run('DELETE FROM sheet_updates WHERE sheet_id = ?', [sheetId])
    })
  }

  async logLength(sheetId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>('SELECT count(*) AS n FROM sheet_updates WHERE sheet_id = ?', [sheetId])
    return row?.n ?? 0
  }
}

/** The in-memory twin: same contract, no disk. For tests and for benchmarking the sync layer alone. */
export class MemoryDocumentStore implements DocumentStore {
  private readonly states = new Map<string, Uint8Array>()
  private readonly logs = new Map<string, Uint8Array[]>()
  /** Field edits by key, as the SQLite table keeps them (last time per field and person). */
  readonly edits = new Map<string, FieldEdit>()

  async load(sheetId: string): Promise<StoredDocument> {
    return { state: this.states.get(sheetId), updates: [...(this.logs.get(sheetId) ?? [])] }
  }

  async append(entries: readonly UpdateEntry[], edits: readonly FieldEdit[] = []): Promise<void> {
    for (const edit of edits) {
      const key = [edit.sheetId, edit.part, edit.rowId, edit.field, edit.userId].join('\u0000')
      const known = this.edits.get(key)
      if (!known || known.editedAt < edit.editedAt) this.edits.set(key, { ...edit })
    }
    for (const { sheetId, update } of entries) {
      const log = this.logs.get(sheetId) ?? []
      // Copy: the caller may reuse its buffer.
      log.push(update.slice())
      this.logs.set(sheetId, log)
    }
  }

  async compact(sheetId: string, state: Uint8Array): Promise<void> {
    this.states.set(sheetId, state.slice())
    this.logs.delete(sheetId)
  }

  async logLength(sheetId: string): Promise<number> {
    return this.logs.get(sheetId)?.length ?? 0
  }
}
