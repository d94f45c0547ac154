import type {
  BoardEvaluation,
  EvaluationResponse,
  EvaluationStatusCounts,
  EvaluationVersionResponse,
  OpenYearResponse,
  OverviewResponse,
  PreviousYearResponse,
} from '@hoshin/protocol'
import { docToEvaluation, type EvaluationDocument, insertIndicator, type Sheet, setEvaluationStatus } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { eventStream } from './event-stream.js'
import { logins, startTestServer } from './harness.js'

// Issue 16 (plan, do, check): the board counts each department's 中間評価 and 年度末評価, and next year's
// carried-forward draft shows last year's year-end status and 課題・改善 beside its rows.

let server: RunningServer
const as = logins(() => server)
let kikaku2025: string
let somu2025: string
/** The approved 令和7年度 plan of 企画財政課, with its 成果指標. */
let approved: Sheet

const overview = async (year = 2025, user = 'planning') => {
  const res = await (await as(user)).get<OverviewResponse>(`/api/fiscal-years/${year}/overview`)
  expect(res.status).toBe(200)
  return res.body
}
const lineOf = (board: OverviewResponse, sheetId: string) => board.sheets.find((s) => s.id === sheetId)!
const counts = (partial: Partial<EvaluationStatusCounts>): EvaluationStatusCounts => ({ above: 0, onTrack: 0, below: 0, unknown: 0, none: 0, ...partial })
/** Rows counted by kind and status, as the board should count them. */
function countRows(rows: EvaluationDocument['rows']): Omit<BoardEvaluation, 'state'> {
  const measures = counts({})
  const projects = counts({})
  for (const row of rows) (row.kind === 'measure' ? measures : projects)[row.status ?? 'none']++
  return { measures, projects }
}
const sum = (a: EvaluationStatusCounts, b: EvaluationStatusCounts) => counts(Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof typeof a] + b[k as keyof typeof b]])))

type RowInput = { kind: 'measure' | 'project'; rowId: string; status: string | null; next?: string }
const put = async (sheetId: string, kind: string, rows: RowInput[]) => {
  const res = await (await as('kikaku')).request<EvaluationResponse>('PUT', `/api/sheets/${sheetId}/evaluations/${kind}`, {
    json: { rows: rows.map((r) => ({ actuals: [], done: '', next: '', ...r })) },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  // 成果指標 typed live into 施策 1 and 事務事業 2 before the plan is approved.
  const client = collabClient(server.url, kikaku2025, await as('kikaku'))
  await client.synced()
  insertIndicator(client.doc, 'measures', 'measure-1', { name: '移住相談件数', unit: '件', baseline: 80, baselineYear: 2024, target: 120, source: '相談窓口の記録' })
  insertIndicator(client.doc, 'measures', 'measure-1', { name: '移住者数', unit: '人', kind: 'outcome', target: 30 })
  insertIndicator(client.doc, 'projects', 'project-2', { name: '利用率', unit: '％', kind: 'activity', baseline: 45.5, target: 60 })
  const exported = async () => (await (await as('kikaku')).get<Sheet>(`/api/sheets/${kikaku2025}/export.json`)).body
  await eventually(async () => (await exported()).projects.find((p) => p.id === 'project-2')?.indicators.length === 1)
  client.destroy()
  expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
  expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/approve`)).status).toBe(201)
  approved = await exported()
  expect(approved.measures[0]!.indicators).toHaveLength(2)
})

describe('evaluation progress on the board', () => {
  it('before any evaluation: nothing started, every measure and project 未評価, for the town too', async () => {
    const board = await overview()
    for (const line of board.sheets) {
      for (const kind of ['midyear', 'yearend'] as const) {
        expect(line.evaluations[kind], `${line.department.name} ${kind}`).toEqual({
          state: null,
          measures: counts({ none: line.measures }),
          projects: counts({ none: line.projects }),
        })
      }
    }
    const measures = board.sheets.reduce((n, s) => n + s.measures, 0)
    const projects = board.sheets.reduce((n, s) => n + s.projects, 0)
    expect(board.evaluationTotals.midyear).toEqual({ measures: counts({ none: measures }), projects: counts({ none: projects }) })
    expect(board.evaluationTotals.yearend).toEqual(board.evaluationTotals.midyear)
  })

  it('an open 中間評価 counts from the live document and follows a status set in a browser', async () => {
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/evaluations`, { kind: 'midyear' })).status).toBe(201)
    const opened = lineOf(await overview(), kikaku2025)
    expect(opened.evaluations.midyear).toEqual({ state: 'draft', measures: counts({ none: approved.measures.length }), projects: counts({ none: approved.projects.length }) })
    expect(opened.evaluations.yearend.state).toBeNull()

    await put(kikaku2025, 'midyear', [
      { kind: 'measure', rowId: 'measure-1', status: 'above' },
      { kind: 'measure', rowId: 'measure-2', status: 'onTrack' },
      { kind: 'measure', rowId: 'measure-3', status: 'below' },
      { kind: 'project', rowId: 'project-1', status: 'unknown' },
      { kind: 'project', rowId: 'project-2', status: 'onTrack' },
      { kind: 'project', rowId: 'project-3', status: 'onTrack' },
    ])
    const written = lineOf(await overview(), kikaku2025).evaluations.midyear
    expect(written).toEqual({
      state: 'draft',
      measures: counts({ above: 1, onTrack: 1, below: 1, none: approved.measures.length - 3 }),
      projects: counts({ unknown: 1, onTrack: 2, none: approved.projects.length - 3 }),
    })

    // Another section sets 施策 4 in its browser: the board reads the live document, not a stored copy.
    const client = collabClient(server.url, kikaku2025, await as('chiiki'))
    await client.synced()
    setEvaluationStatus(client.doc, 'midyear', 'measure-4', 'above')
    await eventually(async () => lineOf(await overview(), kikaku2025).evaluations.midyear.measures.above === 2)
    client.destroy()

    const board = await overview()
    const kikaku = lineOf(board, kikaku2025).evaluations.midyear
    const somu = lineOf(board, somu2025).evaluations.midyear
    expect(somu.state).toBeNull()
    expect(board.evaluationTotals.midyear).toEqual({ measures: sum(kikaku.measures, somu.measures), projects: sum(kikaku.projects, somu.projects) })
    expect(board.evaluationTotals.yearend.measures.none).toBe(board.sheets.reduce((n, s) => n + s.measures, 0))

    // A 課長 of another department sees only their line, and the town's figures as planning does.
    const head = await overview(2025, 'kacho')
    expect(head.sheets.map((s) => s.id)).toEqual([kikaku2025])
    expect(head.evaluationTotals).toEqual(board.evaluationTotals)
  })

  it('once approved, the figures are the stored canonical JSON’s, whatever the document says later', async () => {
    // Each step tells the open boards to refetch (the planner's, and the department's 課長's).
    const planner = eventStream(await as('planning'))
    await planner.ready()
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/evaluations/midyear/submit`)).status).toBe(200)
    await planner.next((e) => e.kind === 'board' && e.year === 2025)
    expect(lineOf(await overview(), kikaku2025).evaluations.midyear.state).toBe('submitted')
    expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/evaluations/midyear/approve`)).status).toBe(201)
    const version = (await (await as('kacho')).get<EvaluationVersionResponse>(`/api/sheets/${kikaku2025}/evaluations/midyear/version`)).body
    const stored = version.evaluation as EvaluationDocument
    const expected = { state: 'approved', ...countRows(stored.rows) }
    expect(lineOf(await overview(), kikaku2025).evaluations.midyear).toEqual(expected)
    expect(expected.measures).toEqual(counts({ above: 2, onTrack: 1, below: 1, none: approved.measures.length - 4 }))

    // Something writes the frozen map underneath (a tool, a bug): the board still shows what was approved.
    await server.services.documents.change(kikaku2025, (doc) => setEvaluationStatus(doc, 'midyear', 'measure-5', 'below'))
    const live = await server.services.documents.read(kikaku2025, (doc) => docToEvaluation(doc, 'midyear').find((r) => r.rowId === 'measure-5')?.status)
    expect(live).toBe('below')
    expect(lineOf(await overview(), kikaku2025).evaluations.midyear).toEqual(expected)
  })
})

describe('next year’s carried-forward draft', () => {
  let kikaku2026: string
  let somu2026: string
  const previous = async (sheetId: string) => {
    const res = await (await as('kikaku')).get<PreviousYearResponse>(`/api/sheets/${sheetId}/previous`)
    expect(res.status).toBe(200)
    return res.body
  }

  it('carries every measure and project with its 成果指標 (ids included), still 継続', async () => {
    const res = await (await as('planning')).post<OpenYearResponse>('/api/fiscal-years', { year: 2026, carryForward: true })
    expect(res.status).toBe(201)
    kikaku2026 = res.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    somu2026 = res.body.sheets.find((s) => s.department.id === 'somu')!.id
    const carried = (await (await as('kikaku')).get<Sheet>(`/api/sheets/${kikaku2026}/export.json`)).body
    expect(carried).toEqual({ ...approved, fiscalYear: 2026 })
    expect(carried.measures[0]!.indicators).toEqual(approved.measures[0]!.indicators)
    expect(carried.measures[0]!.indicators.map((i) => i.name)).toEqual(['移住相談件数', '移住者数'])
    expect(carried.projects.find((p) => p.id === 'project-2')!.indicators).toMatchObject([{ name: '利用率', unit: '％', kind: 'activity', baseline: 45.5, target: 60 }])
    const before = await previous(kikaku2026)
    expect(before.continued).toEqual(expect.arrayContaining(['measure-1', 'project-2']))
    // Last year has a 中間評価 but no 年度末評価 yet: nothing to show beside the rows.
    expect(before.yearend).toBeNull()
    // The new year's board: nothing evaluated yet.
    expect(lineOf(await overview(2026), kikaku2026).evaluations.yearend.state).toBeNull()
  })

  it('shows last year’s 年度末評価 while it is written (作成中, 確認依頼中) and as approved', async () => {
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/evaluations`, { kind: 'yearend' })).status).toBe(201)
    await put(kikaku2025, 'yearend', [
      { kind: 'measure', rowId: 'measure-1', status: 'below', next: '相談会の開催時期を見直す。\n移住者の声を集める。' },
      { kind: 'measure', rowId: 'measure-2', status: 'above', next: '' },
      { kind: 'project', rowId: 'project-2', status: 'onTrack', next: '利用者アンケートを行う。' },
    ])
    const draft = await previous(kikaku2026)
    expect(draft.yearend?.state).toBe('draft')
    expect(draft.yearend?.rows.find((r) => r.rowId === 'measure-1')).toEqual({ rowId: 'measure-1', status: 'below', next: '相談会の開催時期を見直す。\n移住者の声を集める。' })
    expect(draft.yearend?.rows.find((r) => r.rowId === 'project-2')).toEqual({ rowId: 'project-2', status: 'onTrack', next: '利用者アンケートを行う。' })
    expect(draft.yearend?.rows.find((r) => r.rowId === 'measure-3')).toEqual({ rowId: 'measure-3', status: null, next: '' })
    // Not the 中間評価's statuses.
    expect(draft.yearend?.rows.find((r) => r.rowId === 'measure-2')?.status).toBe('above')

    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/evaluations/yearend/submit`)).status).toBe(200)
    expect((await previous(kikaku2026)).yearend?.state).toBe('submitted')
    expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/evaluations/yearend/approve`)).status).toBe(201)
    const version = (await (await as('kacho')).get<EvaluationVersionResponse>(`/api/sheets/${kikaku2025}/evaluations/yearend/version`)).body
    const stored = (version.evaluation as EvaluationDocument).rows
    const final = await previous(kikaku2026)
    expect(final.yearend).toEqual({ state: 'approved', rows: stored.map((r) => ({ rowId: r.rowId, status: r.status, next: r.next })) })
    // Last year's board shows the year-end as approved.
    expect(lineOf(await overview(2025), kikaku2025).evaluations.yearend).toEqual({ state: 'approved', ...countRows(stored) })

    // A draft not carried forward has no last year, and no evaluation of it.
    expect((await (await as('somu')).get<PreviousYearResponse>(`/api/sheets/${somu2026}/previous`)).body).toEqual({
      sheetId: null,
      version: null,
      sheet: null,
      continued: [],
      yearend: null,
    })
  })
})
