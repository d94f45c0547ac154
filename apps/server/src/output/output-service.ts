import { ErrorCode, type EvaluationResponse } from '@hoshin/protocol'
import {
  type PlanLabels,
  applySheetToDoc,
  canonicalJson,
  diffIndicators,
  diffSheets,
  docToSheet,
  evaluationKindLabels,
  partnerEntry,
  type Sheet,
  type SheetChange,
  type SheetHeaderInput,
  SHEET_FORMAT_V1,
  type SheetV1,
  parseSheetJson,
  upgradeSheetV1,
  townDateJa,
  townDateStamp,
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
import { placeOf, problemOf, rerank } from './import-rows.js'
import { evaluationWorkbook, ImportError, workbookFor } from './xlsx.js'
import { parseWorkbook } from './xlsx-parse.js'

/** 作成中 / 確認依頼中 / 承認済, as the evaluation's steps say them. */
const evaluationStateNames = { draft: '作成中', submitted: '確認依頼中', approved: '承認済' } as const

/** A sheet in today's format: an approved version is served as stored, maybe as v1 ([S19]). */
const upgraded = (sheet: Sheet | SheetV1): Sheet => (sheet.format === SHEET_FORMAT_V1 ? upgradeSheetV1(sheet as SheetV1) : (sheet as Sheet))

/** Field-by-field changes, the indicators' included ([S18]). */
const changesBetween = (a: Sheet, b: Sheet, labels: PlanLabels = {}) => [...diffSheets(a, b, labels), ...diffIndicators(a, b, labels)]

/** The last import into a sheet, kept so that it can be undone as one step while nothing changed after it. */
interface LastImport {
  /** The content the import replaced. */
  before: Sheet
  /** canonicalJson of the content the import left. */
  after: string
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
    /** The town's time zone (HOSHIN_TIME_ZONE): footers and file names are dated in it. */
    private readonly timeZone: string,
  ) {
    // An approval draws a line under what came before: an import from before it is no longer undone,
    // not even once the sheet is reopened.
    workflow.observers.push(async (event) => {
      if (event.action === 'approve') this.lastImports.delete(event.sheet.id)
    })
  }

  private readonly lastImports = new Map<string, LastImport>()

  /** How links to the 総合計画 read in a workbook ([S21]): set where the plan is wired (server.ts). */
  planLabels: () => Promise<PlanLabels> = async () => ({})

  /** Every department, retired ones too: an old sheet may name one. */
  private departments() {
    return this.org.listDepartments({ includeRetired: true })
  }

  /**
   * The sheet's content now, or of approved version `version`, with the footer label of the print and the
   * date for the file name (today, or the approval's day), both in the town's time zone.
   */
  async content(
    actor: Actor,
    sheetId: string,
    version: string | undefined,
  ): Promise<{ record: SheetRecord; sheet: Sheet; footer: string; stamp: string; header: SheetHeaderInput }> {
    const record = await this.sheets.readable(actor, sheetId)
    if (version === undefined) {
      const now = new Date()
      return {
        record,
        sheet: await this.sheets.content(record.id),
        footer: `作成中（${townDateJa(now, this.timeZone)}）`,
        stamp: townDateStamp(now, this.timeZone),
        // The form's header as the department stands now (the 課長 today, its 職員数); not yet approved.
        header: { ...(await this.sheets.header(record.departmentId)), approvedAt: null },
      }
    }
    const n = Number(version)
    if (!Number.isInteger(n) || n < 1) throw errors.validation('version')
    const v = await this.workflow.version(actor, record.id, n)
    return {
      record,
      sheet: v.sheet as Sheet,
      footer: `承認済 v${v.number}（${townDateJa(v.approvedAt, this.timeZone)}）`,
      stamp: townDateStamp(v.approvedAt, this.timeZone),
      // As recorded at approval (the approver's name for versions from before it was recorded).
      header: { headName: v.headName ?? v.approvedBy.name, staffCount: v.staffCount, approvedAt: v.approvedAt },
    }
  }

  /** Today in the town, as in file names: 20261125. */
  today(): string {
    return townDateStamp(new Date(), this.timeZone)
  }

  async xlsx(actor: Actor, sheetId: string, version: string | undefined): Promise<{ record: SheetRecord; data: Buffer; stamp: string }> {
    const { record, sheet, footer, stamp, header } = await this.content(actor, sheetId, version)
    const departments = await this.departments()
    return {
      record,
      stamp,
      data: await workbookFor([{ sheet: withPartnerNames(upgraded(sheet), departments), footer, header }], { planLabels: await this.planLabels(), timeZone: this.timeZone }),
    }
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
      const { sheet, footer, header } = await this.content(actor, s.id, useVersion)
      entries.push({ sheet: withPartnerNames(upgraded(sheet), departments), footer, header })
    }
    return workbookFor(entries, { indicators: 'whenAny', planLabels: await this.planLabels(), timeZone: this.timeZone })
  }

  /**
   * 「方針（年度評価）」 as .xlsx: the approved plan version the evaluation is of, with the evaluation's rows
   * (read by the caller through the evaluation service, which checks who may read it). The footer names
   * the department, the kind and the state; the stamp is the approval's day, or today.
   */
  async evaluationXlsx(actor: Actor, sheetId: string, evaluation: EvaluationResponse): Promise<{ record: SheetRecord; data: Buffer; stamp: string; state: string }> {
    const { record, sheet } = await this.content(actor, sheetId, String(evaluation.planVersion))
    const approved = evaluation.status === 'approved' && evaluation.version ? evaluation.version.approvedAt : undefined
    const now = new Date()
    const state = approved ? `承認済（${townDateJa(approved, this.timeZone)}）` : `${evaluationStateNames[evaluation.status]}（${townDateJa(now, this.timeZone)} 時点）`
    const footer = `${sheet.department.name}　${evaluationKindLabels[evaluation.kind]}　${state}`
    const data = await evaluationWorkbook(upgraded(sheet), evaluation.kind, evaluation.rows, footer)
    return { record, data, stamp: townDateStamp(approved ?? now, this.timeZone), state: approved ? '承認済' : evaluationStateNames[evaluation.status] }
  }

  private async parse(record: SheetRecord, data: Uint8Array, contentType: string): Promise<Sheet> {
    if (contentType.includes('json')) {
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(data))
      } catch {
        throw errors.invalidJson()
      }
      // Rows removed, added or without ranks are ranked in the file's order, not refused.
      const reranked = rerank(json)
      // hoshin.sheet/v1 files (exported before indicators) are read too ([S19]).
      const result = parseSheetJson(reranked)
      if (!result.success) {
        const issue = result.error.issues[0]
        const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol')
        throw new HttpError(400, ErrorCode.ValidationFailed, `${placeOf(reranked, path)}：${problemOf(issue)}`, { path: path.join('.') })
      }
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
      throw new HttpError(400, ErrorCode.ValidationFailed, error.message, { path: error.path ?? '' })
    }
    // Excel shows 連携課 by name; the sheet keeps ids ([S12]).
    const departments = await this.departments()
    const ids = <R extends { partners: string[] }>(rows: R[], list: string): R[] =>
      rows.map((row, i) => ({
        ...row,
        partners: row.partners.map((written, j) => {
          const entry = partnerEntry(written, departments)
          if (entry === undefined) {
            throw new HttpError(400, ErrorCode.ValidationFailed, `${placeOf(sheet, [list, i, 'partners'])}：「${written}」という課はありません。`, {
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
    return changesBetween(await this.sheets.content(record.id), imported, await this.planLabels())
  }

  /**
   * Imports the file into the draft: the live document becomes what the file says, in one transaction, seen
   * by everyone at once. What it replaced is kept so that the import can be undone as one step.
   */
  async apply(actor: Actor, sheetId: string, data: Uint8Array, contentType: string): Promise<SheetChange[]> {
    const record = await this.editable(actor, sheetId)
    const imported = await this.parse(record, data, contentType)
    const labels = await this.planLabels()
    return this.documents.change(record.id, (doc) => {
      if (this.documents.isFrozen(record.id)) throw errors.sheetFrozen()
      const before = docToSheet(doc)
      const changes = changesBetween(before, imported, labels)
      if (!changes.length) return changes
      applySheetToDoc(doc, imported)
      this.lastImports.set(record.id, { before, after: canonicalJson(docToSheet(doc)) })
      return changes
    }, actor.id)
  }

  /**
   * Undoes the last import as one new edit (history is never rewritten): the content goes back to what
   * the import replaced. Refused once the sheet is approved (frozen), when there is nothing to undo, and
   * when the sheet was edited after the import (that edit would be lost; the version history remains).
   */
  async undoImport(actor: Actor, sheetId: string): Promise<SheetChange[]> {
    const record = await this.editable(actor, sheetId)
    const last = this.lastImports.get(record.id)
    if (!last) throw errors.invalidTransition('元に戻せる取り込みがありません。')
    const labels = await this.planLabels()
    return this.documents.change(record.id, (doc) => {
      if (this.documents.isFrozen(record.id)) throw errors.sheetFrozen()
      const now = docToSheet(doc)
      if (canonicalJson(now) !== last.after) {
        this.lastImports.delete(record.id)
        throw errors.invalidTransition('取り込みの後にシートが編集されたため、取り込みを元に戻せません。')
      }
      const changes = changesBetween(now, last.before, labels)
      applySheetToDoc(doc, last.before)
      this.lastImports.delete(record.id)
      return changes
    }, actor.id)
  }
}
