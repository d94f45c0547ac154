import { ErrorCode } from '@hoshin/protocol'
import {
  applySheetToDoc,
  diffSheets,
  docToSheet,
  partnerEntry,
  type Sheet,
  type SheetChange,
  sheetSchema,
  withPartnerNames,
} from '@hoshin/sheet'
import type { Actor } from '../context.js'
import { errors, HttpError } from '../http/errors.js'
import type { OrgStore } from '../persistence/org-store.js'
import type { SheetRecord } from '../persistence/sheet-store.js'
import { canEditSheet } from '../sheets/permissions.js'
import type { SheetService } from '../sheets/sheet-service.js'
import type { WorkflowService } from '../sheets/workflow-service.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { ImportError, workbookFor } from './xlsx.js'
import { parseWorkbook } from './xlsx-parse.js'

/** 2025-11-24T… → 2025年11月24日 */
function day(iso: string): string {
  const d = new Date(iso)
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`
}

/**
 * What the town publishes and passes around: a sheet (or a version) as canonical JSON or .xlsx, a fiscal
 * year's sheets in one workbook, and imports of either back into a draft, previewed as a diff first.
 */
export class OutputService {
  constructor(
    private readonly sheets: SheetService,
    private readonly workflow: WorkflowService,
    private readonly documents: DocumentRegistry,
    private readonly org: OrgStore,
  ) {}

  /** Every department, retired ones too: an old sheet may name one. */
  private departments() {
    return this.org.listDepartments({ includeRetired: true })
  }

  /** The sheet's content now, or of approved version `version`, with the footer label of the print. */
  async content(actor: Actor, sheetId: string, version: string | undefined): Promise<{ record: SheetRecord; sheet: Sheet; footer: string }> {
    const record = await this.sheets.readable(actor, sheetId)
    if (version === undefined) {
      return { record, sheet: await this.sheets.content(record.id), footer: `作成中（${day(new Date().toISOString())}）` }
    }
    const n = Number(version)
    if (!Number.isInteger(n) || n < 1) throw errors.validation('version')
    const v = await this.workflow.version(actor, record.id, n)
    return { record, sheet: v.sheet as Sheet, footer: `承認済 v${v.number}（${day(v.approvedAt)}）` }
  }

  async xlsx(actor: Actor, sheetId: string, version: string | undefined): Promise<{ record: SheetRecord; data: Buffer }> {
    const { record, sheet, footer } = await this.content(actor, sheetId, version)
    const departments = await this.departments()
    return { record, data: await workbookFor([{ sheet: withPartnerNames(sheet, departments), footer }]) }
  }

  /** Every sheet of a fiscal year this person may read, one worksheet per department (for 企画). */
  async fiscalYearXlsx(actor: Actor, fiscalYear: number): Promise<Buffer> {
    const summaries = (await this.sheets.listFor(actor)).filter((s) => s.fiscalYear === fiscalYear)
    if (!summaries.length) throw errors.notFound()
    const entries = []
    const departments = await this.departments()
    for (const s of summaries) {
      const v = s.latestVersion
      const useVersion = s.status === 'approved' && v ? String(v.number) : undefined
      const { sheet, footer } = await this.content(actor, s.id, useVersion)
      entries.push({ sheet: withPartnerNames(sheet, departments), footer })
    }
    return workbookFor(entries)
  }

  private async parse(record: SheetRecord, data: Uint8Array, contentType: string): Promise<Sheet> {
    if (contentType.includes('json')) {
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(data))
      } catch {
        throw errors.invalidJson()
      }
      const result = sheetSchema.safeParse(json)
      if (!result.success) throw errors.validation(result.error.issues[0]?.path.join('.') ?? '')
      if (result.data.department.id !== record.departmentId || result.data.fiscalYear !== record.fiscalYear) throw errors.wrongSheet()
      return result.data
    }
    let sheet: Sheet
    try {
      sheet = await parseWorkbook(data, { departmentId: record.departmentId, fiscalYear: record.fiscalYear })
    } catch (error) {
      if (!(error instanceof ImportError)) throw error
      if (error.code === 'invalid_file') throw errors.invalidFile(error.message)
      if (error.code === 'wrong_sheet') throw errors.wrongSheet(error.message)
      throw errors.validation(error.path ?? '')
    }
    // Excel shows 連携課 by name; the sheet keeps ids ([S12]).
    const departments = await this.departments()
    const ids = <R extends { partners: string[] }>(rows: R[], list: string): R[] =>
      rows.map((row, i) => ({
        ...row,
        partners: row.partners.map((written, j) => {
          const entry = partnerEntry(written, departments)
          if (entry === undefined) {
            throw new HttpError(400, ErrorCode.ValidationFailed, `連携課「${written}」という課はありません（${list} ${i + 1} 行目）。`, {
              path: `${list}.${i}.partners.${j}`,
            })
          }
          return entry
        }),
      }))
    return { ...sheet, measures: ids(sheet.measures, 'measures'), projects: ids(sheet.projects, 'projects') }
  }

  private async editable(actor: Actor, sheetId: string): Promise<SheetRecord> {
    const record = await this.sheets.readable(actor, sheetId)
    if (!canEditSheet(actor, record)) throw errors.forbidden()
    if (record.status === 'approved' || this.documents.isFrozen(record.id)) throw errors.sheetFrozen()
    return record
  }

  /** What importing the file would change, field by field; nothing is written. */
  async preview(actor: Actor, sheetId: string, data: Uint8Array, contentType: string): Promise<SheetChange[]> {
    const record = await this.editable(actor, sheetId)
    const imported = await this.parse(record, data, contentType)
    return diffSheets(await this.sheets.content(record.id), imported)
  }

  /** Imports the file into the draft: the live document becomes what the file says, seen by everyone at once. */
  async apply(actor: Actor, sheetId: string, data: Uint8Array, contentType: string): Promise<SheetChange[]> {
    const record = await this.editable(actor, sheetId)
    const imported = await this.parse(record, data, contentType)
    return this.documents.change(record.id, (doc) => {
      if (this.documents.isFrozen(record.id)) throw errors.sheetFrozen()
      const changes = diffSheets(docToSheet(doc), imported)
      applySheetToDoc(doc, imported)
      return changes
    }, actor.id)
  }
}
