import type { Named, ReviewAction, SheetReview, TownSettings, TownSettingsResponse } from '@hoshin/protocol'
import { fiscalYearLabel, townIsoDate } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import { errors, HttpError } from '../http/errors.js'
import type { AuditStore } from '../persistence/audit-store.js'
import { REVIEW_STEP_SETTING, type ReviewRecord, type ReviewStore } from '../persistence/review-store.js'
import type { SheetRecord } from '../persistence/sheet-store.js'
import type { UserStore } from '../persistence/user-store.js'
import type { VersionStore } from '../persistence/version-store.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { canEditSheet } from './permissions.js'
import type { SheetService } from './sheet-service.js'
import type { WorkflowService } from './workflow-service.js'

/** A step of the review, told to observers (notifications, the board). `request`: a version now waits for 企画確認. */
export interface ReviewEvent {
  sheet: SheetRecord
  action: 'request' | ReviewAction
  actor: Actor
  version: number
  reason?: string
  /** 庁議報告's day, YYYY-MM-DD. */
  date?: string
}

const settingsEditors = new Set(['planning', 'admin'])
/** The audit trail's names of the steps (a send-back is `return`, as the 課長's 差し戻し is). */
const auditNames: Record<ReviewAction, string> = { confirm: 'confirm', sendBack: 'return', report: 'report' }
const DAY = /^\d{4}-\d{2}-\d{2}$/

function isCalendarDay(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
}

/** 2025-06-10 → 2025年6月10日 */
function dayJa(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

const badDate = (message: string) => new HttpError(400, 'validation_failed', message, { path: 'date' })

/**
 * The review above the 課長 (issue 19), a town setting that is off by default. With it on, an approved
 * version goes on to 企画確認 (the planning department confirms it, or sends it back with a reason) and
 * then 庁議報告 (planning records the day it was reported to the management meeting). Only then may it be
 * published (`publishable`).
 *
 * What a send-back does to the frozen version: nothing. An approved version is frozen for good ([S13]); a
 * send-back is 企画's 改訂: the sheet becomes a draft of the next revision (version N stays exactly as
 * approved, with its hash), the reason is the sheet's `returnedReason` as a 課長's 差し戻し is, and the
 * department revises, submits and the 課長 approves version N+1, which comes to 企画確認 again.
 *
 * The setting decides at every moment: turned off, every approved version is publishable as before; turned
 * on, the latest approved version waits for its review even if it was approved while the setting was off.
 */
export class ReviewService {
  readonly observers: ((event: ReviewEvent) => Promise<void>)[] = []

  constructor(
    private readonly reviews: ReviewStore,
    private readonly versions: VersionStore,
    private readonly users: UserStore,
    private readonly audit: AuditStore,
    private readonly sheets: SheetService,
    private readonly documents: DocumentRegistry,
    private readonly workflow: WorkflowService,
    /** The town's time zone: 庁議報告's day may not be later than today there. */
    private readonly timeZone: string,
  ) {
    // A version approved with the step on now waits for 企画確認: planning hears of it.
    workflow.observers.push(async (event) => {
      if (event.action !== 'approve' || !(await this.enabled())) return
      const latest = (await this.versions.list(event.sheet.id)).at(-1)
      if (latest) this.emit({ sheet: event.sheet, action: 'request', actor: event.actor, version: latest.number })
    })
  }

  private emit(event: ReviewEvent): void {
    for (const observe of this.observers) void observe(event).catch(() => undefined)
  }

  async enabled(): Promise<boolean> {
    return (await this.reviews.setting(REVIEW_STEP_SETTING)) === '1'
  }

  async settings(actor: Actor): Promise<TownSettingsResponse> {
    return { reviewStep: await this.enabled(), canChange: settingsEditors.has(actor.role) }
  }

  /** 企画 and admins turn the step on or off; audited (`town.settings`). */
  async changeSettings(actor: Actor, settings: TownSettings): Promise<TownSettingsResponse> {
    if (!settingsEditors.has(actor.role)) throw errors.forbidden()
    if (settings.reviewStep !== (await this.enabled())) {
      await this.reviews.setSetting(REVIEW_STEP_SETTING, settings.reviewStep ? '1' : '0', {
        userId: actor.id,
        username: actor.username,
        action: 'town.settings',
        detail: `review_step=${settings.reviewStep ? 'on' : 'off'}`,
      })
    }
    return this.settings(actor)
  }

  private async named(id: string | null): Promise<Named> {
    const user = id ? await this.users.findById(id) : undefined
    return { id: id ?? '', name: user?.displayName ?? '' }
  }

  /** Which review steps this person may take on a sheet now (the same rules the calls enforce). */
  private actionsFor(actor: Actor, record: SheetRecord, enabled: boolean, review: ReviewRecord | undefined, latest: number | null): ReviewAction[] {
    if (!enabled || actor.role !== 'planning' || record.status !== 'approved' || latest === null) return []
    if (!review) return ['confirm', 'sendBack']
    if (review.confirmedAt && !review.reportedOn) return ['report']
    return []
  }

  /** The sheet's review as its summary shows it (SheetSummary.review). */
  async review(actor: Actor, record: SheetRecord): Promise<SheetReview> {
    const enabled = await this.enabled()
    const latest = (await this.versions.list(record.id)).at(-1)?.number ?? null
    const review = latest === null ? undefined : await this.reviews.get(record.id, latest)
    const approved = record.status === 'approved' && latest !== null
    const state = !enabled || !approved ? null : !review?.confirmedAt ? 'pending' : review.reportedOn ? 'reported' : 'confirmed'
    const sentBack =
      record.status !== 'approved' && review?.returnedAt && record.returnedReason !== null
        ? { version: review.versionNumber, by: await this.named(review.returnedBy), at: review.returnedAt, reason: review.returnedReason ?? '' }
        : null
    return {
      required: enabled,
      state,
      version: approved ? latest : null,
      confirmed: review?.confirmedAt && approved ? { by: await this.named(review.confirmedBy), at: review.confirmedAt } : null,
      reported: review?.reportedOn && review.reportedAt && approved ? { on: review.reportedOn, by: await this.named(review.reportedBy), at: review.reportedAt } : null,
      sentBack,
      actions: this.actionsFor(actor, record, enabled, review, latest),
      publishable: approved && (!enabled || state === 'reported'),
    }
  }

  /**
   * Whether approved version `versionNumber` of the sheet may be published (publication.html and the year's
   * bundle wait for the last step): it exists, and with the review step on, its 庁議報告 is recorded. With
   * the step off every approved version is publishable, as before the step existed.
   */
  async publishable(sheetId: string, versionNumber: number): Promise<boolean> {
    if (!(await this.versions.get(sheetId, versionNumber))) return false
    if (!(await this.enabled())) return true
    return Boolean((await this.reviews.get(sheetId, versionNumber))?.reportedOn)
  }

  /** The sheet, the latest version and its review, once the person may take `action` on it now. */
  private async step(actor: Actor, sheetId: string, action: ReviewAction): Promise<{ record: SheetRecord; version: number }> {
    const record = await this.sheets.readable(actor, sheetId)
    if (actor.role !== 'planning') {
      await this.workflowAudit(actor, `sheet.review.${auditNames[action]}.refused`, record.id)
      throw errors.forbidden()
    }
    if (!(await this.enabled())) throw errors.invalidTransition('この町では、承認後の企画確認・庁議報告を行っていません（設定が「行わない」です）。')
    const latest = (await this.versions.list(record.id)).at(-1)?.number ?? null
    const review = latest === null ? undefined : await this.reviews.get(record.id, latest)
    if (latest === null || !this.actionsFor(actor, record, true, review, latest).includes(action)) {
      const now =
        record.status !== 'approved' || latest === null
          ? '承認済みではないシートには、この操作はできません。'
          : review?.reportedOn
            ? 'このシートは庁議報告まで済んでいます。'
            : review?.confirmedAt
              ? 'このシートは企画確認済みです。'
              : 'このシートはまだ企画確認されていません。'
      throw errors.invalidTransition(now)
    }
    return { record, version: latest }
  }

  private workflowAudit(actor: Actor, action: string, target: string, detail?: string) {
    return this.audit.append({ userId: actor.id, username: actor.username, action, target, detail: detail ?? null })
  }

  private raced(): never {
    throw errors.invalidTransition('ほかの操作が先に行われました。画面を更新してください。')
  }

  /** 企画確認 of the latest approved version (audited `sheet.review.confirm`). */
  async confirm(actor: Actor, sheetId: string): Promise<void> {
    const { record, version } = await this.step(actor, sheetId, 'confirm')
    const ok = await this.reviews.confirm(record.id, version, { userId: actor.id, username: actor.username, action: 'sheet.review.confirm', detail: `v${version}` })
    if (!ok) this.raced()
    this.emit({ sheet: record, action: 'confirm', actor, version })
  }

  /**
   * 企画's send-back (audited `sheet.review.return`): version N stays as approved; the sheet opens as a draft
   * of the next revision with the reason, as 改訂 does (refused while an evaluation is open, as 改訂 is).
   */
  async sendBack(actor: Actor, sheetId: string, reason: string): Promise<void> {
    const { record, version } = await this.step(actor, sheetId, 'sendBack')
    await this.workflow.beforeReopen?.(record.id)
    const ok = await this.reviews.sendBack(record.id, version, reason, {
      userId: actor.id,
      username: actor.username,
      action: 'sheet.review.return',
      detail: `v${version} revision ${record.revision + 1}: ${reason}`,
    })
    if (!ok) this.raced()
    await this.documents.unfreeze(record.id, (c) => canEditSheet(c.actor, record))
    this.workflow.forgetLateSizes(record.id)
    this.documents.notify(record.id, { kind: 'workflow', status: 'draft' })
    this.emit({ sheet: record, action: 'sendBack', actor, version, reason })
  }

  /**
   * 庁議報告 of a confirmed version (audited `sheet.review.report`): the meeting's day, a real calendar day
   * inside the sheet's fiscal year or after it, not before the approval and not later than today in the town.
   */
  async report(actor: Actor, sheetId: string, date: string): Promise<void> {
    const { record, version } = await this.step(actor, sheetId, 'report')
    if (!DAY.test(date) || !isCalendarDay(date)) throw badDate('庁議報告の日付を、2025-06-10 の形の正しい日付で入力してください。')
    const yearStart = `${record.fiscalYear}-04-01`
    if (date < yearStart) throw badDate(`庁議報告の日付は、${fiscalYearLabel(record.fiscalYear)}の始まり（${dayJa(yearStart)}）以降の日にしてください。`)
    const approvedAt = (await this.versions.get(record.id, version))?.approvedAt
    const approvedDay = approvedAt ? townIsoDate(approvedAt, this.timeZone) : yearStart
    if (date < approvedDay) throw badDate(`庁議報告の日付は、承認の日（${dayJa(approvedDay)}）以降の日にしてください。`)
    if (date > townIsoDate(new Date(), this.timeZone)) throw badDate('庁議報告の日付に、今日より後の日は記録できません。')
    const ok = await this.reviews.report(record.id, version, date, { userId: actor.id, username: actor.username, action: 'sheet.review.report', detail: `v${version} ${date}` })
    if (!ok) this.raced()
    this.emit({ sheet: record, action: 'report', actor, version, date })
  }
}
