import type { SheetViewsResponse } from '@hoshin/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
const as = logins(() => server)
const sheetOf = async (department: string) => (await server.services.stores.sheets.findByDepartmentYear(department, 2025))!.id
const userOf = async (username: string) => (await server.services.stores.users.findByUsername(username))!.id
const viewsOf = async (sheetId: string) => (await (await as('admin')).get<SheetViewsResponse>(`/api/sheets/${sheetId}/views`)).body.views
const minute = 60 * 1000

beforeAll(async () => {
  server = await startTestServer()
})

describe('the view log counts openings, not an open page', () => {
  it('the page’s refreshes of its summary (every 10 s, on workflow events) add no row; opening it does', async () => {
    const sheetId = await sheetOf('kikaku-zaisei')
    const mine = async () => (await viewsOf(sheetId)).filter((v) => v.user.id === kikaku).length
    const kikaku = await userOf('kikaku')
    expect(await mine()).toBe(0)

    expect((await (await as('kikaku')).get(`/api/sheets/${sheetId}`)).status).toBe(200)
    expect(await mine()).toBe(1)
    // Eleven minutes of an open page would be 66 refreshes; their answers are the summary all the same.
    for (let i = 0; i < 3; i++) {
      const refreshed = await (await as('kikaku')).get<{ id: string; status: string }>(`/api/sheets/${sheetId}?refresh=1`)
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.id).toBe(sheetId)
    }
    // Rows are coalesced per 10 minutes anyway; move this visit back 11 minutes so a refresh would show.
    await server.db.run('UPDATE sheet_views SET opened_at = ? WHERE user_id = ? AND sheet_id = ?', [
      new Date(Date.now() - 11 * minute).toISOString(),
      kikaku,
      sheetId,
    ])
    expect((await (await as('kikaku')).get(`/api/sheets/${sheetId}?refresh=1`)).status).toBe(200)
    expect(await mine()).toBe(1)
    // Opening the page again, past the 10 minutes, is a new visit.
    expect((await (await as('kikaku')).get(`/api/sheets/${sheetId}`)).status).toBe(200)
    expect(await mine()).toBe(2)
  })
})

describe('coalescing', () => {
  it('one row per person, sheet and version per 10 minutes', async () => {
    const { views } = server.services.stores
    const sheetId = await sheetOf('somu')
    const other = await sheetOf('kikaku-zaisei')
    const [somu, kacho] = [await userOf('somu'), await userOf('kacho')]
    const t0 = Date.now() - 60 * minute
    const at = (minutes: number) => new Date(t0 + minutes * minute)
    const before = (await views.list(sheetId, 500)).length

    await views.record(sheetId, somu, null, at(0))
    await views.record(sheetId, somu, null, at(9.9)) // the same visit
    await views.record(sheetId, somu, 1, at(1)) // another version: its own row
    await views.record(sheetId, somu, 1, at(5)) // the same visit of version 1
    await views.record(sheetId, kacho, null, at(2)) // another person
    await views.record(other, somu, null, at(3)) // another sheet (not in this sheet's list)
    await views.record(sheetId, somu, null, at(10.1)) // 10 minutes after the first: a new visit

    const rows = (await views.list(sheetId, 500)).slice(0, -before || undefined)
    expect(rows.map((v) => [v.user.id, v.version, (Date.parse(v.at) - t0) / minute])).toEqual([
      [somu, null, 10.1],
      [kacho, null, 2],
      [somu, 1, 1],
      [somu, null, 0],
    ])
    expect((await views.list(other, 500)).some((v) => v.user.id === somu && Date.parse(v.at) === at(3).getTime())).toBe(true)
  })

  it('the list answers the latest 500, newest first', async () => {
    const sheetId = await sheetOf('kikaku-zaisei')
    const user = await userOf('joho')
    const t0 = Date.now() - 600 * 11 * minute
    for (let i = 0; i < 510; i++) await server.services.stores.views.record(sheetId, user, null, new Date(t0 + i * 11 * minute))
    const views = await viewsOf(sheetId)
    expect(views).toHaveLength(500)
    const all = await server.services.stores.views.list(sheetId, 10_000)
    expect(all.length).toBeGreaterThanOrEqual(510)
    expect(views).toEqual(all.slice(0, 500))
    const times = views.map((v) => Date.parse(v.at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    // joho's oldest openings are the ones left out.
    expect(times).not.toContain(t0)
    expect(times).toContain(t0 + 509 * 11 * minute)
  })
})
