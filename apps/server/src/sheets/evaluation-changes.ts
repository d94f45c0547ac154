import type { EvaluationChangesResponse, EvaluationChangeView, EvaluationKindValue, Named } from '@hoshin/protocol'
import { diffEvaluations, type EvaluationDocument, type EvaluationRow, evaluationRoots, storedSheet } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import type { EditStore, FieldEditView } from '../persistence/edit-store.js'
import type { EvaluationStore } from '../persistence/evaluation-store.js'
import type { UserStore } from '../persistence/user-store.js'
import type { VersionStore } from '../persistence/version-store.js'
import type { EvaluationService } from './evaluation-service.js'

interface Deps {
  evaluations: EvaluationService
  stores: { evaluations: EvaluationStore; versions: VersionStore; edits: EditStore; users: UserStore }
}

/** The field an edit of an evaluation row is recorded under ([S17]: the row's map keys). */
const editField = { status: 'status', done: 'done', next: 'next', actual: 'actuals' } as const

/**
 * What changed in an evaluation since it was last submitted (for an approved one: between its submission
 * and its approval), each field row-named in the evaluated plan version's words (「施策 2 移住定住… ／ 評価:
 * 計画どおり → 計画未満」) and with who changed it, as the plan's 提出後の変更 are ([S14], [S17], [S20]).
 */
export async function evaluationChanges({ evaluations, stores }: Deps, actor: Actor, sheetId: string, kind: EvaluationKindValue): Promise<EvaluationChangesResponse> {
  // Reading through the service checks who may read the sheet, and gives the rows as they stand.
  const current = await evaluations.get(actor, sheetId, kind)
  const record = await stores.evaluations.get(sheetId, kind)
  const submission = await stores.evaluations.lastSubmission(sheetId, kind)
  if (!record?.submittedCanonical || !submission) return { baseline: null, changes: [] }
  const user = submission.userId ? await stores.users.findById(submission.userId) : undefined
  const baseline = { at: submission.at, by: { id: submission.userId ?? '', name: user?.displayName ?? '' } }
  const version = await stores.versions.get(sheetId, record.planVersion)
  if (!version) return { baseline, changes: [] }
  const before = (JSON.parse(record.submittedCanonical) as EvaluationDocument).rows
  const changes = diffEvaluations(storedSheet(version.canonical), before, current.rows as EvaluationRow[])
  const until = current.status === 'approved' ? current.version?.approvedAt : undefined
  const part = evaluationRoots[kind]
  const edits = (await stores.edits.since(sheetId, baseline.at)).filter((e) => e.part === part && (!until || e.editedAt <= until))
  return { baseline, changes: changes.map((change) => ({ ...change, ...attribute(change.rowId, editField[change.field], edits) })) }
}

/** The last person who changed the field since the baseline, when, and everyone who did (`edits` newest first). */
function attribute(rowId: string, field: string, edits: readonly FieldEditView[]): Pick<EvaluationChangeView, 'editedBy' | 'editedAt' | 'editors'> {
  const matches = edits.filter((e) => e.rowId === rowId && (e.field === field || e.field === 'row'))
  const editors = new Map<string, Named>()
  for (const e of matches) if (!editors.has(e.userId)) editors.set(e.userId, { id: e.userId, name: e.displayName })
  const last = matches[0]
  return { editedBy: last ? { id: last.userId, name: last.displayName } : null, editedAt: last?.editedAt ?? null, editors: [...editors.values()] }
}
