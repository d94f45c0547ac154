import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { kikakuZaisei2025 } from './demo/index.js'
import {
  applyEvaluationToDoc,
  docToEvaluation,
  evaluationDocument,
  evaluationInputSchema,
  evaluationText,
  evaluationEntry,
  openEvaluationRows,
  setActual,
  setEvaluationStatus,
} from './evaluation.js'
import { insertIndicator, sheetToDoc, touchedFields, writeFieldText } from './ydoc.js'

function evaluated() {
  const doc = sheetToDoc(kikakuZaisei2025)
  const indicator = insertIndicator(doc, 'measures', 'measure-2', { name: '社会増減数', unit: '人' })
  return { doc, indicator }
}

describe('[S20] evaluations', () => {
  it('opening gives every measure and project its row, once; the rows follow the plan with one actual per indicator', () => {
    const { doc, indicator } = evaluated()
    expect(openEvaluationRows(doc, 'midyear')).toBe(kikakuZaisei2025.measures.length + kikakuZaisei2025.projects.length)
    expect(openEvaluationRows(doc, 'midyear')).toBe(0)
    const rows = docToEvaluation(doc, 'midyear')
    expect(rows.map((r) => r.rowId)).toEqual([...kikakuZaisei2025.measures.map((m) => m.id), ...kikakuZaisei2025.projects.map((p) => p.id)])
    expect(rows[1]).toEqual({ kind: 'measure', rowId: 'measure-2', status: null, actuals: [{ indicatorId: indicator, value: null, date: null }], done: '', next: '' })
    // The year-end evaluation is its own map.
    expect(docToEvaluation(doc, 'yearend').every((r) => r.status === null)).toBe(true)
  })

  it('round-trips status, actuals and texts through the Y.Doc, a peer and JSON', () => {
    const { doc, indicator } = evaluated()
    openEvaluationRows(doc, 'midyear')
    setEvaluationStatus(doc, 'midyear', 'measure-2', 'below')
    setActual(doc, 'midyear', 'measure-2', indicator, { value: -12.5, date: '2025-09-30' })
    writeFieldText(evaluationText(evaluationEntry(doc, 'midyear', 'measure-2'), 'done')!, '移住相談会を2回開催')
    writeFieldText(evaluationText(evaluationEntry(doc, 'midyear', 'project-1'), 'next')!, '後期の進捗管理を\n四半期ごとに')
    const rows = docToEvaluation(doc, 'midyear')
    expect(rows[1]).toMatchObject({ status: 'below', actuals: [{ indicatorId: indicator, value: -12.5, date: '2025-09-30' }], done: '移住相談会を2回開催' })
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    expect(docToEvaluation(peer, 'midyear')).toEqual(rows)
    // JSON back into another document changes it to the same rows; into the same, nothing.
    const other = sheetToDoc(kikakuZaisei2025)
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    applyEvaluationToDoc(doc, 'midyear', rows)
    expect(updates).toEqual([])
    expect(evaluationDocument(doc, 'midyear', 1)).toMatchObject({ format: 'hoshin.evaluation/v1', kind: 'midyear', fiscalYear: 2025, planVersion: 1, department: { id: 'kikaku-zaisei' } })
  })

  it('reads a status outside the scale and malformed actuals as null; edits are attributed to the evaluation’s row', () => {
    const { doc, indicator } = evaluated()
    openEvaluationRows(doc, 'yearend')
    const seen: string[] = []
    doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(...touchedFields(tr).map((f) => `${f.part}/${f.rowId}/${f.field}`)))
    evaluationEntry(doc, 'yearend', 'measure-2')!.set('status', 'excellent')
    ;(evaluationEntry(doc, 'yearend', 'measure-2')!.get('actuals') as Y.Map<unknown>).set(indicator, { value: 'abc', date: 'soon' })
    expect(docToEvaluation(doc, 'yearend')[1]).toMatchObject({ status: null, actuals: [{ indicatorId: indicator, value: null, date: null }] })
    expect(seen).toEqual(['yearendEvaluation/measure-2/status', 'yearendEvaluation/measure-2/actuals'])
  })

  it('two people writing an actual’s value and its date at once both keep theirs; a document’s older whole-object actuals still read', () => {
    const { doc, indicator } = evaluated()
    openEvaluationRows(doc, 'midyear')
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    for (const peer of [a, b]) Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    // Concurrently: neither has seen the other's change when it makes its own.
    setActual(a, 'midyear', 'measure-2', indicator, { date: '2025-09-30' })
    setActual(b, 'midyear', 'measure-2', indicator, { value: 64 })
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    for (const peer of [a, b]) expect(docToEvaluation(peer, 'midyear')[1]!.actuals).toEqual([{ indicatorId: indicator, value: 64, date: '2025-09-30' }])

    // Written before the parts had keys of their own: one object under the indicator's id.
    const old = evaluated()
    openEvaluationRows(old.doc, 'midyear')
    const actuals = evaluationEntry(old.doc, 'midyear', 'measure-2')!.get('actuals') as Y.Map<unknown>
    actuals.set(old.indicator, { value: 12, date: '2025-08-01' })
    expect(docToEvaluation(old.doc, 'midyear')[1]!.actuals).toEqual([{ indicatorId: old.indicator, value: 12, date: '2025-08-01' }])
    // A part written now goes under its own key; the other part still reads from the object.
    setActual(old.doc, 'midyear', 'measure-2', old.indicator, { value: 13 })
    expect(docToEvaluation(old.doc, 'midyear')[1]!.actuals).toEqual([{ indicatorId: old.indicator, value: 13, date: '2025-08-01' }])
    setActual(old.doc, 'midyear', 'measure-2', old.indicator, { date: null })
    expect(docToEvaluation(old.doc, 'midyear')[1]!.actuals).toEqual([{ indicatorId: old.indicator, value: 13, date: null }])
  })

  it('the input schema refuses a status outside the scale, a date outside the fiscal year and a non-date', () => {
    const schema = evaluationInputSchema(2025)
    const row = { kind: 'measure', rowId: 'measure-2', status: 'onTrack', actuals: [{ indicatorId: 'i', value: 3, date: '2026-03-31' }], done: '', next: '' }
    expect(schema.safeParse({ rows: [row] }).success).toBe(true)
    expect(schema.safeParse({ rows: [{ ...row, status: 'excellent' }] }).error?.issues[0]?.path).toEqual(['rows', 0, 'status'])
    const late = schema.safeParse({ rows: [{ ...row, actuals: [{ indicatorId: 'i', value: 3, date: '2026-04-01' }] }] })
    expect(late.error?.issues[0]).toMatchObject({ path: ['rows', 0, 'actuals', 0, 'date'], message: 'date_outside_year' })
    const early = schema.safeParse({ rows: [{ ...row, actuals: [{ indicatorId: 'i', value: 3, date: '2025-03-31' }] }] })
    expect(early.error?.issues[0]?.message).toBe('date_outside_year')
    expect(schema.safeParse({ rows: [{ ...row, actuals: [{ indicatorId: 'i', value: 3, date: '2025-02-30' }] }] }).error?.issues[0]?.message).toBe('bad_date')
  })
})
