import * as Y from 'yjs'
import type { Database, SqlExecutor } from './database.js'
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
  /**
   * A change to the plan accepted while this process thought the sheet not approved: refused (not
   * written) if the sheet is approved by the time it is stored. Another process's approval may have
   * frozen the sheet in between; its version holds only what was stored before it ([S4]).
   */
  unlessApproved?: boolean
}

/** What an append did not write: plan changes to sheets approved meanwhile (kept aside by the caller). */
export interface AppendResult {
  refused: UpdateEntry[]
}

/** What a compaction merged: how many log entries, and the size of the state it wrote. */
export interface Compaction {
  merged: number
  stateBytes: number
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
  /**
   * Appends updates of any number of sheets, and who changed which field, all or nothing; entries marked
   * `unlessApproved` for a sheet that is approved now are left out and returned.
   */
  append(entries: readonly UpdateEntry[], edits?: readonly FieldEdit[]): Promise<AppendResult>
  /**
   * Folds the log into the state: reads state and log, merges them, writes the state and deletes exactly
   * the log entries it read (never one appended meanwhile, by this process or another), atomically.
   * One compactor per sheet at a time (PostgreSQL: an advisory lock held for the transaction, so it ends
   * with the connection of a process that dies); null when another holds it or the log is empty.
   */
  compact(sheetId: string): Promise<Compaction | null>
  /** Replaces the sheet's state with `state` and empties its log (a test's or a repair's stored document). */
  replaceState(sheetId: string, state: Uint8Array): Promise<void>
  /** Number of updates in the sheet's log. */
  logLength(sheetId: string): Promise<number>
}

/**
 * State and log of a sheet, with the log rows' ids, in one statement: so from one snapshot (read apart, a
 * compaction in between would leave the old state and an empty log), and in one round trip, since opening
 * a sheet is on the way of everyone who opens it. Inside a transaction it is that transaction's view.
 */
export async function readStored(tx: SqlExecutor, sheetId: string): Promise<StoredDocument & { ids: number[] }> {
  const rows = await tx.all<{ kind: number; id: number; data: Buffer }>(
    `SELECT 0 AS kind, 0 AS id, state AS data FROM sheet_documents WHERE sheet_id = ?
     UNION ALL SELECT 1 AS kind, id, data FROM sheet_updates WHERE sheet_id = ?
     ORDER BY kind, id`,
    [sheetId, sheetId],
  )
  const log = rows.filter((r) => r.kind === 1)
  return { state: rows[0]?.kind === 0 ? bytes(rows[0].data) : undefined, updates: log.map((r) => bytes(r.data)), ids: log.map((r) => r.id) }
}

/** State + log as one compacted state (garbage-collected, as a document encodes itself). */
export function mergeStored(stored: StoredDocument): Uint8Array {
  const doc = applyStored(new Y.Doc(), stored)
  try {
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}

/** Rows per multi-row statement: well under SQLite's limit of 32,766 bound parameters (PostgreSQL's: 65,535). */
const ROWS_PER_STATEMENT = 500

function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/** The store on either database (SQLite or PostgreSQL): the same SQL, a lock clause where they differ. */
export class SqliteDocumentStore implements DocumentStore {
  constructor(private readonly db: Database) {}

  async load(sheetId: string): Promise<StoredDocument> {
    const { state, updates } = await readStored(this.db, sheetId)
    return { state, updates }
  }

  async append(entries: readonly UpdateEntry[], edits: readonly FieldEdit[] = []): Promise<AppendResult> {
    if (!entries.length && !edits.length) return { refused: [] }
    const now = nowIso()
    // A few statements per batch however many rows: each statement is a round trip to sqlite3's thread
    // pool and a fresh prepare, which row-by-row made persistence the largest part of the server's CPU
    // under a busy office (150 sheets flushing every 20 ms).
    return this.db.transaction(async (tx) => {
      // The sheets' rows first, locked in id order (PostgreSQL; SQLite's writer lock covers it): an
      // approval on any process waits for this append or this append sees its status.
      const sheetIds = [...new Set(entries.map((e) => e.sheetId))].sort()
      const approved = new Set<string>()
      for (const chunk of chunks(sheetIds, ROWS_PER_STATEMENT)) {
        const lock = this.db.dialect === 'postgres' ? ' ORDER BY id FOR UPDATE' : ''
        const rows = await tx.all<{ id: string; status: string }>(`SELECT id, status FROM sheets WHERE id IN (${chunk.map(() => '?').join(', ')})${lock}`, chunk)
        for (const row of rows) if (row.status === 'approved') approved.add(row.id)
      }
      const refused = entries.filter((e) => e.unlessApproved && approved.has(e.sheetId))
      const written = refused.length ? entries.filter((e) => !refused.includes(e)) : entries
      for (const chunk of chunks(written, ROWS_PER_STATEMENT)) {
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
      for (const chunk of chunks(sheetIds, ROWS_PER_STATEMENT)) {
        await tx.run(`UPDATE sheets SET updated_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`, [now, ...chunk])
      }
      return { refused }
    })
  }

  compact(sheetId: string): Promise<Compaction | null> {
    return this.db.transaction(async (tx) => {
      if (this.db.dialect === 'postgres') {
        // The lease: one compactor per sheet across processes, released at commit or when its connection dies.
        const lease = await tx.get<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended('hoshin-compact:' || current_schema() || ':' || ?, 0)) AS ok", [sheetId])
        if (!lease?.ok) return null
      }
      const stored = await readStored(tx, sheetId)
      if (!stored.ids.length) return null
      const state = mergeStored(stored)
      await tx.run(
        `INSERT INTO sheet_documents (sheet_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (sheet_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        [sheetId, state, nowIso()],
      )
      for (const chunk of chunks(stored.ids, ROWS_PER_STATEMENT)) {
        await tx.run(`DELETE FROM sheet_updates WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk)
      }
      return { merged: stored.ids.length, stateBytes: state.byteLength }
    })
  }

  async replaceState(sheetId: string, state: Uint8Array): Promise<void> {
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

  /** Sheets that refuse `unlessApproved` entries (the SQL stores read it from the sheets table). */
  readonly approved = new Set<string>()

  async append(entries: readonly UpdateEntry[], edits: readonly FieldEdit[] = []): Promise<AppendResult> {
    const refused = entries.filter((e) => e.unlessApproved && this.approved.has(e.sheetId))
    for (const edit of edits) {
      const key = [edit.sheetId, edit.part, edit.rowId, edit.field, edit.userId].join('\u0000')
      const known = this.edits.get(key)
      if (!known || known.editedAt < edit.editedAt) this.edits.set(key, { ...edit })
    }
    for (const entry of entries) {
      if (refused.includes(entry)) continue
      const log = this.logs.get(entry.sheetId) ?? []
      // Copy: the caller may reuse its buffer.
      log.push(entry.update.slice())
      this.logs.set(entry.sheetId, log)
    }
    return { refused }
  }

  async compact(sheetId: string): Promise<Compaction | null> {
    const log = this.logs.get(sheetId)
    if (!log?.length) return null
    const state = mergeStored({ state: this.states.get(sheetId), updates: log })
    this.states.set(sheetId, state)
    // Only what was merged: nothing can be appended in between (no await), but the rule is the stores'.
    this.logs.set(sheetId, (this.logs.get(sheetId) ?? []).slice(log.length))
    return { merged: log.length, stateBytes: state.byteLength }
  }

  async replaceState(sheetId: string, state: Uint8Array): Promise<void> {
    this.states.set(sheetId, state.slice())
    this.logs.delete(sheetId)
  }

  async logLength(sheetId: string): Promise<number> {
    return this.logs.get(sheetId)?.length ?? 0
  }
}
