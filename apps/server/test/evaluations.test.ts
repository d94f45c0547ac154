import { createHash } from 'node:crypto'
import { type EvaluationResponse, type EvaluationSummary, type EvaluationVersionResponse, ErrorCode, type SheetSummary } from '@hoshin/protocol'
import {
  canonicalJson,
  docToEvaluation,
  docToSheet,
  evaluationEntry,
  evaluationText,
  insertIndicator,
  LAYOUT,
  layoutOf,
  metaMap,
  readIndicators,
  setEvaluationStatus,
  writeFieldText,
} from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyStored } from '../src/persistence/document-store.js'
import type { RunningServer } from '../src/server.js'
import { type CollabClient, cellText, collabClient, eventually, roundTrip } from './collab-harness.js'
import { logins, startTestServer } from './harness.js'

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

/** The sheet's stored document (state and log), as a fresh process would load it. */
async function storedDoc(server: RunningServer, sheetId: string): Promise<Y.Doc> {
  await server.services.documents.updateLog.flush()
  return applyStored(new Y.Doc(), await server.services.stores.documents.load(sheetId))
}

async function approvePlan(as: (u: string) => Promise<import('./harness.js').TestClient>, sheetId: string) {
  expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
  expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
}

const sent = (client: CollabClient, kind: string) => client.messages.some((m) => m.kind === kind)
/** The server says read-only at attach, before its sync step 1: once synced, no session message means writable. */
const writable = (client: CollabClient) => client.session === undefined || client.session.readOnly === false

describe('the evaluation workflow, per role', () => {
  let server: RunningServer
  let sheetId: string
  let indicatorId: string
  const as = logins(() => server)

  beforeAll(async () => {
    server = await startTestServer()
    sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
    // One indicator on 施策 2, so that an actual value has something to belong to.
    indicatorId = await server.services.documents.change(sheetId, (doc) => insertIndicator(doc, 'measures', 'measure-2', { name: '移住相談件数', unit: '件', target: 150 }))
  })

  it('opens only on an approved sheet, and only for the department', async () => {
    const kikaku = await as('kikaku')
    const draft = await kikaku.post<{ error: { code: string } }>(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
    expect(draft.status).toBe(409)
    expect(draft.body.error.code).toBe(ErrorCode.InvalidTransition)
    await approvePlan(as, sheetId)

    for (const user of ['planning', 'admin']) {
      const res = await (await as(user)).post<{ error: { code: string } }>(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
      expect(res.status, user).toBe(403)
    }
    const somu = await (await as('somu')).post(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
    expect([403, 404]).toContain(somu.status)
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations`, { kind: 'quarterly' })).status).toBe(400)
    expect((await server.services.stores.evaluations.list(sheetId)).length).toBe(0)

    const opened = await kikaku.post<EvaluationSummary>(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
    expect(opened.status).toBe(201)
    expect(opened.body).toMatchObject({ kind: 'midyear', status: 'draft', planVersion: 1, canEdit: true, actions: ['submit'] })
    // Opening again is harmless: the same evaluation, not a second one.
    const again = await (await as('chiiki')).post<EvaluationSummary>(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
    expect(again.status).toBe(200)
    expect(again.body.openedBy.id).toBe(opened.body.openedBy.id)
  })

  it('has one row per measure and project of the approved plan, and refuses bad input by a stable code', async () => {
    const kikaku = await as('kikaku')
    const plan = (await kikaku.get<{ sheet: { measures: { id: string }[]; projects: { id: string }[] } }>(`/api/sheets/${sheetId}/versions/1`)).body.sheet
    const evaluation = (await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body
    expect(evaluation.rows.map((r) => r.rowId)).toEqual([...plan.measures.map((m) => m.id), ...plan.projects.map((p) => p.id)])
    expect(evaluation.rows.every((r) => r.status === null && r.done === '' && r.next === '')).toBe(true)
    expect(evaluation.rows.find((r) => r.rowId === 'measure-2')!.actuals).toEqual([{ indicatorId, value: null, date: null }])

    const put = (user: string, rows: unknown) => as(user).then((c) => c.request<{ error: { code: string; message: string } }>('PUT', `/api/sheets/${sheetId}/evaluations/midyear`, { json: { rows } }))
    const row = { kind: 'measure', rowId: 'measure-2', status: 'above', actuals: [{ indicatorId, value: 180, date: '2025-09-30' }], done: '相談会を6回開催', next: '若年層への周知' }
    const bad = [
      [{ ...row, status: 'great' }, '計画以上'],
      [{ ...row, actuals: [{ indicatorId, value: 1, date: '2026-04-01' }] }, '年度'],
      [{ ...row, actuals: [{ indicatorId, value: 1, date: '2025-02-30' }] }, '日付'],
      [{ ...row, rowId: 'measure-404' }, '方針にない行'],
      [{ ...row, actuals: [{ indicatorId: 'nope', value: 1, date: null }] }, 'その行にない指標'],
    ] as const
    for (const [input, words] of bad) {
      const res = await put('chiiki', [input])
      expect(res.status, JSON.stringify(input)).toBe(400)
      expect(res.body.error.code).toBe(ErrorCode.ValidationFailed)
      expect(res.body.error.message).toContain(words)
    }
    expect((await put('somu', [row])).status).toBeGreaterThanOrEqual(403)
    expect((await put('planning', [row])).status).toBe(403)
    // Nothing of the refused writes reached the document.
    expect((await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body.rows.every((r) => r.status === null)).toBe(true)

    const ok = await put('chiiki', [row])
    expect(ok.status).toBe(200)
    const written = (await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body.rows.find((r) => r.rowId === 'measure-2')
    expect(written).toEqual(row)
  })

  it('keeps the plan frozen while it is written: its socket takes the evaluation map only', async () => {
    const planBefore = await server.services.documents.read(sheetId, (doc) => canonicalJson(docToSheet(doc)))
    // A transaction that touches the plan is kept aside whole, the status written with it too.
    const mixed = collabClient(server.url, sheetId, await as('chiiki'))
    await mixed.synced()
    expect(writable(mixed)).toBe(true)
    mixed.doc.transact(() => {
      cellText(mixed.doc, 'measures', 'measure-1', 'name').insert(0, '改変')
      setEvaluationStatus(mixed.doc, 'midyear', 'measure-1', 'onTrack')
    })
    await roundTrip(mixed)
    // Another section's change to the evaluation alone goes through, and reaches the first socket.
    const zero = collabClient(server.url, sheetId, await as('zero'))
    await zero.synced()
    writeFieldText(evaluationText(evaluationEntry(zero.doc, 'midyear', 'project-1'), 'done')!, '地域おこし協力隊 2名着任')
    await eventually(() => docToEvaluation(mixed.doc, 'midyear').find((r) => r.rowId === 'project-1')?.done === '地域おこし協力隊 2名着任')
    const stored = await storedDoc(server, sheetId)
    expect(canonicalJson(docToSheet(stored))).toBe(planBefore)
    const rows = docToEvaluation(stored, 'midyear')
    expect(rows.find((r) => r.rowId === 'project-1')!.done).toBe('地域おこし協力隊 2名着任')
    expect(rows.find((r) => r.rowId === 'measure-1')!.status).toBeNull()
    // A revision of the plan waits until the evaluation is approved.
    const reopen = await (await as('kacho')).post(`/api/sheets/${sheetId}/reopen`)
    expect(reopen.status).toBe(409)
  })

  it('submit, return and approve follow the roles; the approved one is hashed and frozen', async () => {
    const [kikaku, chiiki, kacho, planning] = [await as('kikaku'), await as('chiiki'), await as('kacho'), await as('planning')]
    const step = (client: typeof kikaku, action: string, body?: unknown) => client.post<EvaluationSummary & { code?: string }>(`/api/sheets/${sheetId}/evaluations/midyear/${action}`, body)
    expect((await step(planning, 'submit')).status).toBe(403)
    expect((await step(kikaku, 'approve')).status).toBe(403)
    expect((await step(kacho, 'approve')).status).toBe(409)
    const submitted = await step(chiiki, 'submit')
    expect(submitted.status).toBe(200)
    expect(submitted.body.status).toBe('submitted')
    expect((await step(kikaku, 'submit')).status).toBe(409)
    expect((await step(kikaku, 'return', { reason: '実績を追記' })).status).toBe(403)
    const returned = await step(kacho, 'return', { reason: '実績を追記してください' })
    expect(returned.status).toBe(200)
    expect(returned.body).toMatchObject({ status: 'draft', returnedReason: '実績を追記してください' })
    expect((await step(kikaku, 'submit')).status).toBe(200)
    expect((await kacho.get<EvaluationSummary[]>(`/api/sheets/${sheetId}/evaluations`)).body).toMatchObject({ evaluations: [{ kind: 'midyear', status: 'submitted', actions: ['return', 'approve'] }] })

    const approved = await step(kacho, 'approve')
    expect(approved.status).toBe(201)
    expect(approved.body.status).toBe('approved')
    const version = (await kikaku.get<EvaluationVersionResponse>(`/api/sheets/${sheetId}/evaluations/midyear/version`)).body
    expect(version.sha256).toBe(approved.body.version!.sha256)
    expect(sha(canonicalJson(version.evaluation))).toBe(version.sha256)
    expect(version.evaluation).toMatchObject({ format: 'hoshin.evaluation/v1', kind: 'midyear', fiscalYear: 2025, planVersion: 1 })

    const audit = await server.db.all<{ action: string }>('SELECT action FROM audit_log WHERE target = ?', [sheetId])
    const actions = audit.map((e) => e.action)
    for (const action of ['evaluation.open', 'evaluation.submit', 'evaluation.return', 'evaluation.approve', 'evaluation.submit.refused', 'evaluation.approve.refused']) expect(actions, action).toContain(action)
  })

  it('once approved, every path is refused and its hash holds', async () => {
    const [kikaku, chiiki, kacho] = [await as('kikaku'), await as('chiiki'), await as('kacho')]
    const version = (await kikaku.get<EvaluationVersionResponse>(`/api/sheets/${sheetId}/evaluations/midyear/version`)).body
    const liveSha = () => server.services.documents.read(sheetId, (doc) => docToEvaluation(doc, 'midyear'))

    const put = await chiiki.request<{ error: { code: string } }>('PUT', `/api/sheets/${sheetId}/evaluations/midyear`, { json: { rows: [{ rowId: 'measure-1', status: 'below', actuals: [], done: '', next: '' }] } })
    expect(put.status).toBe(409)
    expect(put.body.error.code).toBe(ErrorCode.SheetFrozen)
    for (const [client, action] of [[kikaku, 'submit'], [kacho, 'approve'], [kacho, 'return']] as const) {
      expect((await client.post(`/api/sheets/${sheetId}/evaluations/midyear/${action}`, { reason: 'x' })).status, action).toBeGreaterThanOrEqual(403)
    }

    // A socket's change to the approved evaluation's map is kept aside as a late change, never applied.
    const socket = collabClient(server.url, sheetId, chiiki)
    await socket.synced()
    await eventually(() => socket.session?.readOnly === true && socket.session.reason === 'approved')
    const rowsBefore = await liveSha()
    writeFieldText(evaluationText(evaluationEntry(socket.doc, 'midyear', 'project-2'), 'next')!, '承認後の書き換え')
    setEvaluationStatus(socket.doc, 'midyear', 'measure-2', 'below')
    await roundTrip(socket)
    await eventually(() => sent(socket, 'late-kept'))
    expect(await liveSha()).toEqual(rowsBefore)
    const stored = await storedDoc(server, sheetId)
    expect(docToEvaluation(stored, 'midyear')).toEqual(rowsBefore)
    expect((await kikaku.get<EvaluationVersionResponse>(`/api/sheets/${sheetId}/evaluations/midyear/version`)).body).toEqual(version)
    const rows = (await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body.rows
    expect(rows).toEqual((version.evaluation as { rows: unknown }).rows)
    // Its author finds the kept change named by row and field, to copy; it cannot go into a revision.
    const sets = (await chiiki.get<{ sets: { canCarry: boolean; changes: { summary: string }[] }[] }>(`/api/sheets/${sheetId}/rejected`)).body.sets
    const summaries = sets.flatMap((set) => set.changes.map((c) => c.summary))
    const project2 = (await kikaku.get<{ sheet: { projects: { name: string }[] } }>(`/api/sheets/${sheetId}/versions/1`)).body.sheet.projects[1]!.name
    expect(summaries).toContain(`中間評価 ／ 事務事業 2 ${project2} ／ 課題・改善: （空欄） → 「承認後の書き換え」`)
    expect(summaries.some((s) => s.startsWith('中間評価 ／ 施策 2 ') && s.endsWith('評価: 計画以上 → 計画未満'))).toBe(true)
    expect(sets.every((set) => !set.canCarry)).toBe(true)

    // The year-end evaluation is a separate one: opening it makes its own map writable, and only it.
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations`, { kind: 'yearend' })).status).toBe(201)
    await eventually(() => socket.session?.readOnly === false)
    // (A client whose update was kept aside reloads, as the page does at 'late-kept': later updates of
    // the same client would rest on the refused one.)
    const fresh = collabClient(server.url, sheetId, chiiki)
    await fresh.synced()
    setEvaluationStatus(fresh.doc, 'yearend', 'measure-3', 'above')
    await eventually(async () => (await server.services.documents.read(sheetId, (doc) => docToEvaluation(doc, 'yearend'))).find((r) => r.rowId === 'measure-3')?.status === 'above')
    setEvaluationStatus(fresh.doc, 'midyear', 'measure-3', 'below')
    await roundTrip(fresh)
    expect(await liveSha()).toEqual(rowsBefore)
  })
})

describe('layouts ([S19])', () => {
  let server: RunningServer
  let sheetId: string
  const as = logins(() => server)

  beforeAll(async () => {
    server = await startTestServer()
    sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  })

  for (const [name, layout] of [['no layout at all', null], ['an older layout', LAYOUT - 1]] as const) {
    it(`a client naming ${name} reads, and its update never reaches the stored state`, async () => {
      const old = collabClient(server.url, sheetId, await as('kikaku'), { layout })
      const current = collabClient(server.url, sheetId, await as('chiiki'))
      await Promise.all([old.synced(), current.synced()])
      await eventually(() => old.session?.readOnly === true && old.session.reason === 'outdated')
      expect(writable(current)).toBe(true)
      const before = canonicalJson(docToSheet(await storedDoc(server, sheetId)))
      cellText(old.doc, 'measures', 'measure-1', 'name').insert(0, '旧画面から')
      await roundTrip(old)
      // The current client's edit still goes through: the server did handle the old client's message first.
      cellText(current.doc, 'measures', 'measure-3', 'name').insert(0, '現行')
      await eventually(async () => (await server.services.documents.read(sheetId, (doc) => docToSheet(doc).measures[2]!.name)).startsWith('現行'))
      const after = docToSheet(await storedDoc(server, sheetId))
      expect(after.measures[0]!.name).toBe(JSON.parse(before).measures[0].name)
      expect(after.measures[0]!.name).not.toContain('旧画面から')
      expect(current.doc.getMap('measures').toJSON()).toBeDefined()
      expect(docToSheet(current.doc).measures[0]!.name).not.toContain('旧画面から')
      // Undo this test's own edit so the next case starts from the same text.
      await server.services.documents.change(sheetId, (doc) => cellText(doc, 'measures', 'measure-3', 'name').delete(0, 2))
    })
  }

  it('a stored document of an unknown future layout opens read-only for everyone and its bytes are never rewritten', async () => {
    const { documents, stores } = server.services
    const somuSheet = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
    // Write layout 99 as a future server would have, then let the registry load it afresh.
    await documents.change(somuSheet, (doc) => metaMap(doc).set('layout', 99))
    await documents.updateLog.flush()
    await eventually(async () => (await documents.live(somuSheet)) === undefined)
    const bytes = async () => {
      await documents.updateLog.flush()
      const stored = await stores.documents.load(somuSheet)
      return Buffer.concat([Buffer.from(stored.state ?? []), ...stored.updates.map((u) => Buffer.from(u))]).toString('base64')
    }
    const original = await bytes()

    const somu = collabClient(server.url, somuSheet, await as('somu'))
    await somu.synced()
    await eventually(() => somu.session?.readOnly === true && somu.session.reason === 'layout')
    expect(layoutOf(somu.doc)).toBe(99)
    cellText(somu.doc, 'measures', docToSheet(somu.doc).measures[0]!.id, 'name').insert(0, '書き換え')
    await roundTrip(somu)
    const write = await (await as('somu')).request<{ error: { code: string } }>('POST', `/api/sheets/${somuSheet}/import`, {
      json: (await (await as('somu')).get(`/api/sheets/${somuSheet}/export.json`)).body,
    })
    expect(write.status).toBeGreaterThanOrEqual(400)
    somu.destroy()
    await eventually(async () => (await documents.live(somuSheet)) === undefined)
    expect(await bytes()).toBe(original)
    // And the sheet still reads: the list shows it, the export answers.
    const list = (await (await as('somu')).get<{ sheets: SheetSummary[] }>('/api/sheets')).body.sheets
    expect(list.some((s) => s.id === somuSheet)).toBe(true)
  })

  it('a stored layout-1 document is migrated at load, once, under its own origin, and loses nothing', async () => {
    const { documents, stores } = server.services
    const zaimuSheet = (await stores.sheets.list()).find((s) => s.fiscalYear === 2025 && s.departmentId !== 'somu' && s.departmentId !== 'kikaku-zaisei')
    const target = zaimuSheet?.id ?? sheetId
    // Take the stored document back to layout 1: no meta.layout, no indicators containers.
    const doc = await storedDoc(server, target)
    const before = docToSheet(doc)
    const v1 = new Y.Doc()
    Y.applyUpdate(v1, Y.encodeStateAsUpdate(doc))
    v1.transact(() => {
      metaMap(v1).delete('layout')
      for (const list of ['measures', 'projects'] as const) for (const row of v1.getMap<Y.Map<unknown>>(list).values()) row.delete('indicators')
    })
    await eventually(async () => (await documents.live(target)) === undefined)
    await stores.documents.replaceState(target, Y.encodeStateAsUpdate(v1))
    expect(layoutOf(applyStored(new Y.Doc(), await stores.documents.load(target)))).toBe(1)

    const a = collabClient(server.url, target, await as('kikaku'))
    await a.synced()
    expect(layoutOf(a.doc)).toBe(LAYOUT)
    const migrated = docToSheet(a.doc)
    expect(canonicalJson(migrated)).toBe(canonicalJson(before))
    for (const list of ['measures', 'projects'] as const) {
      for (const row of a.doc.getMap<Y.Map<unknown>>(list).values()) {
        expect(row.get('indicators')).toBeInstanceOf(Y.Map)
        expect(readIndicators(row)).toEqual([])
      }
    }
    a.destroy()
    await eventually(async () => (await documents.live(target)) === undefined)
    // Loaded again: already migrated, nothing more to write.
    const logBefore = await stores.documents.logLength(target)
    const b = collabClient(server.url, target, await as('kikaku'))
    await b.synced()
    await roundTrip(b)
    await documents.updateLog.flush()
    expect(await stores.documents.logLength(target)).toBe(logBefore)
  })
})
