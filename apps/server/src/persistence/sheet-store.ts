import type { SheetStatus } from '@hoshin/protocol'
import type { Database } from './database.js'
import { chunks } from '../chunks.js'
import { newId, nowIso } from './ids.js'

export interface SheetRecord {
  id: string
  departmentId: string
  fiscalYear: number
  status: SheetStatus
  /** 改訂: 1 for the first draft, +1 each time an approved sheet is reopened. */
  revision: number
  /** The 課長's reason when the sheet was last sent back (差し戻し). */
  returnedReason: string | null
  /** The approved version of the year before this draft was carried forward from (継続 rows), if any. */
  previousSheetId: string | null
  previousVersion: number | null
  createdAt: string
  updatedAt: string
}

/** Sheets: one per department and fiscal year. Their Yjs content lives in the DocumentStore. */
export interface SheetStore {
  /** Creates the sheet with its initial Yjs state in one transaction. */
  create(input: NewSheet): Promise<SheetRecord>
  /**
   * Creates the sheet unless the department already has one for that year (two browsers opening the
   * year at once): the UNIQUE (department, year) constraint decides, the loser gets undefined.
   */
  createIfMissing(input: NewSheet): Promise<SheetRecord | undefined>
  /** Sheets of one fiscal year. */
  listYear(fiscalYear: number): Promise<SheetRecord[]>
  get(id: string): Promise<SheetRecord | undefined>
  /** These sheets (an unknown id is left out), in no particular order. */
  getMany(ids: readonly string[]): Promise<SheetRecord[]>
  findByDepartmentYear(departmentId: string, fiscalYear: number): Promise<SheetRecord | undefined>
  list(): Promise<SheetRecord[]>
}

export interface NewSheet {
  departmentId: string
  fiscalYear: number
  state: Uint8Array
  previous?: { sheetId: string; version: number } | null
}

const columns = `id, department_id AS departmentId, fiscal_year AS fiscalYear, status, revision,
  returned_reason AS returnedReason, previous_sheet_id AS previousSheetId, previous_version AS previousVersion,
  created_at AS createdAt, updated_at AS updatedAt`

export class SqliteSheetStore implements SheetStore {
  constructor(private readonly db: Database) {}

  async create(input: NewSheet): Promise<SheetRecord> {
    const record = await this.createIfMissing(input)
    if (!record) throw new Error(`a sheet of ${input.departmentId} for ${input.fiscalYear} exists already`)
    return record
  }

  createIfMissing(input: NewSheet): Promise<SheetRecord | undefined> {
    const record: SheetRecord = {
      id: newId('sh'),
      departmentId: input.departmentId,
      fiscalYear: input.fiscalYear,
      status: 'draft',
      revision: 1,
      returnedReason: null,
      previousSheetId: input.previous?.sheetId ?? null,
      previousVersion: input.previous?.version ?? null,
      createdAt: nowIso(),
      updatedAt: nowIso(),
    }
    return this.db.transaction(async (tx) => {
      const inserted = await tx.run(
        `INSERT INTO sheets (id, department_id, fiscal_year, status, previous_sheet_id, previous_version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (department_id, fiscal_year) DO NOTHING`,
        [record.id, record.departmentId, record.fiscalYear, record.status, record.previousSheetId, record.previousVersion, record.createdAt, record.updatedAt],
      )
      if (inserted.changes === 0) return undefined
      await tx.run('INSERT INTO sheet_documents (sheet_id, state, updated_at) VALUES (?, ?, ?)', [
        record.id,
        input.state,
        record.updatedAt,
      ])
      return record
    })
  }

  get(id: string): Promise<SheetRecord | undefined> {
    return this.db.get<SheetRecord>(`SELECT ${columns} FROM sheets WHERE id = ?`, [id])
  }

  async getMany(ids: readonly string[]): Promise<SheetRecord[]> {
    const found: SheetRecord[] = []
    for (const chunk of chunks(ids, 500)) {
      found.push(...(await this.db.all<SheetRecord>(`SELECT ${columns} FROM sheets WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk)))
    }
    return found
  }

  findByDepartmentYear(departmentId: string, fiscalYear: number): Promise<SheetRecord | undefined> {
    return this.db.get<SheetRecord>(`SELECT ${columns} FROM sheets WHERE department_id = ? AND fiscal_year = ?`, [
      departmentId,
      fiscalYear,
    ])
  }

  listYear(fiscalYear: number): Promise<SheetRecord[]> {
    return this.db.all<SheetRecord>(`SELECT ${columns} FROM sheets WHERE fiscal_year = ? ORDER BY rowid`, [fiscalYear])
  }

  list(): Promise<SheetRecord[]> {
    return this.db.all<SheetRecord>(`SELECT ${columns} FROM sheets ORDER BY fiscal_year DESC, rowid`)
  }
}
