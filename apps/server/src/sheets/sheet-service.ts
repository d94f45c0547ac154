import type { SheetHeaderInfo, SheetReview, SheetSummary } from '@hoshin/protocol'
import { type Sheet, docToSheet } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import { errors } from '../http/errors.js'
import type { OrgStore } from '../persistence/org-store.js'
import type { SheetRecord, SheetStore } from '../persistence/sheet-store.js'
import type { UserStore } from '../persistence/user-store.js'
import type { VersionStore } from '../persistence/version-store.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import type { NotificationStore } from '../notifications/notification-store.js'
import { allowedActions } from './workflow-service.js'
import { canEditSheet, canReadSheet } from './permissions.js'

/**
 * Reads sheets for a person, with the permission rules applied. Content comes from the live document
 * when the sheet is open for co-editing, so exports show edits made a moment ago.
 */
export class SheetService {
  constructor(
    private readonly sheets: SheetStore,
    private readonly org: OrgStore,
    private readonly documents: DocumentRegistry,
    private readonly versions: VersionStore,
    private readonly users: UserStore,
    private readonly notifications?: Pick<NotificationStore, 'unreadMentionsBySheet'>,
  ) {}

  /** The review above the 課長 of a sheet (the ReviewService, wired after it is made). */
  reviewOf: ((actor: Actor, record: SheetRecord) => Promise<SheetReview>) | undefined

  /**
   * The form's header for the live sheet: the department's 課長 now (every active head, in the order they
   * were made) and its 職員数. An approved version records its own at approval.
   */
  async header(departmentId: string, staffCount?: number | null): Promise<SheetHeaderInfo> {
    const heads = (await this.users.list()).filter((u) => u.role === 'head' && u.departmentId === departmentId && u.disabledAt === null)
    return {
      headName: heads.length ? heads.map((u) => u.displayName).join('、') : null,
      staffCount: staffCount !== undefined ? staffCount : ((await this.org.getDepartment(departmentId))?.staffCount ?? null),
    }
  }

  /** The person's unread @mentions per sheet, one query for a whole list. */
  private async unreadMentions(actor: Actor): Promise<Map<string, number>> {
    return (await this.notifications?.unreadMentionsBySheet(actor.id)) ?? new Map()
  }

  content(sheetId: string): Promise<Sheet> {
    return this.documents.read(sheetId, docToSheet)
  }

  /** The sheets this person may read. */
  async listFor(actor: Actor): Promise<SheetSummary[]> {
    const records = await this.sheets.list()
    const mentions = await this.unreadMentions(actor)
    const visible: SheetSummary[] = []
    for (const record of records) {
      if (await canReadSheet(actor, record, () => this.content(record.id))) {
        visible.push(await this.summary(actor, record, mentions))
      }
    }
    return visible
  }

  /** The sheet if this person may read it; 404 when it does not exist, 403 when they may not. */
  async readable(actor: Actor, sheetId: string): Promise<SheetRecord> {
    const record = await this.sheets.get(sheetId)
    if (!record) throw errors.notFound()
    if (!(await canReadSheet(actor, record, () => this.content(record.id)))) throw errors.forbidden()
    return record
  }

  /** `mentions`: the person's unread mentions per sheet when the caller has them already (a list). */
  async summary(actor: Actor, record: SheetRecord, mentions?: Map<string, number>): Promise<SheetSummary> {
    const department = await this.org.getDepartment(record.departmentId)
    const latest = (await this.versions.list(record.id)).at(-1)
    const approver = latest ? await this.users.findById(latest.approvedBy) : undefined
    return {
      id: record.id,
      department: { id: record.departmentId, name: department?.name ?? record.departmentId },
      fiscalYear: record.fiscalYear,
      status: record.status,
      canEdit: canEditSheet(actor, record) && record.status !== 'approved',
      updatedAt: record.updatedAt,
      revision: record.revision,
      returnedReason: record.returnedReason,
      latestVersion: latest
        ? {
            number: latest.number,
            revision: latest.revision,
            sha256: latest.sha256,
            approvedBy: { id: latest.approvedBy, name: approver?.displayName ?? '' },
            approvedAt: latest.approvedAt,
            headName: latest.headName ?? null,
            staffCount: latest.staffCount === null || latest.staffCount === undefined ? null : Number(latest.staffCount),
          }
        : null,
      actions: allowedActions(actor, record),
      unreadMentions: (mentions ?? (await this.unreadMentions(actor))).get(record.id) ?? 0,
      previous: record.previousSheetId && record.previousVersion ? { sheetId: record.previousSheetId, version: record.previousVersion } : null,
      review: (await this.reviewOf?.(actor, record)) ?? noReview(record),
      header: await this.header(record.departmentId, department?.staffCount ?? null),
    }
  }
}

/** Without the review service (tools that open only the stores): no step, approved is publishable. */
function noReview(record: SheetRecord): SheetReview {
  return { required: false, state: null, version: null, confirmed: null, reported: null, sentBack: null, actions: [], publishable: record.status === 'approved' }
}
