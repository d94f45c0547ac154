import { evaluationKindLabels, fiscalYearLabel, partnerEntry, SPECIAL_PARTNERS, type Sheet } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import type { EventBus } from '../events/event-bus.js'
import type { OrgStore } from '../persistence/org-store.js'
import type { SheetRecord } from '../persistence/sheet-store.js'
import type { UserRecord, UserStore } from '../persistence/user-store.js'
import type { EvaluationEvent } from '../sheets/evaluation-service.js'
import type { ReviewEvent } from '../sheets/review-service.js'
import type { TransitionEvent } from '../sheets/workflow-service.js'
import type { NewNotification, NotificationStore } from './notification-store.js'

const [ALL_DEPARTMENTS, RELATED_DEPARTMENTS] = SPECIAL_PARTNERS

/**
 * Who hears of what: 確認依頼 reaches the department's 課長, 差し戻し and 承認 its staff, an @mention the
 * person or the section's members, a new 連携課 request the department named. Each new notification is
 * pushed to the person's open tabs with their unread count.
 */
export class NotificationService {
  constructor(
    private readonly store: NotificationStore,
    private readonly users: UserStore,
    private readonly org: OrgStore,
    private readonly events: EventBus,
  ) {}

  async send(userIds: Iterable<string>, notification: NewNotification): Promise<void> {
    const ids = [...new Set(userIds)]
    if (!ids.length) return
    await this.store.add(ids, notification)
    for (const id of ids) this.events.publish([id], { kind: 'notifications', unread: await this.store.unread(id) })
  }

  private async active(filter: (u: UserRecord) => boolean): Promise<string[]> {
    return (await this.users.list()).filter((u) => u.disabledAt === null && filter(u)).map((u) => u.id)
  }

  private async sheetTitle(sheet: SheetRecord): Promise<string> {
    const department = await this.org.getDepartment(sheet.departmentId)
    return `「${department?.name ?? ''} ${fiscalYearLabel(sheet.fiscalYear)} 課等の方針」`
  }

  async onTransition({ sheet, action, actor }: TransitionEvent): Promise<void> {
    const title = await this.sheetTitle(sheet)
    const link = `/sheets/${sheet.id}`
    const inDepartment = (u: UserRecord) => u.departmentId === sheet.departmentId && u.id !== actor.id
    if (action === 'submit') {
      const heads = await this.active((u) => inDepartment(u) && u.role === 'head')
      await this.send(heads, { kind: 'submitted', sheetId: sheet.id, link, text: `${title}の確認依頼が届きました（${actor.displayName}）。` })
    } else if (action === 'return') {
      await this.send(await this.active(inDepartment), { kind: 'returned', sheetId: sheet.id, link, text: `${title}が差し戻されました（${actor.displayName}）。` })
    } else if (action === 'approve') {
      await this.send(await this.active(inDepartment), { kind: 'approved', sheetId: sheet.id, link, text: `${title}が承認されました（${actor.displayName}）。` })
    }
  }

  /**
   * The evaluation's steps reach the same people as the plan's: its 確認依頼 the 課長, its 差し戻し (with the
   * reason) and 承認 the department's staff. The link opens the sheet on that evaluation.
   */
  async onEvaluation({ sheet, kind, action, actor, reason }: EvaluationEvent & { reason?: string }): Promise<void> {
    if (action === 'open') return
    const title = `${await this.sheetTitle(sheet)}の${evaluationKindLabels[kind]}`
    const link = `/sheets/${sheet.id}?evaluation=${kind}`
    const inDepartment = (u: UserRecord) => u.departmentId === sheet.departmentId && u.id !== actor.id
    if (action === 'submit') {
      const heads = await this.active((u) => inDepartment(u) && u.role === 'head')
      await this.send(heads, { kind: 'submitted', sheetId: sheet.id, link, text: `${title}の確認依頼が届きました（${actor.displayName}）。` })
    } else if (action === 'return') {
      const why = reason ? `理由: ${reason}` : ''
      await this.send(await this.active(inDepartment), { kind: 'returned', sheetId: sheet.id, link, text: `${title}が差し戻されました（${actor.displayName}）。${why}` })
    } else if (action === 'approve') {
      await this.send(await this.active(inDepartment), { kind: 'approved', sheetId: sheet.id, link, text: `${title}が承認されました（${actor.displayName}）。` })
    }
  }

  /**
   * The review above the 課長 (issue 19): a version waiting for 企画確認 reaches the planning accounts; its
   * 企画確認, send-back (with the reason) and 庁議報告 reach the department, as the 課長's steps do.
   */
  async onReview({ sheet, action, actor, version, reason, date }: ReviewEvent): Promise<void> {
    const title = await this.sheetTitle(sheet)
    const link = `/sheets/${sheet.id}`
    const inDepartment = (u: UserRecord) => u.departmentId === sheet.departmentId && u.id !== actor.id
    if (action === 'request') {
      const planning = await this.active((u) => u.role === 'planning' && u.id !== actor.id)
      await this.send(planning, { kind: 'review', sheetId: sheet.id, link, text: `${title}（版 ${version}）が承認され、企画確認を待っています。` })
    } else if (action === 'confirm') {
      await this.send(await this.active(inDepartment), { kind: 'review', sheetId: sheet.id, link, text: `${title}（版 ${version}）が企画確認されました（${actor.displayName}）。` })
    } else if (action === 'sendBack') {
      const why = reason ? `理由: ${reason}` : ''
      await this.send(await this.active(inDepartment), {
        kind: 'returned',
        sheetId: sheet.id,
        link,
        text: `${title}（版 ${version}）が企画確認で差し戻されました（${actor.displayName}）。改訂して、もう一度承認を受けてください。${why}`,
      })
    } else if (action === 'report') {
      const [y, m, d] = (date ?? '').split('-').map(Number)
      await this.send(await this.active(inDepartment), { kind: 'review', sheetId: sheet.id, link, text: `${title}（版 ${version}）を庁議に報告しました（${y}年${m}月${d}日）。` })
    }
  }

  async onMention({ sheet, threadId, author, userIds }: { sheet: SheetRecord; threadId: string; author: Actor; userIds: string[] }): Promise<void> {
    const title = await this.sheetTitle(sheet)
    await this.send(userIds, { kind: 'mention', sheetId: sheet.id, link: `/sheets/${sheet.id}#thread-${threadId}`, text: `${author.displayName}さんが${title}のコメントであなたをメンションしました。` })
  }

  /**
   * Rows that start naming a department as 連携課 reach that department's members. A row that starts
   * naming 全課 reaches every other department's 課長 only: telling every member of the town about
   * each such row would bury the bell. The first projection of a sheet (a year just opened) is the
   * baseline and notifies nobody; the 連携課 inbox lists those rows.
   */
  async onProjection({ sheetId, before, after, record }: { sheetId: string; before: Sheet | null; after: Sheet; record: SheetRecord }): Promise<void> {
    if (!before || !gainedPartners(before, after)) return
    const departments = await this.org.listDepartments()
    const named = (sheet: Sheet) => {
      const map = new Map<string, Set<string>>()
      for (const row of [...sheet.measures, ...sheet.projects]) {
        const set = new Set<string>()
        for (const entry of row.partners) {
          // An id, or a name written before ids ([S12]), as the department's id; 関係課 names nobody.
          const target = partnerEntry(entry, departments)
          if (target && target !== RELATED_DEPARTMENTS && target !== record.departmentId) set.add(target)
        }
        map.set(row.id, set)
      }
      return map
    }
    const was = named(before)
    const now = named(after)
    const reached = new Map<string, string[]>()
    for (const [rowId, set] of now) {
      const old = was.get(rowId) ?? new Set()
      const row = [...after.measures, ...after.projects].find((r) => r.id === rowId)
      for (const target of set) {
        if (old.has(target)) continue
        reached.set(target, [...(reached.get(target) ?? []), row?.name || '（名称未記入）'])
      }
    }
    if (!reached.size) return
    const title = await this.sheetTitle(record)
    const link = `/partners?year=${record.fiscalYear}`
    for (const [target, rows] of reached) {
      const people =
        target === ALL_DEPARTMENTS
          ? await this.active((u) => u.role === 'head' && u.departmentId !== null && u.departmentId !== record.departmentId)
          : await this.active((u) => u.departmentId === target)
      await this.send(people, { kind: 'partner', sheetId, link, text: `${title}で連携課に指定されました: ${rows.join('、')}` })
    }
  }
}

/**
 * Whether a row of `after` names a 連携課 entry its row in `before` did not: only then can someone be newly
 * asked, and only then are the departments read (this runs for every sheet being typed in, every second).
 */
function gainedPartners(before: Sheet, after: Sheet): boolean {
  const was = new Map<string, readonly string[]>()
  for (const row of [...before.measures, ...before.projects]) was.set(row.id, row.partners)
  return [...after.measures, ...after.projects].some((row) => row.partners.some((entry) => !was.get(row.id)?.includes(entry)))
}
