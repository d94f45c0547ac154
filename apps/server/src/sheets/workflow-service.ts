import { createHash } from 'node:crypto'
import type {
  AuditEntryView,
  ChangeAttribution,
  ChangesBaseline,
  SheetChangesResponse,
  SheetStatus,
  VersionResponse,
  VersionSummary,
  WorkflowAction,
} from '@hoshin/protocol'
import { canonicalJson, diffSheets, docToSheet, type PlanLabels, type Sheet, type SheetChange, storedSheet } from '@hoshin/sheet'
import * as Y from 'yjs'
import type { Actor } from '../context.js'
import { errors } from '../http/errors.js'
import type { AuditStore } from '../persistence/audit-store.js'
import { applyStored, readStored } from '../persistence/document-store.js'
import type { EditStore, FieldEditView } from '../persistence/edit-store.js'
import type { OrgStore } from '../persistence/org-store.js'
import type { SheetRecord, SheetStore } from '../persistence/sheet-store.js'
import type { UserStore } from '../persistence/user-store.js'
import type { VersionRecord, VersionStore } from '../persistence/version-store.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { canEditSheet } from './permissions.js'
import type { SheetService } from './sheet-service.js'

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

const isHead = (actor: Actor, sheet: SheetRecord) => actor.role === 'head' && actor.department?.id === sheet.departmentId

/** The sheet's audit trail and view log are for its own 課長 and for admins. */
export const canAudit = (actor: Actor, sheet: SheetRecord) => isHead(actor, sheet) || actor.role === 'admin'

/** Which steps a person may take on a sheet in its current state (the same rules the calls enforce). */
export function allowedActions(actor: Actor, sheet: SheetRecord): WorkflowAction[] {
  const actions: WorkflowAction[] = []
  if (sheet.status === 'draft' && canEditSheet(actor, sheet)) actions.push('submit')
  if (sheet.status === 'submitted' && isHead(actor, sheet)) actions.push('return', 'approve')
  // Only the department's own 課長 opens a revision; admins edit nothing, reopening included.
  if (sheet.status === 'approved' && isHead(actor, sheet)) actions.push('reopen')
  return actions
}

/**
 * 作成中 → 確認依頼中 → 承認済, with 差し戻し back to draft and 改訂 (reopen) as a new revision. While
 * submitted, the sheet stays editable for review fixes (the 課長 sees them live); approval freezes it.
 */
export interface TransitionEvent {
  sheet: SheetRecord
  action: WorkflowAction
  actor: Actor
}

export class WorkflowService {
  /** Told after every step that happened (notifications, the board's projection). */
  readonly observers: ((event: TransitionEvent) => Promise<void>)[] = []
  /** Asked before a revision is opened; throws to refuse it (an evaluation still open, [S20]). */
  beforeReopen: ((sheetId: string) => Promise<void>) | undefined
  /**
   * What a late set would change in the sheet's approved evaluations ([S20]): their freeze keeps late
   * offline edits as the plan's does, in the same per-person set.
   */
  lateEvaluationChanges: ((sheetId: string, set: Uint8Array) => Promise<SheetChange[]>) | undefined
  /** The departments, for the 職員数 a version records at approval (the form's header). */
  org: Pick<OrgStore, 'getDepartment'> | undefined
  /** How links to the 総合計画 read in a diff ([S21]); wired where the plan is (server.ts). */
  planLabels: () => Promise<PlanLabels> = async () => ({})
  constructor(
    private readonly sheetStore: SheetStore,
    private readonly versions: VersionStore,
    private readonly users: UserStore,
    private readonly audit: AuditStore,
    private readonly sheets: SheetService,
    private readonly documents: DocumentRegistry,
    private readonly edits: EditStore,
  ) {}

  private async step(actor: Actor, sheetId: string, action: WorkflowAction): Promise<SheetRecord> {
    const sheet = await this.sheets.readable(actor, sheetId)
    if (!allowedActions(actor, sheet).includes(action)) {
      const roleAllows = allowedActions(actor, { ...sheet, status: fromState[action] }).includes(action)
      if (!roleAllows) {
        await this.audit.append({ userId: actor.id, username: actor.username, action: `sheet.${action}.refused`, target: sheet.id })
        throw errors.forbidden()
      }
      throw errors.invalidTransition(`${stateNames[sheet.status]}のシートには、この操作はできません。`)
    }
    return sheet
  }

  private announce(sheetId: string, status: SheetStatus, event?: TransitionEvent): void {
    this.documents.notify(sheetId, { kind: 'workflow', status })
    if (event) for (const observe of this.observers) void observe(event).catch(() => undefined)
  }

  private raced(): never {
    throw errors.invalidTransition('ほかの操作が先に行われました。画面を更新してください。')
  }

  async submit(actor: Actor, sheetId: string): Promise<void> {
    const sheet = await this.step(actor, sheetId, 'submit')
    // The content as submitted, so the 課長 sees what changed during the review.
    const canonical = canonicalJson(await this.sheets.content(sheet.id))
    const ok = await this.versions.transition({
      sheetId: sheet.id,
      from: 'draft',
      to: 'submitted',
      audit: auditOf(actor, 'sheet.submit'),
      submission: { revision: sheet.revision, canonical },
    })
    if (!ok) this.raced()
    this.announce(sheet.id, 'submitted', { sheet, action: 'submit', actor })
  }

  async returnToDraft(actor: Actor, sheetId: string, reason: string): Promise<void> {
    const sheet = await this.step(actor, sheetId, 'return')
    const ok = await this.versions.transition({
      sheetId: sheet.id,
      from: 'submitted',
      to: 'draft',
      returnedReason: reason,
      audit: { ...auditOf(actor, 'sheet.return'), detail: reason },
    })
    if (!ok) this.raced()
    this.announce(sheet.id, 'draft', { sheet, action: 'return', actor })
  }

  /**
   * Freeze first (here and on every other process), store what this process accepted, then, in one
   * transaction that locks the sheet, capture what is stored and record it as the version. What another
   * process stores after that transaction is refused and kept aside as a late change: the version is
   * exactly what any process had acknowledged.
   */
  async approve(actor: Actor, sheetId: string): Promise<VersionSummary> {
    const sheet = await this.step(actor, sheetId, 'approve')
    // The form's header as it is today: the approving 課長 and the department's 職員数 ([S13]'s hash is of the
    // content only; these are recorded beside it).
    const staffCount = (await this.org?.getDepartment(sheet.departmentId))?.staffCount ?? null
    await this.documents.freeze(sheet.id)
    await this.documents.updateLog.flush()
    const version = await this.versions.approve(
      { sheetId: sheet.id, from: 'submitted', to: 'approved', audit: auditOf(actor, 'sheet.approve') },
      async (tx) => {
        const doc = applyStored(new Y.Doc(), await readStored(tx, sheet.id))
        try {
          const canonical = canonicalJson(docToSheet(doc))
          return { revision: sheet.revision, state: Y.encodeStateAsUpdate(doc), canonical, sha256: sha256(canonical), headName: actor.displayName, staffCount }
        } finally {
          doc.destroy()
        }
      },
    )
    if (!version) {
      // Another approval (or a send-back) won; only lift the freeze if the sheet did not end up approved.
      const now = await this.sheetStore.get(sheet.id)
      if (now?.status !== 'approved') await this.documents.unfreeze(sheet.id, (c) => canEditSheet(c.actor, sheet))
      this.raced()
    }
    this.forgetLateSizes(sheet.id)
    this.announce(sheet.id, 'approved', { sheet, action: 'approve', actor })
    return this.summary(version)
  }

  async reopen(actor: Actor, sheetId: string): Promise<void> {
    const sheet = await this.step(actor, sheetId, 'reopen')
    await this.beforeReopen?.(sheet.id)
    const ok = await this.versions.transition({
      sheetId: sheet.id,
      from: 'approved',
      to: 'draft',
      revision: sheet.revision + 1,
      audit: { ...auditOf(actor, 'sheet.reopen'), detail: `revision ${sheet.revision + 1}` },
    })
    if (!ok) this.raced()
    await this.documents.unfreeze(sheet.id, (c) => canEditSheet(c.actor, sheet))
    this.forgetLateSizes(sheet.id)
    this.announce(sheet.id, 'draft', { sheet, action: 'reopen', actor })
  }

  private async summary(v: VersionRecord): Promise<VersionSummary> {
    const user = await this.users.findById(v.approvedBy)
    return {
      number: v.number,
      revision: v.revision,
      sha256: v.sha256,
      approvedBy: { id: v.approvedBy, name: user?.displayName ?? '' },
      approvedAt: v.approvedAt,
      headName: v.headName ?? null,
      staffCount: v.staffCount === null || v.staffCount === undefined ? null : Number(v.staffCount),
    }
  }

  async latest(sheetId: string): Promise<VersionSummary | null> {
    const list = await this.versions.list(sheetId)
    const last = list.at(-1)
    return last ? this.summary(last) : null
  }

  async list(actor: Actor, sheetId: string): Promise<VersionSummary[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    return Promise.all((await this.versions.list(sheet.id)).map((v) => this.summary(v)))
  }

  private async frozenSheet(sheetId: string, number: number): Promise<{ record: VersionRecord & { canonical: string; state: Buffer }; sheet: Sheet }> {
    const record = await this.versions.get(sheetId, number)
    if (!record) throw errors.notFound()
    return { record, sheet: storedSheet(record.canonical) }
  }

  async version(actor: Actor, sheetId: string, number: number): Promise<VersionResponse> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const { record } = await this.frozenSheet(sheet.id, number)
    // As stored, in the format it was approved in ([S19]): its SHA-256 is recomputed from exactly this.
    return { ...(await this.summary(record)), sheet: JSON.parse(record.canonical) }
  }

  async diff(actor: Actor, sheetId: string, from: string, to: string): Promise<SheetChange[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const load = async (which: string): Promise<Sheet> => {
      if (which === 'current') return this.sheets.content(sheet.id)
      // 前年度: the approved version of last year this draft was carried forward from.
      if (which === 'previous') {
        if (!sheet.previousSheetId || !sheet.previousVersion) throw errors.notFound()
        const previous = await this.versions.get(sheet.previousSheetId, sheet.previousVersion)
        if (!previous) throw errors.notFound()
        return storedSheet(previous.canonical)
      }
      const n = Number(which)
      if (!Number.isInteger(n) || n < 1) throw errors.validation(which === from ? 'from' : 'to')
      return (await this.frozenSheet(sheet.id, n)).sheet
    }
    return diffSheets(await load(from), await load(to), await this.planLabels())
  }

  /**
   * What changed in the current draft since the latest approved version (`version`) or since the sheet was
   * last submitted (`submitted`), each change with who made it and when ([S17]). Whoever reads the sheet.
   */
  async changes(actor: Actor, sheetId: string, since: 'version' | 'submitted'): Promise<SheetChangesResponse<SheetChange>> {
    const sheet = await this.sheets.readable(actor, sheetId)
    let baseline: ChangesBaseline | null = null
    let before: Sheet | undefined
    if (since === 'version') {
      const latest = (await this.versions.list(sheet.id)).at(-1)
      if (latest) {
        baseline = { kind: 'version', number: latest.number, at: latest.approvedAt }
        before = (await this.frozenSheet(sheet.id, latest.number)).sheet
      }
    } else {
      const submission = await this.edits.lastSubmission(sheet.id)
      if (submission) {
        const by = await this.users.findById(submission.submittedBy)
        baseline = { kind: 'submitted', revision: submission.revision, at: submission.submittedAt, by: { id: submission.submittedBy, name: by?.displayName ?? '' } }
        before = storedSheet(submission.canonical)
      }
    }
    if (!baseline || !before) return { since, baseline, changes: [] }
    const changes = diffSheets(before, await this.sheets.content(sheet.id), await this.planLabels())
    const edits = await this.edits.since(sheet.id, baseline.at)
    return { since, baseline, changes: changes.map((change) => ({ ...change, ...attribute(change, edits) })) }
  }

  /** Late change sets are read, merged and written one at a time per sheet and person. */
  private readonly lateQueue = new Map<string, Promise<unknown>>()
  /** Per sheet and person: the late updates waiting for the next merge. */
  private readonly lateWaiting = new Map<string, { updates: Uint8Array[]; bytes: number; result: Promise<boolean> }>()
  /** Per sheet and person: how large the stored late set was at its last merge (or the last batch refused). */
  private readonly lateBytes = new Map<string, number>()

  /**
   * A change that reached the frozen sheet (a client that was offline during the approval): never merged,
   * kept aside for its author. All of a person's late changes on one version are one set, merged as they
   * arrive (each keystroke builds on the one before, so alone the later ones would change nothing).
   * Resolves true when the person now has a set that changes the frozen version.
   */
  keepRejected(sheetId: string, actor: Pick<Actor, 'id' | 'username'>, update: Uint8Array): Promise<boolean> {
    const key = `${sheetId}\u0000${actor.id}`
    // Past the cap nothing more is merged: a flood costs the server no work once the set is full.
    if ((this.lateBytes.get(key) ?? 0) >= MAX_LATE_SET_BYTES) return Promise.resolve(true)
    const waiting = this.lateWaiting.get(key)
    // Updates that arrive while a merge runs wait together and are merged in one go: a client sending a
    // thousand of them costs a few merges, not a thousand queued ones.
    if (waiting) {
      if (waiting.bytes + update.byteLength <= MAX_LATE_SET_BYTES) {
        waiting.updates.push(update)
        waiting.bytes += update.byteLength
      }
      return waiting.result
    }
    const batch = { updates: [update], bytes: update.byteLength, result: Promise.resolve(false) }
    batch.result = (this.lateQueue.get(key) ?? Promise.resolve()).then(() => {
      if (this.lateWaiting.get(key) === batch) this.lateWaiting.delete(key)
      const merged = batch.updates.length === 1 ? batch.updates[0]! : Y.mergeUpdates(batch.updates)
      return this.mergeLate(sheetId, actor, merged, key)
    })
    this.lateWaiting.set(key, batch)
    const settled = batch.result.catch(() => false)
    this.lateQueue.set(key, settled)
    void settled.then(() => {
      if (this.lateQueue.get(key) === settled) this.lateQueue.delete(key)
    })
    return batch.result
  }

  /** A new version (or revision, also one 企画's send-back opened): late sets start afresh. */
  forgetLateSizes(sheetId: string): void {
    for (const key of this.lateBytes.keys()) if (key.startsWith(`${sheetId}\u0000`)) this.lateBytes.delete(key)
  }

  private async mergeLate(sheetId: string, actor: Pick<Actor, 'id' | 'username'>, update: Uint8Array, key: string): Promise<boolean> {
    const latest = (await this.versions.list(sheetId)).at(-1)
    if (!latest) return false
    const frozen = await this.versions.get(sheetId, latest.number)
    if (!frozen) return false
    const existing = await this.versions.lateSet(sheetId, actor.id, latest.number)
    let merged: Uint8Array
    try {
      Y.decodeUpdate(update)
      merged = existing ? Y.mergeUpdates([new Uint8Array(existing.data), update]) : update
    } catch {
      return false
    }
    // What one person typed offline during a review is a few KiB; a set past the cap takes no more.
    if (merged.byteLength > MAX_LATE_SET_BYTES) {
      this.lateBytes.set(key, MAX_LATE_SET_BYTES)
      return existing !== undefined
    }
    const changes = changesVersion(frozen, merged) || ((await this.lateEvaluationChanges?.(sheetId, merged)) ?? []).length > 0
    // Nothing yet that would change the version (an empty step 2, a no-op): kept only as part of a set.
    if (!changes && !existing) return false
    // Merged into what is stored by then (another process may have kept a part of the same person's changes).
    const saved = await this.versions.mergeLateSet({ sheetId, userId: actor.id, versionNumber: latest.number, update })
    this.lateBytes.set(key, merged.byteLength)
    if (saved.created) {
      await this.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.rejected-update', target: sheetId, detail: `v${latest.number}` })
    }
    return changes
  }

  /** This person's late change sets, each as the changes it would make to the frozen version. */
  async rejected(actor: Actor, sheetId: string): Promise<LateChangeSet[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    // The newest sets only: one per version at most, so this is every recent one.
    const sets = (await this.versions.rejected(sheet.id, actor.id)).slice(-MAX_LATE_SETS_LISTED)
    const out: LateChangeSet[] = []
    for (const set of sets) {
      const frozen = await this.versions.get(sheet.id, set.versionNumber)
      if (!frozen) continue
      const planChanges = lateChanges(frozen, new Uint8Array(set.data))
      const changes = [...planChanges, ...((await this.lateEvaluationChanges?.(sheet.id, new Uint8Array(set.data))) ?? [])]
      if (!changes.length) continue
      out.push({
        id: set.id,
        createdAt: set.createdAt,
        updatedAt: set.updatedAt ?? set.createdAt,
        version: set.versionNumber,
        carriedAt: set.carriedAt,
        // An approved evaluation is never revised: only changes to the plan go into its revision.
        canCarry: planChanges.length > 0 && set.carriedAt === null && canCarry(actor, sheet, frozen.revision),
        changes,
      })
    }
    return out
  }

  /**
   * Carries a late change set into the revision that reopened its version: its changes are applied to the
   * live sheet as its author's edit (a CRDT merge: text typed into 施策 3 lands in 施策 3, beside what
   * others wrote since). Only its author, only while the sheet is a draft of a later revision.
   */
  async carryLate(actor: Actor, sheetId: string, setId: string): Promise<void> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const set = (await this.versions.rejected(sheet.id, actor.id)).find((s) => s.id === setId)
    if (!set) throw errors.notFound()
    const frozen = await this.versions.get(sheet.id, set.versionNumber)
    if (!frozen) throw errors.notFound()
    if (set.carriedAt !== null || !canCarry(actor, sheet, frozen.revision)) {
      throw errors.invalidTransition('この変更は、改訂中（作成中）のシートにだけ反映できます。')
    }
    if (!(await this.versions.markCarried(set.id))) throw errors.invalidTransition('この変更はすでに反映されています。')
    await this.documents.change(sheet.id, (doc) => {
      Y.applyUpdate(doc, new Uint8Array(set.data))
      // Parts resting on content the server never had cannot be placed; they are not kept pending.
      doc.store.pendingStructs = null
      doc.store.pendingDs = null
    }, actor.id)
    await this.audit.append({ userId: actor.id, username: actor.username, action: 'sheet.late-carried', target: sheet.id, detail: `v${set.versionNumber}` })
  }

  /** The sheet's audit trail, for its 課長 and admins. */
  async auditTrail(actor: Actor, sheetId: string, actionPrefix: string): Promise<AuditEntryView[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    if (!canAudit(actor, sheet)) throw errors.forbidden()
    return this.versions.audit(sheet.id, actionPrefix)
  }
}

/**
 * Who made a change: the field edits recorded under the same part, row and field ([S17]) — 'order' for a
 * move, 'row' (or any field of it) for a row added or removed. `edits` are newest first.
 */
function attribute(change: SheetChange, edits: readonly FieldEditView[]): ChangeAttribution {
  const rowId = change.rowId ?? ''
  const matches = edits.filter((e) => {
    if (e.part !== change.part || e.rowId !== rowId) return false
    if (change.kind === 'changed') return change.part === 'situation' || e.field === change.field
    if (change.kind === 'moved') return e.field === 'order'
    return true
  })
  const editors = new Map<string, { id: string; name: string }>()
  for (const e of matches) if (!editors.has(e.userId)) editors.set(e.userId, { id: e.userId, name: e.displayName })
  const last = matches[0]
  return {
    editedBy: last ? { id: last.userId, name: last.displayName } : null,
    editedAt: last?.editedAt ?? null,
    editors: [...editors.values()],
  }
}

/** A late change set stops growing here (each keystroke builds on the last: the set is all of them). */
export const MAX_LATE_SET_BYTES = 256 * 1024
/** Late change sets listed for their author, newest last. */
const MAX_LATE_SETS_LISTED = 20

export interface LateChangeSet {
  id: string
  createdAt: string
  updatedAt: string
  version: number
  carriedAt: string | null
  /** The author may carry it into the sheet now (a later revision is being drafted). */
  canCarry: boolean
  changes: SheetChange[]
}

/** Whether a late set would change the frozen version at all (a comparison, not a diff: cheap on every update). */
function changesVersion(frozen: { state: Buffer; canonical: string }, set: Uint8Array): boolean {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, new Uint8Array(frozen.state))
    Y.applyUpdate(doc, set)
    return canonicalJson(docToSheet(doc)) !== frozen.canonical
  } catch {
    return false
  } finally {
    doc.destroy()
  }
}

/** The changes a late set makes to the frozen version it reached. */
function lateChanges(frozen: { state: Buffer; canonical: string }, set: Uint8Array): SheetChange[] {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, new Uint8Array(frozen.state))
    Y.applyUpdate(doc, set)
    return diffSheets(storedSheet(frozen.canonical), docToSheet(doc))
  } catch {
    return []
  } finally {
    doc.destroy()
  }
}

function canCarry(actor: Actor, sheet: SheetRecord, versionRevision: number): boolean {
  return sheet.status === 'draft' && sheet.revision > versionRevision && canEditSheet(actor, sheet)
}

const fromState: Record<WorkflowAction, SheetStatus> = { submit: 'draft', return: 'submitted', approve: 'submitted', reopen: 'approved' }
const stateNames: Record<SheetStatus, string> = { draft: '作成中', submitted: '確認依頼中', approved: '承認済' }

function auditOf(actor: Actor, action: string) {
  return { userId: actor.id, username: actor.username, action }
}
