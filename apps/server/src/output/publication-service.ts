import { type EvaluationDocument, type Sheet, SHEET_FORMAT_V1, type SheetV1, townDateStamp, upgradeSheetV1, withPartnerNames } from '@hoshin/sheet'
import { zipSync } from 'fflate'
import type { Actor } from '../context.js'
import { errors, HttpError } from '../http/errors.js'
import type { AuditStore } from '../persistence/audit-store.js'
import type { EvaluationStore } from '../persistence/evaluation-store.js'
import type { OrgStore } from '../persistence/org-store.js'
import type { SheetStore } from '../persistence/sheet-store.js'
import type { VersionStore } from '../persistence/version-store.js'
import type { WorkflowService } from '../sheets/workflow-service.js'
import { ErrorCode } from '@hoshin/protocol'
import { type PublishedEvaluation, type PublishedPage, publicationHtml, publicationIndexHtml } from './publication.js'

/** Who may take a whole year's bundle: the roles that read every department's sheet. */
const townWide = new Set(['planning', 'admin'])

const upgraded = (sheet: Sheet | SheetV1): Sheet => (sheet.format === SHEET_FORMAT_V1 ? upgradeSheetV1(sheet as SheetV1) : (sheet as Sheet))

/** A department id as a file name in the bundle: stable across years, so the CMS's links keep working. */
const fileSafe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_') || 'department'

export interface PublicationStores {
  org: OrgStore
  sheets: SheetStore
  versions: VersionStore
  evaluations: EvaluationStore
  audit: AuditStore
}

/**
 * The town's publication: an approved version as a self-contained HTML page (with its approved
 * evaluations), and a fiscal year's bundle of every department's latest approved version with an index.
 * Reading is checked as for the version itself (WorkflowService.version: 404 unknown, 403 not a reader).
 */
export class PublicationService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly stores: PublicationStores,
    /**
     * Whether an approved version may be published yet: with the review above the 課長 on, publication
     * waits for its last step (庁議報告, ReviewService.publishable); refused versions are 404, not published.
     */
    private readonly review: { publishable(sheetId: string, versionNumber: number): Promise<boolean> },
    /** The town's time zone (HOSHIN_TIME_ZONE): approval days and file names are the town's. */
    private readonly timeZone: string,
  ) {}

  /** A year's bundle is for the roles that read every department's sheet (企画, admin); 403 for others. */
  mayBundle(actor: Actor): Actor {
    if (!townWide.has(actor.role)) throw errors.forbidden()
    return actor
  }

  /** Approved evaluations of this plan version, 中間評価 first (the store's order). */
  private async evaluationsOf(sheetId: string, versionNumber: number): Promise<PublishedEvaluation[]> {
    return (await this.stores.evaluations.list(sheetId))
      .filter((e) => e.status === 'approved' && e.planVersion === versionNumber && e.canonical && e.sha256 && e.approvedAt)
      .map((e) => ({ kind: e.kind, rows: (JSON.parse(e.canonical!) as EvaluationDocument).rows, sha256: e.sha256!, approvedAt: e.approvedAt! }))
  }

  private async render(actor: Actor, sheetId: string, versionNumber: number) {
    const v = await this.workflow.version(actor, sheetId, versionNumber)
    const departments = await this.stores.org.listDepartments({ includeRetired: true })
    // Names as they were approved: the page says what the 課長 approved (and what the hash is of).
    const sheet = withPartnerNames(upgraded(v.sheet as Sheet | SheetV1), departments)
    // The form's header fields, when the version carries them (課長名 and 職員数 as they were at approval).
    const header = v as { headName?: string | null; staffCount?: number | null }
    const html = publicationHtml({
      sheet,
      version: { number: v.number, sha256: v.sha256, approvedAt: v.approvedAt, headName: header.headName ?? null, staffCount: header.staffCount ?? null },
      department: sheet.department,
      fiscalYear: sheet.fiscalYear,
      evaluations: await this.evaluationsOf(sheetId, v.number),
      timeZone: this.timeZone,
    })
    return { html, sheet, version: v }
  }

  /** One approved version as its public page, with the file name the exports use. */
  async page(actor: Actor, sheetId: string, versionNumber: number): Promise<{ html: string; fileName: string }> {
    const { html, sheet, version } = await this.render(actor, sheetId, versionNumber)
    if (!(await this.review.publishable(sheetId, versionNumber))) {
      throw new HttpError(404, ErrorCode.NotFound, 'この版は、企画確認と庁議報告が済むまで公開できません。')
    }
    const stamp = townDateStamp(version.approvedAt, this.timeZone)
    await this.stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.export', target: sheetId, detail: `publication v${version.number}` })
    return { html, fileName: `${sheet.fiscalYear}_${sheet.department.name}_課等の方針_公開用_v${version.number}_${stamp}.html` }
  }

  /**
   * A fiscal year's bundle: index.html plus one page per department with an approved version (its latest
   * publishable one),
   * in the town's order. Everything is held in memory: one page is tens of KiB and there is one per
   * department (a town has a few dozen), so the archive stays within a few MiB.
   */
  async yearBundle(actor: Actor, fiscalYear: number): Promise<{ data: Uint8Array; fileName: string }> {
    this.mayBundle(actor)
    const sheets = await this.stores.sheets.listYear(fiscalYear)
    if (!sheets.length) throw errors.notFound()
    const order = new Map((await this.stores.org.listDepartments({ includeRetired: true })).map((d, i) => [d.id, i]))
    sheets.sort((a, b) => (order.get(a.departmentId) ?? order.size) - (order.get(b.departmentId) ?? order.size))
    const files: [string, [Uint8Array, { mtime: Date }]][] = []
    const pages: PublishedPage[] = []
    const taken = new Set(['index.html'])
    const audits: { sheetId: string; version: number }[] = []
    for (const record of sheets) {
      // The latest version that may be published: one still waiting for 企画確認 / 庁議報告 leaves the one
      // before it on the town's site meanwhile.
      let published: number | undefined
      for (const v of (await this.stores.versions.list(record.id)).reverse()) {
        if (await this.review.publishable(record.id, v.number)) {
          published = v.number
          break
        }
      }
      if (published === undefined) continue
      const { html, sheet, version } = await this.render(actor, record.id, published)
      let href = `${fileSafe(record.departmentId)}.html`
      for (let n = 2; taken.has(href); n++) href = `${fileSafe(record.departmentId)}-${n}.html`
      taken.add(href)
      files.push([href, [new TextEncoder().encode(html), { mtime: new Date(version.approvedAt) }]])
      pages.push({ department: sheet.department, href, version: { number: version.number, sha256: version.sha256, approvedAt: version.approvedAt } })
      audits.push({ sheetId: record.id, version: version.number })
    }
    if (!pages.length) throw new HttpError(404, ErrorCode.NotFound, `${fiscalYear}年度には、承認済みの課等の方針がまだありません。`)
    const now = new Date()
    const index = publicationIndexHtml({ fiscalYear, pages, generatedAt: now.toISOString(), timeZone: this.timeZone })
    // index.html first: the entry a person unpacking the archive looks for.
    const data = zipSync(Object.fromEntries([['index.html', [new TextEncoder().encode(index), { mtime: now }]], ...files]), { level: 6 })
    for (const a of audits) {
      await this.stores.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.export', target: a.sheetId, detail: `publication.zip v${a.version}` })
    }
    return { data, fileName: `${fiscalYear}_課等の方針_公開用_${townDateStamp(now, this.timeZone)}.zip` }
  }
}
