import type {
  BoardEvaluation,
  BoardEvaluationTotals,
  EvaluationKindValue,
  EvaluationStatusCounts,
  FiscalYearView,
  OpenYearRequest,
  OverviewResponse,
  OverviewSheet,
  PartnerAcksResponse,
  PartnerRow,
  PreviousYearResponse,
  SheetSummary,
} from '@hoshin/protocol'
import { canonicalJson, emptySheet, type Sheet, sheetToDoc, SPECIAL_PARTNERS, storedSheet } from '@hoshin/sheet'
import * as Y from 'yjs'
import type { Actor } from '../context.js'
import type { EventBus } from '../events/event-bus.js'
import { errors } from '../http/errors.js'
import { nowIso } from '../persistence/ids.js'
import type { Database } from '../persistence/database.js'
import { REVIEW_STEP_SETTING } from '../persistence/review-store.js'
import type { Stores } from '../persistence/stores.js'
import type { EvaluationSnapshot } from '../sheets/evaluation-service.js'
import type { SheetService } from '../sheets/sheet-service.js'
import type { ProjectionStore } from './projection-store.js'
import { project } from './projector.js'

const ALL_DEPARTMENTS = SPECIAL_PARTNERS[0]
const townWide = new Set(['planning', 'admin'])

/** A 連携課 entry names a department by id; 全課 names all; an entry stored before ids is a name. */
export function namesDepartment(entry: string, department: { id: string; name: string }): boolean {
  return entry === department.id || entry === ALL_DEPARTMENTS || entry === department.name
}

function isCalendarDay(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
}

/** A row without its rank, to tell a continued row (継続) from an edited one. */
function rowKey(row: { id: string; rank?: number }): string {
  const { rank: _rank, ...rest } = row
  return canonicalJson(rest)
}

function allRows(sheet: Sheet): { id: string; rank?: number }[] {
  return [...sheet.issues, ...sheet.policies.annual, ...sheet.policies.longTerm, ...sheet.measures, ...sheet.projects]
}

/** Reads sheets' evaluations as they stand (the EvaluationService). */
export interface EvaluationReader {
  snapshots(sheetIds: readonly string[]): Promise<EvaluationSnapshot[]>
}

const evaluationKinds: readonly EvaluationKindValue[] = ['midyear', 'yearend']
const noCounts = (): EvaluationStatusCounts => ({ above: 0, onTrack: 0, below: 0, unknown: 0, none: 0 })

/**
 * A department's evaluation on the board: its rows by status, or, not started, every measure and project
 * of its sheet as 未評価.
 */
function boardEvaluation(snapshot: EvaluationSnapshot | undefined, plan: { measures: number; projects: number }): BoardEvaluation {
  const measures = noCounts()
  const projects = noCounts()
  if (!snapshot) {
    measures.none = plan.measures
    projects.none = plan.projects
    return { state: null, measures, projects }
  }
  for (const row of snapshot.rows) (row.kind === 'measure' ? measures : projects)[row.status ?? 'none']++
  return { state: snapshot.status, measures, projects }
}

function addCounts(total: EvaluationStatusCounts, counts: EvaluationStatusCounts): void {
  for (const key of Object.keys(total) as (keyof EvaluationStatusCounts)[]) total[key] += counts[key]
}

/**
 * The fiscal year as the planning department (企画) runs it: opening it with one draft per department
 * (carried forward from last year's approved version), the board, and the 連携課 requests between
 * departments.
 */
export class YearService {
  constructor(
    private readonly db: Database,
    private readonly stores: Stores,
    private readonly projections: ProjectionStore,
    private readonly sheets: SheetService,
    private readonly events: EventBus,
  ) {}

  /** Tells the people who may see a year's board that it changed. */
  boardChanged(fiscalYear: number, departmentId?: string): Promise<void> {
    return this.boardsChanged([{ fiscalYear, departmentId }])
  }

  /**
   * Tells those who see these boards that they changed: one event per person and year however many of
   * its sheets changed (a refresh of the projections covers dozens of sheets at once).
   */
  async boardsChanged(changes: readonly { fiscalYear: number; departmentId?: string | undefined }[]): Promise<void> {
    if (!changes.length) return
    const users = await this.stores.users.list()
    for (const fiscalYear of new Set(changes.map((c) => c.fiscalYear))) {
      const of = changes.filter((c) => c.fiscalYear === fiscalYear)
      const all = of.some((c) => !c.departmentId)
      const departments = new Set(of.map((c) => c.departmentId))
      const viewers = users.filter((u) => townWide.has(u.role) || (u.role === 'head' && (all || departments.has(u.departmentId ?? undefined))))
      this.events.publish(
        viewers.map((u) => u.id),
        { kind: 'board', year: fiscalYear },
      )
    }
  }

  async years(): Promise<FiscalYearView[]> {
    return this.db.all<FiscalYearView>(
      `SELECT y.year, y.deadline, (SELECT COUNT(*) FROM sheets s WHERE s.fiscal_year = y.year) AS sheets FROM (
         SELECT year, deadline FROM fiscal_years
         UNION SELECT fiscal_year, NULL FROM sheets WHERE fiscal_year NOT IN (SELECT year FROM fiscal_years)
       ) y ORDER BY y.year DESC`,
    )
  }

  async openYear(actor: Actor, request: OpenYearRequest): Promise<SheetSummary[]> {
    if (!townWide.has(actor.role)) throw errors.forbidden()
    const { year, carryForward } = request
    // A real calendar day (Date.parse alone takes 2026-02-30).
    if (request.deadline && !isCalendarDay(request.deadline)) throw errors.validation('deadline')
    const active = await this.stores.org.listDepartments()
    let departments = active
    if (request.departmentIds) {
      const unknown = request.departmentIds.find((id) => !active.some((d) => d.id === id))
      if (unknown) throw errors.validation('departmentIds')
      departments = active.filter((d) => request.departmentIds!.includes(d.id))
    }
    await this.db.run(
      `INSERT INTO fiscal_years (year, deadline, opened_by, opened_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (year) DO UPDATE SET deadline = COALESCE(excluded.deadline, fiscal_years.deadline)`,
      [year, request.deadline ?? null, actor.id, nowIso()],
    )
    const created: SheetSummary[] = []
    for (const department of departments) {
      if (await this.stores.sheets.findByDepartmentYear(department.id, year)) continue
      const named = { id: department.id, name: department.name }
      let content = emptySheet(named, year)
      let previous: { sheetId: string; version: number } | null = null
      if (carryForward) {
        const last = await this.stores.sheets.findByDepartmentYear(department.id, year - 1)
        const version = last ? (await this.stores.versions.list(last.id)).at(-1) : undefined
        if (last && version) {
          const approved = await this.stores.versions.get(last.id, version.number)
          if (approved) {
            // Every part and row as approved, with the same row ids (継続 until edited); this year's labels.
            content = { ...storedSheet(approved.canonical), department: named, fiscalYear: year }
            previous = { sheetId: last.id, version: version.number }
          }
        }
      }
      const doc = sheetToDoc(content)
      const record = await this.stores.sheets.createIfMissing({ departmentId: department.id, fiscalYear: year, state: Y.encodeStateAsUpdate(doc), previous })
      doc.destroy()
      // Another browser opened the same year a moment earlier: its sheet stands.
      if (!record) continue
      await this.projections.put(record.id, project(content))
      created.push(await this.sheets.summary(actor, record, new Map()))
    }
    await this.stores.audit.append({ userId: actor.id, username: actor.username, action: 'year.open', target: String(year), detail: `${created.length} sheets` })
    await this.boardChanged(year)
    return created
  }

  async overview(actor: Actor, year: number, evaluations: EvaluationReader): Promise<OverviewResponse> {
    const isHead = actor.role === 'head'
    if (!townWide.has(actor.role) && !isHead) throw errors.forbidden()
    let rows = await this.projections.overview(year)
    if (!rows.length) throw errors.notFound()
    const unprojected = rows.filter((r) => r.measures === null).map((r) => r.id)
    if (unprojected.length) {
      await this.projectNow(unprojected)
      rows = await this.projections.overview(year)
    }
    const deadline = (await this.db.get<{ deadline: string | null }>('SELECT deadline FROM fiscal_years WHERE year = ?', [year]))?.deadline ?? null
    const snapshots = await evaluations.snapshots(rows.map((r) => r.id))
    const reviewStep = (await this.stores.reviews.setting(REVIEW_STEP_SETTING)) === '1'
    const reviews = reviewStep ? await this.boardReviews(rows) : new Map<string, OverviewSheet['review']>()
    const evaluationTotals = Object.fromEntries(evaluationKinds.map((k) => [k, { measures: noCounts(), projects: noCounts() }])) as Record<
      EvaluationKindValue,
      BoardEvaluationTotals
    >
    const sheets = rows.map((r) => ({
      id: r.id,
      department: { id: r.departmentId, name: r.departmentName },
      status: r.status,
      revision: r.revision,
      budgetTotal: r.budgetTotal ?? 0,
      measures: r.measures ?? 0,
      projects: r.projects ?? 0,
      openThreads: r.openThreads,
      updatedAt: r.updatedAt,
      editedAt: r.editedAt,
      editedBy: r.editedById ? { id: r.editedById, name: r.editedByName ?? '' } : null,
      approvedAt: r.approvedAt,
      review: reviews.get(r.id) ?? null,
      evaluations: Object.fromEntries(
        evaluationKinds.map((kind) => {
          const figures = boardEvaluation(
            snapshots.find((e) => e.sheetId === r.id && e.kind === kind),
            { measures: r.measures ?? 0, projects: r.projects ?? 0 },
          )
          addCounts(evaluationTotals[kind].measures, figures.measures)
          addCounts(evaluationTotals[kind].projects, figures.projects)
          return [kind, figures]
        }),
      ) as Record<EvaluationKindValue, BoardEvaluation>,
    }))
    return {
      year,
      deadline,
      reviewStep,
      evaluationTotals,
      // The town total, also for a 課長 who sees only their own line.
      budgetTotal: sheets.reduce((sum, s) => sum + s.budgetTotal, 0),
      sheets: isHead ? sheets.filter((s) => s.department.id === actor.department?.id) : sheets,
    }
  }

  /**
   * The review above the 課長 per sheet on the board: of the latest version while approved (企画確認待ち,
   * 庁議報告待ち, 庁議報告済), `returned` while a draft revises a version 企画 sent back.
   */
  private async boardReviews(rows: { id: string; status: string; returnedReason?: string | null }[]): Promise<Map<string, OverviewSheet['review']>> {
    const all = await this.stores.reviews.forSheets(rows.map((r) => r.id))
    const out = new Map<string, OverviewSheet['review']>()
    for (const row of rows) {
      const latest = (await this.stores.versions.list(row.id)).at(-1)
      if (!latest) continue
      const review = all.find((r) => r.sheetId === row.id && r.versionNumber === latest.number)
      if (row.status === 'approved') {
        out.set(row.id, { state: !review?.confirmedAt ? 'pending' : review.reportedOn ? 'reported' : 'confirmed', reportedOn: review?.reportedOn ?? null })
      } else if (review?.returnedAt && row.status === 'draft') {
        out.set(row.id, { state: 'returned', reportedOn: null })
      }
    }
    return out
  }

  /**
   * Projections of sheets made after start-up by something other than opening a year (a store-level
   * insert, a tool): decoded once here, so no board shows them blank; the edit path keeps them after.
   */
  private async projectNow(sheetIds: string[]): Promise<Map<string, string>> {
    const written = new Map<string, string>()
    for (const id of sheetIds) {
      const projection = project(await this.sheets.content(id))
      await this.projections.put(id, projection)
      written.set(id, projection.canonical)
    }
    return written
  }

  async previous(actor: Actor, sheetId: string, evaluations: EvaluationReader): Promise<PreviousYearResponse> {
    const record = await this.sheets.readable(actor, sheetId)
    const before = await this.previousSheet(record)
    if (!before || !record.previousSheetId) return { sheetId: null, version: null, sheet: null, continued: [], yearend: null }
    const current = await this.sheets.content(record.id)
    const was = new Map(allRows(before).map((r) => [r.id, rowKey(r)]))
    const continued = allRows(current)
      .filter((r) => was.get(r.id) === rowKey(r))
      .map((r) => r.id)
    // Last year's 年度末評価, which opens this year's sheet: approved, or still open (shown as such).
    const yearend = (await evaluations.snapshots([record.previousSheetId])).find((e) => e.kind === 'yearend')
    return {
      sheetId: record.previousSheetId,
      version: record.previousVersion,
      sheet: before,
      continued,
      yearend: yearend ? { state: yearend.status, rows: yearend.rows.map((r) => ({ rowId: r.rowId, status: r.status, next: r.next })) } : null,
    }
  }

  /** The approved version of last year a draft was carried forward from. */
  async previousSheet(record: { previousSheetId: string | null; previousVersion: number | null }): Promise<Sheet | null> {
    if (!record.previousSheetId || !record.previousVersion) return null
    const version = await this.stores.versions.get(record.previousSheetId, record.previousVersion)
    return version ? storedSheet(version.canonical) : null
  }

  /** Rows of other departments' sheets of the year that name the caller's department, or 全課. */
  async partnerRows(actor: Actor, year: number): Promise<PartnerRow[]> {
    const own = actor.department
    if (!own) return []
    const acks = await this.db.all<{ sheetId: string; rowId: string; at: string }>(
      `SELECT a.sheet_id AS sheetId, a.row_id AS rowId, a.acknowledged_at AS at FROM partner_acks a
       JOIN sheets s ON s.id = a.sheet_id WHERE a.department_id = ? AND s.fiscal_year = ?`,
      [own.id, year],
    )
    const acked = new Map(acks.map((a) => [`${a.sheetId}/${a.rowId}`, a.at]))
    const sheets = (await this.projections.yearSheets(year)).filter((s) => s.departmentId !== own.id)
    const fresh = await this.projectNow(sheets.filter((s) => s.canonical === null).map((s) => s.sheetId))
    const rows: PartnerRow[] = []
    for (const sheet of sheets) {
      const canonical = sheet.canonical ?? fresh.get(sheet.sheetId)
      if (!canonical) continue
      const content = storedSheet(canonical)
      for (const [kind, list] of [
        ['measure', content.measures],
        ['project', content.projects],
      ] as const) {
        for (const row of list) {
          if (!row.partners.some((p) => namesDepartment(p, own))) continue
          const at = acked.get(`${sheet.sheetId}/${row.id}`) ?? null
          rows.push({
            sheetId: sheet.sheetId,
            department: { id: sheet.departmentId, name: sheet.departmentName },
            kind,
            rowId: row.id,
            rank: row.rank,
            name: row.name,
            content: row.content,
            acknowledged: at !== null,
            acknowledgedAt: at,
          })
        }
      }
    }
    return rows
  }

  /** 了承 (or its undoing) by the caller's department of a row that names it, checked on the live content. */
  async acknowledge(actor: Actor, sheetId: string, rowId: string, acknowledged: boolean): Promise<void> {
    const own = actor.department
    if (!own || townWide.has(actor.role)) throw errors.forbidden()
    const record = await this.sheets.readable(actor, sheetId)
    if (record.departmentId === own.id) throw errors.forbidden()
    const content = await this.sheets.content(record.id)
    const row = [...content.measures, ...content.projects].find((r) => r.id === rowId)
    if (!row?.partners.some((p) => namesDepartment(p, own))) throw errors.targetNotFound()
    if (acknowledged) {
      await this.db.run(
        `INSERT INTO partner_acks (sheet_id, row_id, department_id, acknowledged_by, acknowledged_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [record.id, rowId, own.id, actor.id, nowIso()],
      )
    } else {
      await this.db.run('DELETE FROM partner_acks WHERE sheet_id = ? AND row_id = ? AND department_id = ?', [record.id, rowId, own.id])
    }
    await this.stores.audit.append({ userId: actor.id, username: actor.username, action: acknowledged ? 'partner.ack' : 'partner.unack', target: record.id, detail: rowId })
  }

  /** For the asking department (and anyone who reads the sheet): which partners acknowledged which row. */
  async acks(actor: Actor, sheetId: string): Promise<PartnerAcksResponse['acks']> {
    const record = await this.sheets.readable(actor, sheetId)
    return this.db.all<{ rowId: string; department: { id: string; name: string }; at: string }>(
      `SELECT a.row_id AS rowId, a.department_id AS departmentId, d.name AS departmentName, a.acknowledged_at AS at
       FROM partner_acks a JOIN departments d ON d.id = a.department_id WHERE a.sheet_id = ? ORDER BY a.acknowledged_at`,
      [record.id],
    ).then((rows) =>
      (rows as unknown as { rowId: string; departmentId: string; departmentName: string; at: string }[]).map((r) => ({
        rowId: r.rowId,
        department: { id: r.departmentId, name: r.departmentName },
        at: r.at,
      })),
    )
  }
}
