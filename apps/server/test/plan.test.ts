import { readFileSync } from 'node:fs'
import type { ApiErrorBody, CoverageResponse, PlanForYearResponse, PlanPreviewResponse, PlanResponse, PlanView } from '@hoshin/protocol'
import { insertIndicator, type Sheet, type SheetChange, setIndicatorKpi, setPlanLinks } from '@hoshin/sheet'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually, roundTrip } from './collab-harness.js'
import { logins, startTestServer, type TestClient } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let planner: TestClient
let plan: PlanView
let kikaku2025: string
let somu2025: string

const sample = () => readFileSync(new URL('../samples/plan-sample.csv', import.meta.url))
const sjis = () => readFileSync(new URL('./fixtures/plan-sjis.csv', import.meta.url))

function upload<T>(client: TestClient, path: string, body: Uint8Array | string) {
  return client.request<T & ApiErrorBody>('POST', path, { body: body as string, headers: { 'content-type': 'application/octet-stream' } })
}
const exported = async (client: TestClient, sheetId: string) => (await client.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body
const byNumber = (p: PlanView, number: string) => p.measures.find((m) => m.number === number)!

async function workbook(rows: (string | number | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('総合計画')
  for (const row of rows) ws.addRow(row)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

beforeAll(async () => {
  server = await startTestServer()
  const { stores } = server.services
  kikaku2025 = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somu2025 = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  const passwordHash = await hashPassword('hoshin-demo')
  await stores.users.create({ username: 'planner2', displayName: '企画 二郎', role: 'planning', departmentId: null, sectionId: null, passwordHash })
  planner = await as('planning')
})

describe('the comprehensive plan (総合計画)', () => {
  it('only planning creates a plan; spans are bounded and never overlap', async () => {
    for (const user of ['kikaku', 'kacho', 'admin']) {
      expect((await (await as(user)).post('/api/plans', { name: '後期基本計画', startYear: 2022, endYear: 2026 })).status).toBe(403)
    }
    const bad = await planner.post<ApiErrorBody>('/api/plans', { name: '長すぎる計画', startYear: 2000, endYear: 2030 })
    expect(bad.status).toBe(400)
    const created = await planner.post<PlanResponse>('/api/plans', { name: '第6次総合計画 後期基本計画', startYear: 2022, endYear: 2026 })
    expect(created.status).toBe(201)
    plan = created.body.plan
    expect(plan).toMatchObject({ revision: 0, goals: [], measures: [], kpis: [] })
    const overlap = await planner.post<ApiErrorBody>('/api/plans', { name: '次の計画', startYear: 2026, endYear: 2030 })
    expect(overlap.status).toBe(409)
    expect(overlap.body.error.message).toContain('第6次総合計画 後期基本計画')
  })

  it('imports the UTF-8 CSV: a preview that changes nothing, then apply at the previewed revision; the same file again changes nothing', async () => {
    expect((await upload(await as('kikaku'), `/api/plans/${plan.id}/import/preview`, sample())).status).toBe(403)
    const preview = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, sample())
    expect(preview.status).toBe(200)
    expect(preview.body).toMatchObject({ ok: true, errors: [], encoding: 'utf-8', counts: { goals: 3, measures: 5, kpis: 5 }, revision: 0 })
    expect(preview.body.changes.map((c) => c.text)).toContain('施策「1-2 地域産業の振興」を追加')
    expect(preview.body.changes.map((c) => c.text)).toContain('施策 1-1 の KPI「空き家バンク成約件数」を追加')
    expect((await planner.get<PlanResponse>(`/api/plans/${plan.id}`)).body.plan.measures).toEqual([])

    const applied = await upload<PlanResponse>(planner, `/api/plans/${plan.id}/import?revision=0`, sample())
    expect(applied.status).toBe(200)
    plan = applied.body.plan
    expect(plan.revision).toBe(1)
    expect(plan.goals.map((g) => `${g.number} ${g.name}`)).toEqual(['1 活力あるまちづくり', '2 安心して暮らせるまちづくり', '3 持続可能な行財政運営'])
    expect(plan.measures.map((m) => m.number)).toEqual(['1-1', '1-2', '2-1', '2-2', '3-1'])
    const migrants = plan.kpis.find((k) => k.name === '移住者数')!
    expect(migrants).toMatchObject({ unit: '人', baseline: 42, baselineYear: 2023, measureId: byNumber(plan, '1-1').id, targets: [{ year: 2025, value: 50 }, { year: 2026, value: 55 }] })
    expect(plan.kpis.find((k) => k.name === '新規創業件数')!.baselineYear).toBe(2023)
    expect(plan.kpis.find((k) => k.name === '自主防災組織の結成率')!.baseline).toBe(85.5)

    const again = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, sample())
    expect(again.body).toMatchObject({ ok: true, changes: [], revision: 1 })
    // Applying at a revision someone else moved past: nothing is written.
    const stale = await upload<PlanResponse>(planner, `/api/plans/${plan.id}/import?revision=0`, sample())
    expect(stale.status).toBe(409)
    expect(stale.body.error.message).toContain('ほかの人が先に変更')
  })

  it('reads the same plan written by Japanese Excel in Shift_JIS (full-width numbers): the same ids, no change', async () => {
    const preview = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, sjis())
    expect(preview.body).toMatchObject({ ok: true, encoding: 'shift_jis', changes: [], counts: { goals: 3, measures: 5, kpis: 5 } })
  })

  const bad: [string, string, number, RegExp][] = [
    ['a missing header', '基本目標,施策番号,施策\n活力,1-1,移住\n', 1, /「基本目標番号」の列がありません/],
    ['an unknown header', '基本目標番号,基本目標,施策番号,施策,担当\n1,活力,1-1,移住,企画\n', 1, /見出し「担当」は使えません/],
    ['a year outside the plan', '基本目標番号,基本目標,施策番号,施策,KPI,2030\n1,活力,1-1,移住,移住者数,3\n', 1, /令和12年度）は計画期間（令和4年度〜令和8年度）の外/],
    ['a target that is no number', '基本目標番号,基本目標,施策番号,施策,KPI,2025\n1,活力,1-1,移住,移住者数,ーー\n', 2, /令和7年度の目標値「ーー」/],
    ['a bad 施策番号', '基本目標番号,基本目標,施策番号,施策\n1,活力,1/1,移住\n', 2, /施策番号「1\/1」/],
    ['two names for one 施策', '基本目標番号,基本目標,施策番号,施策\n1,活力,1-1,移住\n1,活力,1-1,定住\n', 3, /施策 1-1 の名前が 2 行目（「移住」）と違います/],
    ['a KPI without 施策', '基本目標番号,基本目標,施策番号,施策,KPI\n1,活力,,,移住者数\n', 2, /どの施策のものか分かりません/],
    ['a KPI twice', '基本目標番号,基本目標,施策番号,施策,KPI\n1,活力,1-1,移住,移住者数\n,,,,移住者数\n', 3, /KPI「移住者数」が 2 回/],
    ['too many 施策', `基本目標番号,基本目標,施策番号,施策\n${Array.from({ length: 501 }, (_, i) => `1,活力,1-${i},施策${i}`).join('\n')}\n`, 1, /施策が多すぎます（501 件。500 件まで）/],
  ]
  for (const [what, file, line, message] of bad) {
    it(`refuses ${what} with its line, in Japanese, and applies nothing`, async () => {
      const preview = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, file)
      expect(preview.status).toBe(200)
      expect(preview.body.ok).toBe(false)
      expect(preview.body.errors.find((e) => message.test(e.message))?.line).toBe(line)
      const apply = await upload<PlanResponse>(planner, `/api/plans/${plan.id}/import?revision=${plan.revision}`, file)
      expect(apply.status).toBe(400)
      expect(apply.body.error.code).toBe('invalid_csv')
      expect((await planner.get<PlanResponse>(`/api/plans/${plan.id}`)).body.plan.revision).toBe(plan.revision)
    })
  }

  it('refuses a file past 2 MB before reading it', async () => {
    const res = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, 'a'.repeat(2 * 1024 * 1024 + 1))
    expect(res.status).toBe(413)
  })

  it('imports an Excel workbook (.xlsx): renumbered and renamed entries keep their ids; a broken one is refused', async () => {
    const file = await workbook([
      ['基本目標番号', '基本目標', '施策番号', '施策', 'KPI', '単位', '基準値', '基準年度', '令和7年度', '令和8年度'],
      [1, '活力あるまちづくり', '1-1', '移住定住の促進', '移住者数', '人', 42, 2023, 50, 60],
      [null, null, '1-1', null, '空き家バンク成約件数', '件', 8, 2023, 10, 12],
      [null, null, '1-2', '地域産業の振興と創業支援', '新規創業件数', '件', 3, '令和5年度', 4, 5],
      [2, '安心して暮らせるまちづくり', '2-1', '防災体制の強化', '自主防災組織の結成率', '%', 85.5, 2023, 90, 95],
      [2, null, '2-2', '行政のデジタル化', 'オンライン申請できる手続の数', '件', 20, 2023, 40, 60],
      [3, '持続可能な行財政運営', '3-1', '公共施設の適正管理'],
    ])
    const preview = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, file)
    expect(preview.body).toMatchObject({ ok: true, encoding: 'xlsx' })
    expect(preview.body.changes.map((c) => c.text).sort()).toEqual(['施策 1-1 の KPI「移住者数」を変更', '施策「1-2 地域産業の振興」→「1-2 地域産業の振興と創業支援」'].sort())
    const applied = await upload<PlanResponse>(planner, `/api/plans/${plan.id}/import?revision=${plan.revision}`, file)
    expect(applied.status).toBe(200)
    expect(applied.body.plan.measures.map((m) => m.id)).toEqual(plan.measures.map((m) => m.id))
    expect(applied.body.plan.kpis.find((k) => k.name === '移住者数')!.targets).toEqual([{ year: 2025, value: 50 }, { year: 2026, value: 60 }])
    plan = applied.body.plan
    const broken = await upload<PlanPreviewResponse>(planner, `/api/plans/${plan.id}/import/preview`, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]))
    expect(broken.body.ok).toBe(false)
    expect(broken.body.errors[0]!.message).toMatch(/壊れています|読み取れません/)
  })

  it('is edited in the app as a whole structure (preview, then save at its revision); everyone signed in reads it, for a year', async () => {
    const { revision, goals, measures, kpis } = plan
    const structure = {
      revision,
      goals: goals.map(({ id, number, name }) => ({ id, number, name })),
      measures: [...measures.map((m) => ({ id: m.id, goal: goals.find((g) => g.id === m.goalId)!.number, number: m.number, name: m.name })), { goal: '3', number: '3-2', name: '健全な財政運営' }],
      kpis: kpis.map((k) => ({ id: k.id, measure: measures.find((m) => m.id === k.measureId)!.number, name: k.name, unit: k.unit, baseline: k.baseline, baselineYear: k.baselineYear, targets: k.targets })),
    }
    expect((await (await as('kikaku')).request('PUT', `/api/plans/${plan.id}/structure`, { json: structure })).status).toBe(403)
    const preview = await planner.post<PlanPreviewResponse>(`/api/plans/${plan.id}/structure/preview`, structure)
    expect(preview.body.changes.map((c) => c.text)).toEqual(['施策「3-2 健全な財政運営」を追加'])
    const wrong = await planner.request<ApiErrorBody>('PUT', `/api/plans/${plan.id}/structure`, { json: { ...structure, measures: [...structure.measures, { goal: '9', number: '9-1', name: '迷子' }] } })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.errors?.[0]?.message).toBe('施策「9-1 迷子」の基本目標「9」がありません。')
    const saved = await planner.request<PlanResponse>('PUT', `/api/plans/${plan.id}/structure`, { json: structure })
    expect(saved.status).toBe(200)
    plan = saved.body.plan
    expect(plan.measures.map((m) => m.number)).toEqual(['1-1', '1-2', '2-1', '2-2', '3-1', '3-2'])
    const forYear = await (await as('somu')).get<PlanForYearResponse>('/api/plans/for-year/2025')
    expect(forYear.body.plan?.id).toBe(plan.id)
    expect((await (await as('somu')).get<PlanForYearResponse>('/api/plans/for-year/2030')).body.plan).toBeNull()
  })
})

describe('links from the sheets, coverage, carry-forward, Excel', () => {
  it('two departments link rows over y-websocket; the coverage view equals the sheets, with a KPI target and its reported actual', async () => {
    const m11 = byNumber(plan, '1-1').id
    const m22 = byNumber(plan, '2-2').id
    const m21 = byNumber(plan, '2-1').id
    const migrants = plan.kpis.find((k) => k.name === '移住者数')!
    const kikakuSheet = await exported(await as('kikaku'), kikaku2025)
    const somuSheet = await exported(await as('somu'), somu2025)
    const kikaku = collabClient(server.url, kikaku2025, await as('kikaku'))
    const somu = collabClient(server.url, somu2025, await as('somu'))
    await Promise.all([kikaku.synced(), somu.synced()])
    const measure = kikakuSheet.measures[0]!.id
    let indicator = ''
    kikaku.doc.transact(() => {
      setPlanLinks(kikaku.doc, 'measures', measure, [m11])
      setPlanLinks(kikaku.doc, 'projects', kikakuSheet.projects[0]!.id, [m22])
      indicator = insertIndicator(kikaku.doc, 'measures', measure, { name: '移住者数（町の集計）', unit: '人', target: 50 })
      setIndicatorKpi(kikaku.doc, 'measures', measure, indicator, migrants.id)
    })
    setPlanLinks(somu.doc, 'measures', somuSheet.measures[0]!.id, [m11, m21])
    await eventually(async () => {
      const a = await exported(await as('kikaku'), kikaku2025)
      const b = await exported(await as('somu'), somu2025)
      expect(a.measures[0]!.planLinks).toEqual([m11])
      expect(a.measures[0]!.indicators.at(-1)!.kpi).toBe(migrants.id)
      expect(b.measures[0]!.planLinks).toEqual([m11, m21])
    })
    kikaku.destroy()
    somu.destroy()

    // 企画財政課's plan approved, its 年度末評価 opened and the indicator's 実績値 reported.
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/submit`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${kikaku2025}/approve`)).status).toBe(201)
    expect((await (await as('kikaku')).post(`/api/sheets/${kikaku2025}/evaluations`, { kind: 'yearend' })).status).toBe(201)
    const write = await (await as('kikaku')).request('PUT', `/api/sheets/${kikaku2025}/evaluations/yearend`, {
      json: { rows: [{ kind: 'measure', rowId: measure, status: 'onTrack', actuals: [{ indicatorId: indicator, value: 47, date: '2026-03-31' }], done: '', next: '' }] },
    })
    expect(write.status).toBe(200)

    for (const user of ['kikaku', 'kacho', 'somu']) expect((await (await as(user)).get(`/api/coverage/2025`)).status).toBe(403)
    const coverage = (await planner.get<CoverageResponse>('/api/coverage/2025')).body
    expect(coverage.plan?.id).toBe(plan.id)
    const of = (number: string) => coverage.measures.find((m) => m.number === number)!
    expect(of('1-1').departments.map((d) => d.name).sort()).toEqual(['企画財政課', '総務課'].sort())
    expect(of('1-1').rows.map((r) => `${r.departmentName} ${r.part} ${r.rank}`).sort()).toEqual(['企画財政課 measures 1', '総務課 measures 1'].sort())
    expect(of('2-2').rows).toMatchObject([{ departmentName: '企画財政課', part: 'projects', rank: 1, name: kikakuSheet.projects[0]!.name.split('\n')[0] }])
    expect(of('2-1').departments.map((d) => d.name)).toEqual(['総務課'])
    expect(coverage.unaddressed.map((id) => plan.measures.find((m) => m.id === id)!.number)).toEqual(['1-2', '3-1', '3-2'])
    const kpi = coverage.kpis.find((k) => k.id === migrants.id)!
    expect(kpi).toMatchObject({ target: 50, unit: '人' })
    expect(kpi.actuals).toEqual([{ sheetId: kikaku2025, departmentName: '企画財政課', rowName: kikakuSheet.measures[0]!.name.split('\n')[0], indicatorName: '移住者数（町の集計）', evaluation: 'yearend', value: 47, date: '2026-03-31' }])

    // The figures equal the sheets, counted here from every sheet of the year as exported.
    const sheets = await Promise.all([kikaku2025, somu2025].map((id) => exported(planner, id)))
    const rows = sheets.flatMap((s) => [...s.measures, ...s.projects])
    expect(coverage.totals).toEqual({
      sheets: 2,
      rows: rows.length,
      linkedRows: rows.filter((r) => r.planLinks?.length).length,
      addressed: new Set(rows.flatMap((r) => r.planLinks ?? [])).size,
      measures: plan.measures.length,
    })
    expect(coverage.measures.reduce((n, m) => n + m.rows.length, 0)).toBe(rows.reduce((n, r) => n + (r.planLinks?.length ?? 0), 0))
  })

  it('links follow the row’s permissions: another department’s socket and an approved sheet take no link change', async () => {
    const before = await exported(planner, kikaku2025)
    const m31 = byNumber(plan, '3-1').id
    // 総務課 reads 企画財政課's sheet only as 連携課; its socket is read-only, its change is dropped.
    const somu = collabClient(server.url, kikaku2025, await as('somu'))
    // 企画財政課's own staff: the sheet is approved (frozen), the change is kept aside, never applied.
    const kikaku = collabClient(server.url, kikaku2025, await as('kikaku'))
    await Promise.all([somu.synced(), kikaku.synced()])
    setPlanLinks(somu.doc, 'measures', before.measures[0]!.id, [m31])
    setPlanLinks(kikaku.doc, 'projects', before.projects[1]!.id, [m31])
    await Promise.all([roundTrip(somu), roundTrip(kikaku)])
    const after = await exported(planner, kikaku2025)
    expect(after.measures[0]!.planLinks).toEqual(before.measures[0]!.planLinks)
    expect(after.projects[1]!.planLinks).toBeUndefined()
    expect(JSON.stringify(after)).toBe(JSON.stringify(before))
    somu.destroy()
    kikaku.destroy()
  })

  it('carries the links forward to next year with their rows', async () => {
    const opened = await planner.post('/api/fiscal-years', { year: 2026, carryForward: true })
    expect(opened.status).toBe(201)
    const next = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id
    const before = await exported(planner, kikaku2025)
    const after = await exported(planner, next)
    expect(after.measures[0]!.planLinks).toEqual(before.measures[0]!.planLinks)
    expect(after.projects[0]!.planLinks).toEqual(before.projects[0]!.planLinks)
    expect(after.measures[0]!.indicators.map((i) => i.kpi)).toEqual(before.measures[0]!.indicators.map((i) => i.kpi))
    expect(after.measures[0]!.planLinks).toHaveLength(1)
    // Edited in next year's draft, the link's change reads in the history's diff with the plan's number and name.
    const client = collabClient(server.url, next, await as('kikaku'))
    await client.synced()
    setPlanLinks(client.doc, 'measures', after.measures[0]!.id, [byNumber(plan, '3-1').id])
    await eventually(async () => expect((await exported(planner, next)).measures[0]!.planLinks).toEqual([byNumber(plan, '3-1').id]))
    const diff = await (await as('kikaku')).get<{ changes: SheetChange[] }>(`/api/sheets/${next}/diff?from=previous&to=current`)
    expect(diff.body.changes.filter((c) => c.field === 'planLinks').map((c) => c.summary)).toEqual([
      expect.stringMatching(/^施策 1 .* ／ 総合計画の施策: 1-1 移住定住の促進 → 3-1 公共施設の適正管理$/),
    ])
    // Back as carried forward, for the Excel test below.
    setPlanLinks(client.doc, 'measures', after.measures[0]!.id, before.measures[0]!.planLinks ?? [])
    await eventually(async () => expect((await exported(planner, next)).measures[0]!.planLinks).toEqual(before.measures[0]!.planLinks))
    client.destroy()
  })

  it('round-trips the links through Excel: shown by number and name beside the form, read back by id (nothing changes)', async () => {
    const next = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2026))!.id
    const kikaku = await as('kikaku')
    const response = await fetch(new URL(`/api/sheets/${next}/export.xlsx`, server.url), { headers: { cookie: kikaku.cookieHeader()! } })
    const data = Buffer.from(await response.arrayBuffer())
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(data as unknown as ArrayBuffer)
    const ws = wb.getWorksheet('企画財政課')!
    const cells: string[] = []
    ws.eachRow((row) => cells.push(String(row.getCell(8).value ?? '')))
    expect(cells).toContain('1-1 移住定住の促進')
    expect(cells).toContain('2-2 行政のデジタル化')
    const kpiCells: string[] = []
    wb.getWorksheet('成果指標')!.eachRow((row) => kpiCells.push(String(row.getCell(16).value ?? '')))
    expect(kpiCells).toContain('移住者数')
    const preview = await upload<{ changes: SheetChange[] }>(kikaku, `/api/sheets/${next}/import/preview`, data)
    expect(preview.status).toBe(200)
    expect(preview.body.changes).toEqual([])
    // And JSON: the export read back is the same sheet, links and all.
    const json = await kikaku.get<string>(`/api/sheets/${next}/export.json`)
    const fromJson = await kikaku.request<{ changes: SheetChange[] }>('POST', `/api/sheets/${next}/import/preview`, {
      body: JSON.stringify(json.body),
      headers: { 'content-type': 'application/json' },
    })
    expect(fromJson.status).toBe(200)
    expect(fromJson.body.changes).toEqual([])
    // A link removed in the file's hidden ids is a change, named in Japanese with the plan's number and name.
    ws.eachRow((row) => {
      if (String(row.getCell(8).value ?? '') === '2-2 行政のデジタル化') row.getCell(9).value = null
    })
    const edited = await upload<{ changes: SheetChange[] }>(kikaku, `/api/sheets/${next}/import/preview`, Buffer.from(await wb.xlsx.writeBuffer()))
    expect(edited.body.changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^事務事業 1 .* ／ 総合計画の施策: 2-2 行政のデジタル化 → （なし）$/)])
  })
})
