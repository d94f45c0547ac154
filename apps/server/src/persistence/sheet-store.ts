import type { SheetStatus } from '@hoshin/protocol'
import type { SqliteDatabase } from './sqlite.js'
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
  createdAt: string
  updatedAt: string
}

/** Sheets: one per department and fiscal year. Their Yjs content lives in the DocumentStore. */
export interface SheetStore {
  /** Creates the sheet with its initial Yjs state in one transaction. */
  create(input: { departmentId: string; fiscalYear: number; state: Uint8Array }): Promise<SheetRecord>
  get(id: string): Promise<SheetRecord | undefined>
  findByDepartmentYear(departmentId: string, fiscalYear: number): Promise<SheetRecord | undefined>
  list(): Promise<SheetRecord[]>
}

const columns = `id, department_id AS departmentId, fiscal_year AS fiscalYear, status, revision,
  returned_reason AS returnedReason, created_at AS createdAt, updated_at AS updatedAt`

export class SqliteSheetStore implements SheetStore {
  constructor(private readonly db: SqliteDatabase) {}

  create(input: { departmentId: string; fiscalYear: number; state: Uint8Array }): Promise<SheetRecord> {
    const record: SheetRecord = {
      id: newId('sh'),
      departmentId: input.departmentId,
      fiscalYear: input.fiscalYear,
      status: 'draft',
      revision: 1,
      returnedReason: null,
      createdAt: nowIso(),
      updatedAt: nowIso(),
    }
    return this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO sheets (id, department_id, fiscal_year, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
        [record.id, record.departmentId, record.fiscalYear, record.status, record.createdAt, record.updatedAt],
      )
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

  findByDepartmentYear(departmentId: string, fiscalYear: number): Promise<SheetRecord | undefined> {
    return this.db.get<SheetRecord>(`SELECT ${columns} FROM sheets WHERE department_id = ? AND fiscal_year = ?`, [
      departmentId,
      fiscalYear,
    ])
  }

  list(): Promise<SheetRecord[]> {
    return this.db.all<SheetRecord>(`SELECT ${columns} FROM sheets ORDER BY fiscal_year DESC, rowid`)
  }
}
