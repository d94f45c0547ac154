import type { ApiErrorBody, DepartmentResponse } from '@hoshin/protocol'
import { SHEET_FORMAT, type Sheet, sheetToDoc } from '@hoshin/sheet'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
const as = logins(() => server)
let kensetsuId: string

/** A sheet of 総務課 for `year` whose one measure names `partners`. */
async function somuSheet(year: number, partners: string[]): Promise<string> {
  const sheet: Sheet = {
    format: SHEET_FORMAT,
    department: { id: 'somu', name: '総務課' },
    fiscalYear: year,
    situation: '',
    issues: [],
    policies: { annual: [], longTerm: [] },
    measures: [{ id: 'm-1', rank: 1, name: '道路の点検', content: '点検の連携', sections: ['総務係'], partners, indicators: [] }],
    projects: [],
  }
  const doc = sheetToDoc(sheet)
  return (await server.services.stores.sheets.create({ departmentId: 'somu', fiscalYear: year, state: Y.encodeStateAsUpdate(doc) })).id
}

async function partnerCell(sheetId: string): Promise<string> {
  const res = await fetch(new URL(`/api/sheets/${sheetId}/export.xlsx`, server.url), { headers: { cookie: (await as('admin')).cookieHeader() ?? '' } })
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer)
  let found = ''
  workbook.worksheets[0]!.eachRow((row) => {
    if (row.getCell(2).text === '道路の点検') found = row.getCell(5).text
  })
  return found
}

beforeAll(async () => {
  server = await startTestServer()
  const created = await (await as('admin')).post<DepartmentResponse>('/api/admin/departments', { name: '建設課', sections: ['土木係'] })
  kensetsuId = created.body.department.id
  await server.services.stores.users.create({
    username: 'doboku',
    displayName: '土木 職員',
    role: 'staff',
    departmentId: kensetsuId,
    sectionId: created.body.department.sections[0]!.id,
    passwordHash: await hashPassword('hoshin-demo'),
  })
})

describe('[S12] 連携課 by department id', () => {
  it('a sheet naming a department by id lets it read; renaming keeps that and Excel shows the new name', async () => {
    const sheetId = await somuSheet(2030, [kensetsuId])
    const doboku = await as('doboku')
    expect((await doboku.get(`/api/sheets/${sheetId}`)).status).toBe(200)
    expect((await doboku.get<Sheet>(`/api/sheets/${sheetId}/export.json`)).body.measures[0]!.partners).toEqual([kensetsuId])
    expect(await partnerCell(sheetId)).toBe('建設課')

    await (await as('admin')).request('PATCH', `/api/admin/departments/${kensetsuId}`, { json: { name: '建設水道課' } })
    expect((await doboku.get(`/api/sheets/${sheetId}`)).status).toBe(200)
    expect(await partnerCell(sheetId)).toBe('建設水道課')
    // A name no longer grants anything: a department later named 建設課 does not read it.
    const other = await (await as('admin')).post<DepartmentResponse>('/api/admin/departments', { name: '建設課' })
    await server.services.stores.users.create({
      username: 'newkensetsu',
      displayName: '新 建設',
      role: 'staff',
      departmentId: other.body.department.id,
      sectionId: null,
      passwordHash: await hashPassword('hoshin-demo'),
    })
    expect((await (await as('newkensetsu')).get(`/api/sheets/${sheetId}`)).status).toBe(403)
  })

  it('an entry stored before ids (a name) still counts for the department of that name', async () => {
    const sheetId = await somuSheet(2031, ['企画財政課'])
    expect((await (await as('kikaku')).get(`/api/sheets/${sheetId}`)).status).toBe(200)
    const plain = await somuSheet(2032, ['関係課'])
    expect((await (await as('kikaku')).get<ApiErrorBody>(`/api/sheets/${plain}`)).status).toBe(403)
  })
})
