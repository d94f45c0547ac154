import {
  type EvaluationAction,
  type EvaluationKindValue,
  type EvaluationResponse,
  type EvaluationSummary,
  type EvaluationVersionResponse,
  ErrorCode,
} from '@hoshin/protocol'
import {
  applyEvaluationToDoc,
  canonicalJson,
  diffEvaluations,
  docToEvaluation,
  type EvaluationDocument,
  type EvaluationKind,
  type EvaluationRow,
  evaluationDocument,
  evaluationInputSchema,
  evaluationKindLabels,
  evaluationRoots,
  openEvaluationRows,
  type SheetChange,
  storedSheet,
} from '@hoshin/sheet'
import * as Y from 'yjs'
import type { Actor } from '../context.js'
import { errors, HttpError } from '../http/errors.js'
import type { AuditStore } from '../persistence/audit-store.js'
import type { EvaluationRecord, EvaluationStore } from '../persistence/evaluation-store.js'
import type { SheetRecord } from '../persistence/sheet-store.js'
import type { UserStore } from '../persistence/user-store.js'
import type { VersionStore } from '../persistence/version-store.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { ServerEdit } from '../sync/shared-document.js'
import { canEditSheet } from './permissions.js'
import type { SheetService } from './sheet-service.js'
import { sha256 } from './workflow-service.js'

const isHead = (actor: Actor, sheet: SheetRecord) => actor.role === 'head' && actor.department?.id === sheet.departmentId
const stateNames = { draft: '作成中', submitted: '確認依頼中', approved: '承認済' } as const
const fromState: Record<EvaluationAction, EvaluationRecord['status']> = { submit: 'draft', return: 'submitted', approve: 'submitted' }

/** One evaluation of a sheet and its rows as they stand. */
export interface EvaluationSnapshot {
  sheetId: string
  kind: EvaluationKindValue
  status: EvaluationRecord['status']
  rows: EvaluationRow[]
}

export interface EvaluationEvent {
  sheet: SheetRecord
  kind: EvaluationKindValue
  action: 'open' | EvaluationAction
  actor: Actor
  /** Why it was sent back (a return only). */
  reason?: string
}

/** Japanese words for what the evaluation input schema refuses ([S20]). */
const problems: Record<string, string> = {
  date_outside_year: '実績値の日付が年度（4月1日〜翌年3月31日）の外です。',
  bad_date: '実績値の日付が正しくありません（例: 2025-09-30）。',
}

/**
 * 中間評価 and 年度末評価 of an approved sheet ([S20]): opened by the department, co-edited live in the sheet's
 * document, submitted, sent back or approved by its 課長 as the plan is. While one is open, the approved
 * plan stays frozen and only that evaluation's map takes changes; once approved it is frozen too, and its
 * canonical JSON is stored with its SHA-256.
 */
export class EvaluationService {
  readonly observers: ((event: EvaluationEvent) => Promise<void>)[] = []

  constructor(
    private readonly store: EvaluationStore,
    private readonly versions: VersionStore,
    private readonly users: UserStore,
    private readonly audit: AuditStore,
    private readonly sheets: SheetService,
    private readonly documents: DocumentRegistry,
  ) {}

  /** The root types of a sheet's open evaluations (draft or submitted), for the socket's rights. */
  async openRoots(sheetId: string): Promise<string[]> {
    return (await this.store.list(sheetId)).filter((e) => e.status !== 'approved').map((e) => evaluationRoots[e.kind])
  }

  /** Whether an evaluation of the sheet is open: a revision of the plan waits until it is approved. */
  async anyOpen(sheetId: string): Promise<boolean> {
    return (await this.openRoots(sheetId)).length > 0
  }

  private actions(actor: Actor, sheet: SheetRecord, record: EvaluationRecord): EvaluationAction[] {
    if (sheet.status !== 'approved') return []
    if (record.status === 'draft' && canEditSheet(actor, sheet)) return ['submit']
    if (record.status === 'submitted' && isHead(actor, sheet)) return ['return', 'approve']
    return []
  }

  private mayWrite(actor: Actor, sheet: SheetRecord, record: EvaluationRecord): boolean {
    return sheet.status === 'approved' && record.status !== 'approved' && canEditSheet(actor, sheet)
  }

  private async named(id: string | null) {
    const user = id ? await this.users.findById(id) : undefined
    return { id: id ?? '', name: user?.displayName ?? '' }
  }

  private async summary(actor: Actor, sheet: SheetRecord, record: EvaluationRecord): Promise<EvaluationSummary> {
    return {
      kind: record.kind,
      status: record.status,
      planVersion: record.planVersion,
      openedBy: await this.named(record.openedBy),
      openedAt: record.openedAt,
      returnedReason: record.returnedReason,
      actions: this.actions(actor, sheet, record),
      canEdit: this.mayWrite(actor, sheet, record),
      version:
        record.status === 'approved' && record.sha256 && record.approvedAt
          ? { sha256: record.sha256, approvedBy: await this.named(record.approvedBy), approvedAt: record.approvedAt }
          : null,
    }
  }

  private async record(sheetId: string, kind: EvaluationKindValue): Promise<EvaluationRecord> {
    const record = await this.store.get(sheetId, kind)
    if (!record) throw errors.notFound()
    return record
  }

  /** Tells the sockets which roots take changes now, and every open tab that the evaluation moved. */
  private async followState(sheet: SheetRecord, event?: EvaluationEvent & { status: EvaluationRecord['status'] }): Promise<void> {
    if (sheet.status === 'approved') await this.documents.freeze(sheet.id, { silent: true })
    await this.documents.setOpenRoots(sheet.id, await this.openRoots(sheet.id), (c) => canEditSheet(c.actor, sheet))
    if (!event) return
    this.documents.notify(sheet.id, { kind: 'evaluation', evaluation: event.kind, status: event.status })
    for (const observe of this.observers) void observe(event).catch(() => undefined)
  }

  async list(actor: Actor, sheetId: string): Promise<EvaluationSummary[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    return Promise.all((await this.store.list(sheet.id)).map((r) => this.summary(actor, sheet, r)))
  }

  /** Opens an evaluation on the approved sheet (idempotent: the second call gets the existing one). */
  async open(actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<{ created: boolean; evaluation: EvaluationSummary }> {
    const sheet = await this.sheets.readable(actor, sheetId)
    if (!canEditSheet(actor, sheet)) {
      await this.audit.append({ userId: actor.id, username: actor.username, action: 'evaluation.open.refused', target: sheet.id, detail: kind })
      throw errors.forbidden()
    }
    if (sheet.status !== 'approved') throw errors.invalidTransition('評価を始められるのは承認済みのシートだけです。')
    const latest = (await this.versions.list(sheet.id)).at(-1)
    if (!latest) throw errors.invalidTransition('評価を始められるのは承認済みのシートだけです。')
    const created = await this.store.open(sheet.id, kind, latest.number, {
      userId: actor.id,
      username: actor.username,
      action: 'evaluation.open',
      detail: kind,
    })
    // The rows are made by the server, once, so that no two clients race to create them ([S20]).
    if (created) await this.documents.change(sheet.id, (doc) => openEvaluationRows(doc, kind as EvaluationKind), actor.id)
    await this.followState(sheet, created ? { sheet, kind, action: 'open', actor, status: 'draft' } : undefined)
    return { created, evaluation: await this.summary(actor, sheet, await this.record(sheet.id, kind)) }
  }

  /** The rows: the frozen ones once approved, the live document's otherwise. */
  private async rows(sheet: SheetRecord, record: EvaluationRecord): Promise<EvaluationRow[]> {
    if (record.status === 'approved' && record.canonical) return (JSON.parse(record.canonical) as EvaluationDocument).rows
    return this.documents.read(sheet.id, (doc) => docToEvaluation(doc, record.kind))
  }

  /**
   * Every evaluation of these sheets with its rows as they stand (the approved one's stored JSON, an open
   * one's live document), for the board and next year's draft. The caller has checked who may see them.
   */
  async snapshots(sheetIds: readonly string[]): Promise<EvaluationSnapshot[]> {
    const records = await this.store.forSheets(sheetIds)
    return Promise.all(
      records.map(async (r) => ({
        sheetId: r.sheetId,
        kind: r.kind,
        status: r.status,
        rows:
          r.status === 'approved' && r.canonical
            ? (JSON.parse(r.canonical) as EvaluationDocument).rows
            : await this.documents.read(r.sheetId, (doc) => docToEvaluation(doc, r.kind)),
      })),
    )
  }

  async get(actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<EvaluationResponse> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const record = await this.record(sheet.id, kind)
    return { ...(await this.summary(actor, sheet, record)), rows: await this.rows(sheet, record) }
  }

  /**
   * Writes rows through the API (other clients, an import): validated by the schema, refused once the
   * evaluation is approved, rows and indicators the plan does not have refused by name.
   */
  async write(actor: Actor, sheetId: string, kind: EvaluationKindValue, body: unknown): Promise<EvaluationResponse> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const record = await this.record(sheet.id, kind)
    if (!canEditSheet(actor, sheet)) throw errors.forbidden()
    if (record.status === 'approved' || sheet.status !== 'approved') throw errors.sheetFrozen()
    const parsed = evaluationInputSchema(sheet.fiscalYear).safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol').join('.')
      const words = (issue && problems[issue.message]) ?? (path.endsWith('status') ? '評価は 計画以上・計画どおり・計画未満・評価不能 のいずれかです。' : undefined)
      throw new HttpError(400, ErrorCode.ValidationFailed, words ?? `入力内容に誤りがあります（項目: ${path || '本文'}）。`, { path })
    }
    await this.documents.change(
      sheet.id,
      (doc) => {
        const known = new Map(docToEvaluation(doc, kind).map((r) => [r.rowId, new Set(r.actuals.map((a) => a.indicatorId))]))
        parsed.data.rows.forEach((row, i) => {
          const indicators = known.get(row.rowId)
          if (!indicators) throw new HttpError(400, ErrorCode.ValidationFailed, `行 ${i + 1} は、評価する方針にない行です。`, { path: `rows.${i}.rowId` })
          row.actuals.forEach((a, j) => {
            if (!indicators.has(a.indicatorId)) throw new HttpError(400, ErrorCode.ValidationFailed, `行 ${i + 1} の成果指標 ${j + 1} は、その行にない指標です。`, { path: `rows.${i}.actuals.${j}.indicatorId` })
          })
        })
        applyEvaluationToDoc(doc, kind, parsed.data.rows, new ServerEdit(actor.id))
      },
      actor.id,
    )
    return this.get(actor, sheet.id, kind)
  }

  private async step(actor: Actor, sheetId: string, kind: EvaluationKindValue, action: EvaluationAction) {
    const sheet = await this.sheets.readable(actor, sheetId)
    const record = await this.record(sheet.id, kind)
    if (!this.actions(actor, sheet, record).includes(action)) {
      const roleAllows = this.actions(actor, sheet, { ...record, status: fromState[action] }).includes(action)
      if (!roleAllows) {
        await this.audit.append({ userId: actor.id, username: actor.username, action: `evaluation.${action}.refused`, target: sheet.id, detail: kind })
        throw errors.forbidden()
      }
      throw errors.invalidTransition(`${stateNames[record.status]}の${evaluationKindLabels[kind]}には、この操作はできません。`)
    }
    return { sheet, record }
  }

  private raced(): never {
    throw errors.invalidTransition('ほかの操作が先に行われました。画面を更新してください。')
  }

  async submit(actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<EvaluationSummary> {
    const { sheet, record } = await this.step(actor, sheetId, kind, 'submit')
    const submittedCanonical = canonicalJson(await this.documents.read(sheet.id, (doc) => evaluationDocument(doc, kind, record.planVersion)))
    const ok = await this.store.transition({ sheetId: sheet.id, kind, from: 'draft', to: 'submitted', submittedCanonical }, audit(actor, 'evaluation.submit', kind))
    if (!ok) this.raced()
    await this.followState(sheet, { sheet, kind, action: 'submit', actor, status: 'submitted' })
    return this.summary(actor, sheet, await this.record(sheet.id, kind))
  }

  async returnToDraft(actor: Actor, sheetId: string, kind: EvaluationKindValue, reason: string): Promise<EvaluationSummary> {
    const { sheet } = await this.step(actor, sheetId, kind, 'return')
    const ok = await this.store.transition(
      { sheetId: sheet.id, kind, from: 'submitted', to: 'draft', returnedReason: reason },
      { ...audit(actor, 'evaluation.return', kind), detail: `${kind}: ${reason}` },
    )
    if (!ok) this.raced()
    await this.followState(sheet, { sheet, kind, action: 'return', actor, reason, status: 'draft' })
    return this.summary(actor, sheet, await this.record(sheet.id, kind))
  }

  /** Freeze the evaluation's map first, then capture exactly what is frozen, then store it with its hash. */
  async approve(actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<EvaluationSummary> {
    const { sheet, record } = await this.step(actor, sheetId, kind, 'approve')
    const root = evaluationRoots[kind]
    const others = [...this.documents.openRootsOf(sheet.id)].filter((r) => r !== root)
    await this.documents.setOpenRoots(sheet.id, others, (c) => canEditSheet(c.actor, sheet))
    const content = await this.documents.read(sheet.id, (doc) => evaluationDocument(doc, kind, record.planVersion))
    const canonical = canonicalJson(content)
    const hash = sha256(canonical)
    const ok = await this.store.transition(
      { sheetId: sheet.id, kind, from: 'submitted', to: 'approved' },
      { ...audit(actor, 'evaluation.approve', kind), detail: `${kind} sha256=${hash}` },
      { canonical, sha256: hash },
    )
    if (!ok) {
      // Another step won: the roots follow whatever the database now says.
      await this.followState(sheet)
      this.raced()
    }
    await this.followState(sheet, { sheet, kind, action: 'approve', actor, status: 'approved' })
    return this.summary(actor, sheet, await this.record(sheet.id, kind))
  }

  /**
   * What a late update (an offline tab's edits arriving after the approval) would change in the sheet's
   * approved evaluations: kept aside with the plan's late changes, listed to its author, never applied.
   */
  async lateChanges(sheetId: string, set: Uint8Array): Promise<SheetChange[]> {
    const approved = (await this.store.list(sheetId)).filter((r) => r.status === 'approved' && r.canonical)
    if (!approved.length) return []
    const doc = new Y.Doc()
    try {
      Y.applyUpdate(doc, await this.documents.read(sheetId, (live) => Y.encodeStateAsUpdate(live)))
      Y.applyUpdate(doc, set)
      const changes: SheetChange[] = []
      for (const record of approved) {
        const frozen = JSON.parse(record.canonical!) as EvaluationDocument
        const plan = await this.versions.get(sheetId, record.planVersion)
        if (!plan) continue
        // Row-named as the 課長's review names them, with the evaluation's kind in front.
        for (const change of diffEvaluations(storedSheet(plan.canonical), frozen.rows, docToEvaluation(doc, record.kind))) {
          const label = `${evaluationKindLabels[record.kind]} ／ ${change.label}`
          changes.push({ part: change.kind === 'measure' ? 'measures' : 'projects', kind: 'changed', rowId: change.rowId, from: change.from, to: change.to, label, summary: `${evaluationKindLabels[record.kind]} ／ ${change.summary}` })
        }
      }
      return changes
    } catch {
      return []
    } finally {
      doc.destroy()
    }
  }

  /** The approved evaluation's canonical JSON as stored, and its hash. */
  async version(actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<EvaluationVersionResponse> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const record = await this.record(sheet.id, kind)
    if (record.status !== 'approved' || !record.canonical || !record.sha256 || !record.approvedAt) throw errors.notFound()
    return { sha256: record.sha256, approvedBy: await this.named(record.approvedBy), approvedAt: record.approvedAt, evaluation: JSON.parse(record.canonical) }
  }
}

function audit(actor: Actor, action: string, kind: EvaluationKindValue) {
  return { userId: actor.id, username: actor.username, action, detail: kind }
}
