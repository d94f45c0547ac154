import type { ApiErrorBody, SheetListResponse, SheetSummary } from '@hoshin/protocol'
import type { Sheet } from '@hoshin/sheet'
import { kikakuZaisei2025, somu2025 } from '@hoshin/sheet/demo'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { addUninvolvedDepartment, startTestServer, TestClient } from './harness.js'

let server: RunningServer
let gikaiSheetId: string

beforeAll(async () => {
  server = await startTestServer()
  // 議会事務局's sheet names only 関係課, which grants nobody.
  gikaiSheetId = await addUninvolvedDepartment(server, { planner: true })
})

async function sheetsOf(username: string): Promise<SheetSummary[]> {
  const client = await new TestClient(server.url).login(username)
  const res = await client.get<SheetListResponse>('/api/sheets')
  expect(res.status).toBe(200)
  return res.body.sheets
}

function byDepartment(sheets: SheetSummary[]) {
  return Object.fromEntries(sheets.map((s) => [s.department.name, s.canEdit]))
}

describe('GET /api/sheets: who sees which sheet', () => {
  it('staff see their own sheet (editable) and sheets that name their department or 全課 (read-only)', async () => {
    const sheets = await sheetsOf('kikaku')
    // 総務課's sheet names 企画財政課 as a partner; 議会事務局's names only 関係課.
    expect(byDepartment(sheets)).toEqual({ 企画財政課: true, 総務課: false })
    expect(sheets.find((s) => s.department.id === 'kikaku-zaisei')).toMatchObject({ fiscalYear: 2025, status: 'draft' })
  })

  it('another department reads 企画財政課 because its measures name 全課', async () => {
    expect(byDepartment(await sheetsOf('somu'))).toEqual({ 企画財政課: false, 総務課: true })
  })

  it('全課 opens a sheet to every department; a sheet naming only 関係課 stays with its own department', async () => {
    // Both demo sheets name 全課; 議会事務局's sheet names only 関係課, so somu and kikaku do not list it.
    expect(byDepartment(await sheetsOf('gikai'))).toEqual({ 企画財政課: false, 総務課: false, 議会事務局: true })
  })

  it('the 課長 edits the own sheet; planning and admin read every sheet and edit none', async () => {
    expect(byDepartment(await sheetsOf('kacho'))).toEqual({ 企画財政課: true, 総務課: false })
    expect(byDepartment(await sheetsOf('planner'))).toEqual({ 企画財政課: false, 総務課: false, 議会事務局: false })
    expect(byDepartment(await sheetsOf('admin'))).toEqual({ 企画財政課: false, 総務課: false, 議会事務局: false })
  })

  it('needs a session', async () => {
    const res = await new TestClient(server.url).get<ApiErrorBody>('/api/sheets')
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('unauthenticated')
  })
})

describe('GET /api/sheets/:id/export.json', () => {
  async function idOf(departmentId: string) {
    return (await server.services.stores.sheets.findByDepartmentYear(departmentId, 2025))!.id
  }

  it('returns the seed sheet as canonical JSON, exactly as transcribed', async () => {
    const client = await new TestClient(server.url).login('kikaku')
    const res = await client.get<Sheet>(`/api/sheets/${await idOf('kikaku-zaisei')}/export.json`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(kikakuZaisei2025)
    expect(res.body.projects.reduce((sum, p) => sum + (p.budget ?? 0), 0)).toBe(394502)
  })

  it('lets a partner department read, and refuses one that is not involved with 403', async () => {
    const somu = await new TestClient(server.url).login('somu')
    expect((await somu.get(`/api/sheets/${await idOf('kikaku-zaisei')}/export.json`)).status).toBe(200)
    const own = await somu.get<Sheet>(`/api/sheets/${await idOf('somu')}/export.json`)
    expect(own.body).toEqual(somu2025)
    const refused = await somu.get<ApiErrorBody>(`/api/sheets/${gikaiSheetId}/export.json`)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    const summary = await somu.get<ApiErrorBody>(`/api/sheets/${gikaiSheetId}`)
    expect(summary.status).toBe(403)
  })

  it('answers 404 for a sheet that does not exist and 401 without a session', async () => {
    const client = await new TestClient(server.url).login('kikaku')
    const missing = await client.get<ApiErrorBody>('/api/sheets/sh_nope/export.json')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect((await new TestClient(server.url).get(`/api/sheets/${gikaiSheetId}/export.json`)).status).toBe(401)
  })

  it('GET /api/sheets/:id gives the summary', async () => {
    const client = await new TestClient(server.url).login('kacho')
    const res = await client.get<SheetSummary>(`/api/sheets/${await idOf('kikaku-zaisei')}`)
    expect(res.body).toMatchObject({ department: { name: '企画財政課' }, fiscalYear: 2025, status: 'draft', canEdit: true })
  })
})

describe('GET /api/departments', () => {
  it('lists the town’s departments with their sections, for the pickers', async () => {
    const client = await new TestClient(server.url).login('somu')
    const res = await client.get<{ departments: { id: string; name: string; sections: { name: string }[] }[] }>('/api/departments')
    expect(res.status).toBe(200)
    const kikaku = res.body.departments.find((d) => d.id === 'kikaku-zaisei')!
    expect(kikaku.sections.map((s) => s.name)).toEqual(['企画調整係', '地域活力共創係', '情報戦略係', 'ゼロカーボン推進室'])
    expect(res.body.departments.map((d) => d.name)).toContain('総務課')
    expect((await new TestClient(server.url).get('/api/departments')).status).toBe(401)
  })
})
