import { z } from 'zod'
import * as Y from 'yjs'
import { evaluationRoots } from './roots.js'
import { readFieldText, rowMap, orderedRowIds, orderedIndicatorIds, writeFieldText, metaMap } from './ydoc.js'

/**
 * The "check" half of the year ([S20]): 中間評価 (mid-year, before the budget is compiled) and 年度末評価
 * (year-end) of an approved sheet. Each is its own top-level map of the same Y.Doc, so sections co-edit
 * it live while the plan's own types stay frozen.
 */
export const evaluationKinds = ['midyear', 'yearend'] as const
export type EvaluationKind = (typeof evaluationKinds)[number]

/** 計画以上 / 計画どおり / 計画未満 / 評価不能 (Okazaki's four-level scale). */
export const evaluationStatuses = ['above', 'onTrack', 'below', 'unknown'] as const
export type EvaluationStatus = (typeof evaluationStatuses)[number]

export const evaluationStatusLabels: Record<EvaluationStatus, string> = {
  above: '計画以上',
  onTrack: '計画どおり',
  below: '計画未満',
  unknown: '評価不能',
}
export const evaluationKindLabels: Record<EvaluationKind, string> = { midyear: '中間評価', yearend: '年度末評価' }

export const EVALUATION_FORMAT = 'hoshin.evaluation/v1'

export { evaluationRoots, evaluationRootNames, type EvaluationRootName } from './roots.js'

export function evaluationMap(doc: Y.Doc, kind: EvaluationKind): Y.Map<Y.Map<unknown>> {
  return doc.getMap(evaluationRoots[kind])
}

const id = z.string().min(1).max(100)
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'bad_date' })

export const actualSchema = z.strictObject({
  indicatorId: id,
  value: z.number().finite().min(-1e12).max(1e12).nullable(),
  date: isoDate.nullable(),
})
export type Actual = z.infer<typeof actualSchema>

export const evaluationRowSchema = z.strictObject({
  kind: z.enum(['measure', 'project']),
  rowId: id,
  status: z.enum(evaluationStatuses).nullable(),
  actuals: z.array(actualSchema).max(50),
  done: z.string().max(10_000),
  next: z.string().max(10_000),
})
export type EvaluationRow = z.infer<typeof evaluationRowSchema>

/** The first and last day of a fiscal year (April 1 to March 31), as ISO dates. */
export function fiscalYearDates(fiscalYear: number): { first: string; last: string } {
  return { first: `${fiscalYear}-04-01`, last: `${fiscalYear + 1}-03-31` }
}

function validDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date
}

/**
 * What a client may write to an evaluation (`PUT …/evaluations/:kind`): its rows, each actual's date a
 * real day within the sheet's fiscal year ([S20]).
 */
export function evaluationInputSchema(fiscalYear: number) {
  const { first, last } = fiscalYearDates(fiscalYear)
  return z.strictObject({
    rows: z.array(evaluationRowSchema).max(500).superRefine((rows, ctx) => {
      rows.forEach((row, i) => {
        row.actuals.forEach((actual, j) => {
          if (actual.date === null) return
          if (!validDate(actual.date)) ctx.addIssue({ code: 'custom', path: [i, 'actuals', j, 'date'], message: 'bad_date' })
          else if (actual.date < first || actual.date > last) ctx.addIssue({ code: 'custom', path: [i, 'actuals', j, 'date'], message: 'date_outside_year' })
        })
      })
    }),
  })
}

/** The canonical JSON of an evaluation, hashed at approval as plan versions are ([S13], [S20]). */
export const evaluationDocumentSchema = z.strictObject({
  format: z.literal(EVALUATION_FORMAT),
  kind: z.enum(evaluationKinds),
  department: z.strictObject({ id, name: z.string() }),
  fiscalYear: z.number().int(),
  /** The approved plan version evaluated. */
  planVersion: z.number().int().min(1),
  rows: z.array(evaluationRowSchema),
})
export type EvaluationDocument = z.infer<typeof evaluationDocumentSchema>

/** The plan's measures and projects in order, as the rows an evaluation has. */
function planRows(doc: Y.Doc): { kind: 'measure' | 'project'; rowId: string }[] {
  return [
    ...orderedRowIds(doc, 'measures').map((rowId) => ({ kind: 'measure' as const, rowId })),
    ...orderedRowIds(doc, 'projects').map((rowId) => ({ kind: 'project' as const, rowId })),
  ]
}

/**
 * Gives every measure and project of the plan its row in the evaluation (idempotent: only missing rows
 * are made). The server does this when it opens an evaluation, so that clients never race to create a
 * row's containers (two maps made at once under one key: one wins, the other's content is lost).
 */
export function openEvaluationRows(doc: Y.Doc, kind: EvaluationKind): number {
  const map = evaluationMap(doc, kind)
  let made = 0
  doc.transact(() => {
    for (const { kind: rowKind, rowId } of planRows(doc)) {
      if (map.get(rowId) instanceof Y.Map) continue
      const entry = new Y.Map<unknown>()
      map.set(rowId, entry)
      entry.set('kind', rowKind)
      entry.set('status', null)
      entry.set('done', new Y.XmlFragment())
      entry.set('next', new Y.XmlFragment())
      entry.set('actuals', new Y.Map())
      made++
    }
  })
  return made
}

/** One row's entry in an evaluation, if it has one. */
export function evaluationEntry(doc: Y.Doc, kind: EvaluationKind, rowId: string): Y.Map<unknown> | undefined {
  const entry = evaluationMap(doc, kind).get(rowId)
  return entry instanceof Y.Map ? entry : undefined
}

export function evaluationText(entry: Y.Map<unknown> | undefined, field: 'done' | 'next'): Y.XmlFragment | undefined {
  const value = entry?.get(field)
  return value instanceof Y.XmlFragment ? value : undefined
}

export function setEvaluationStatus(doc: Y.Doc, kind: EvaluationKind, rowId: string, status: EvaluationStatus | null): void {
  const entry = evaluationEntry(doc, kind, rowId)
  if (entry && entry.get('status') !== status) entry.set('status', status)
}

/**
 * The keys of an actual's two parts in a row's `actuals` map ([S20]): the value and its date each under a
 * key of its own, so that two people writing them at once (one the 実績値, the other its 時点) both keep
 * theirs. Documents from before keep one object `{ value, date }` under the indicator's id; it is still
 * read, under whichever part has a key of its own.
 */
const actualKeys = (indicatorId: string) => ({ value: `${indicatorId}:value`, date: `${indicatorId}:date` })

/** Sets the given parts of one indicator's actual (only those that differ from what the document has). */
export function setActual(doc: Y.Doc, kind: EvaluationKind, rowId: string, indicatorId: string, actual: { value?: number | null; date?: string | null }): void {
  const actuals = evaluationEntry(doc, kind, rowId)?.get('actuals')
  if (actuals instanceof Y.Map) doc.transact(() => writeActual(actuals, indicatorId, actual))
}

function writeActual(actuals: Y.Map<unknown>, indicatorId: string, actual: { value?: number | null; date?: string | null }): void {
  const now = readActual(actuals, indicatorId)
  const keys = actualKeys(indicatorId)
  if (actual.value !== undefined && (now.value !== actual.value || !actuals.has(keys.value))) actuals.set(keys.value, actual.value)
  if (actual.date !== undefined && (now.date !== actual.date || !actuals.has(keys.date))) actuals.set(keys.date, actual.date)
}

/** One indicator's actual as the document has it (its parts' own keys first, then the older whole object). */
export function actualOf(actuals: unknown, indicatorId: string): { value: number | null; date: string | null } {
  const { value, date } = readActual(actuals, indicatorId)
  return { value, date }
}

const statusOf = (value: unknown): EvaluationStatus | null =>
  (evaluationStatuses as readonly unknown[]).includes(value) ? (value as EvaluationStatus) : null

function readActual(actuals: unknown, indicatorId: string): Actual {
  const map = actuals instanceof Y.Map ? (actuals as Y.Map<unknown>) : undefined
  const whole = map?.get(indicatorId)
  const record = whole && typeof whole === 'object' ? (whole as { value?: unknown; date?: unknown }) : {}
  const keys = actualKeys(indicatorId)
  const rawValue = map?.has(keys.value) ? map.get(keys.value) : record.value
  const rawDate = map?.has(keys.date) ? map.get(keys.date) : record.date
  const value = typeof rawValue === 'number' && Number.isFinite(rawValue) && Math.abs(rawValue) <= 1e12 ? rawValue : null
  const date = typeof rawDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(rawDate) ? rawDate : null
  return { indicatorId, value, date }
}

/**
 * An evaluation's rows, in the plan's order (measures, then projects), each with one actual per
 * indicator of its row; tolerant as [S9] (an unknown status reads as null, a malformed value as null).
 */
export function docToEvaluation(doc: Y.Doc, kind: EvaluationKind): EvaluationRow[] {
  return planRows(doc).map(({ kind: rowKind, rowId }) => {
    const entry = evaluationEntry(doc, kind, rowId)
    const row = rowMap(doc, rowKind === 'measure' ? 'measures' : 'projects').get(rowId)
    const actuals = entry?.get('actuals')
    const done = evaluationText(entry, 'done')
    const next = evaluationText(entry, 'next')
    return {
      kind: rowKind,
      rowId,
      status: statusOf(entry?.get('status')),
      actuals: orderedIndicatorIds(row).map((indicatorId) => readActual(actuals, indicatorId)),
      done: done ? readFieldText(done) : '',
      next: next ? readFieldText(next) : '',
    }
  })
}

/** The evaluation as its canonical JSON reads it, for hashing at approval. */
export function evaluationDocument(doc: Y.Doc, kind: EvaluationKind, planVersion: number): EvaluationDocument {
  const meta = metaMap(doc)
  const str = (key: string) => {
    const v = meta.get(key)
    return typeof v === 'string' ? v : ''
  }
  const year = meta.get('fiscalYear')
  return {
    format: EVALUATION_FORMAT,
    kind,
    department: { id: str('departmentId'), name: str('departmentName') },
    fiscalYear: typeof year === 'number' ? year : 0,
    planVersion,
    rows: docToEvaluation(doc, kind),
  }
}

/**
 * Writes rows into an open evaluation, changing only what differs; rows and indicators the plan does not
 * have are ignored (the caller refuses them first). One transaction with `origin`.
 */
export function applyEvaluationToDoc(doc: Y.Doc, kind: EvaluationKind, rows: readonly EvaluationRow[], origin: unknown = null): void {
  doc.transact(() => {
    openEvaluationRows(doc, kind)
    for (const row of rows) {
      const entry = evaluationEntry(doc, kind, row.rowId)
      if (!entry) continue
      if (entry.get('status') !== row.status) entry.set('status', row.status)
      for (const field of ['done', 'next'] as const) {
        const fragment = evaluationText(entry, field)
        if (fragment && readFieldText(fragment) !== row[field]) writeFieldText(fragment, row[field])
      }
      const actuals = entry.get('actuals')
      if (!(actuals instanceof Y.Map)) continue
      for (const actual of row.actuals) {
        const now = readActual(actuals, actual.indicatorId)
        if (now.value !== actual.value || now.date !== actual.date) writeActual(actuals, actual.indicatorId, actual)
      }
    }
  }, origin)
}
