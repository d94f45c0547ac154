import type { ApiErrorBody, SheetChangesResponse } from '@hoshin/protocol'
import type { SheetChange } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import type { RunningServer } from '../src/server.js'
import { cellText, collabClient, eventually } from './collab-harness.js'
import { addUninvolvedDepartment, logins, startTestServer, tempDir, TestClient } from './harness.js'

type Changes = SheetChangesResponse<SheetChange>

let dir: string
let server: RunningServer
let sheetId: string
let as = logins(() => server)

async function step(username: string, action: string) {
  const res = await (await as(username)).post(`/api/sheets/${sheetId}/${action}`)
  expect(res.status, `${username} ${action}`).toBeLessThan(300)
}

async function changes(username: string, since: string) {
  return (await as(username)).get<Changes & ApiErrorBody>(`/api/sheets/${sheetId}/changes?since=${since}`)
}

/** "summary → who" for each change, as a person would read the list. */
const byWhom = (body: Changes) => body.changes.map((c) => `${c.summary} → ${c.editedBy?.name ?? '（不明）'}`)

beforeAll(async () => {
  dir = await tempDir()
  server = await startTestServer({ dataDir: dir })
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  // Version 1, then a revision to edit.
  await step('kikaku', 'submit')
  await step('kacho', 'approve')
  await step('kacho', 'reopen')
})

describe('[S17] who changed what', () => {
  it('names each author of two people’s edits through real clients, after a compaction and after a restart', async () => {
    const a = collabClient(server.url, sheetId, await as('kikaku'))
    const b = collabClient(server.url, sheetId, await as('chiiki'))
    await Promise.all([a.synced(), b.synced()])
    a.doc.getMap<Y.Map<unknown>>('projects').get('project-8')!.set('budget', 12000)
    cellText(b.doc, 'measures', 'measure-3', 'content').insert(0, '【地域】')
    const expected = [
      '施策 3 官民連携推進による事業展開 ／ 施策の内容: 「官民協働による地域課題解決のための仕組みづくりを加速」→「【地域】官民協働による地域課題解決のための仕組みづくりを加速」 → 鈴木 健太',
      '事務事業 8 国勢調査他統計調査業務 ／ 事業費: 10,182 → 12,000 → 佐藤 美咲',
    ]
    await eventually(async () => {
      const res = await changes('kacho', 'version')
      expect(res.status).toBe(200)
      expect(res.body.baseline).toMatchObject({ kind: 'version', number: 1 })
      expect(byWhom(res.body)).toEqual(expected)
    })
    // The log itself keeps who sent each row.
    const authors = await server.db.all<{ user: string }>(
      'SELECT DISTINCT u.username AS user FROM sheet_updates s JOIN users u ON u.id = s.user_id WHERE s.sheet_id = ? ORDER BY 1',
      [sheetId],
    )
    expect(authors.map((r) => r.user)).toEqual(['chiiki', 'kikaku'])
    const edit = (await changes('kacho', 'version')).body.changes[1]!
    expect(edit.editedBy).toEqual({ id: expect.any(String), name: '佐藤 美咲' })
    expect(Date.parse(edit.editedAt ?? '')).toBeGreaterThan(Date.parse((await changes('kacho', 'version')).body.baseline!.at))

    // Compaction folds the log into the state: the attribution stays.
    await server.services.documents.compact(sheetId)
    expect(await server.services.stores.documents.logLength(sheetId)).toBe(0)
    expect(byWhom((await changes('kacho', 'version')).body)).toEqual(expected)

    a.destroy()
    b.destroy()
    await server.close()
    server = await startTestServer({ dataDir: dir })
    as = logins(() => server)
    expect(byWhom((await changes('kacho', 'version')).body)).toEqual(expected)
    // Whoever may read the sheet may ask (a staff member of another department named 全課).
    expect((await changes('somu', 'version')).status).toBe(200)
  })

  it('attributes a server-side import to the person who imported, never to a connection', async () => {
    const bystander = collabClient(server.url, sheetId, await as('zero'))
    await bystander.synced()
    const kikaku = await as('kikaku')
    const exported = (await kikaku.get<{ projects: { budget: number | null }[] }>(`/api/sheets/${sheetId}/export.json`)).body
    exported.projects[1]!.budget = 4321
    const res = await kikaku.request('POST', `/api/sheets/${sheetId}/import`, {
      body: JSON.stringify(exported),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    const change = (await changes('kacho', 'version')).body.changes.find((c) => c.rowId === 'project-2')
    expect(change?.summary).toMatch(/^事務事業 2 .* ／ 事業費: .* → 4,321$/)
    expect(change?.editedBy?.name).toBe('佐藤 美咲')
    bystander.destroy()
  })

  it('shows the 課長 what changed since the sheet was submitted, and only that, with who and when', async () => {
    await step('kikaku', 'submit')
    const empty = await changes('kacho', 'submitted')
    expect(empty.body.baseline).toMatchObject({ kind: 'submitted', by: { name: '佐藤 美咲' } })
    expect(empty.body.changes).toEqual([])

    const fixer = collabClient(server.url, sheetId, await as('joho'))
    await fixer.synced()
    cellText(fixer.doc, 'projects', 'project-5', 'name').insert(0, '【修正】')
    await eventually(async () => {
      const res = await changes('kacho', 'submitted')
      expect(byWhom(res.body)).toEqual(['事務事業 5 【修正】デジタル推進業務 ／ 事務事業名: 「デジタル推進業務」→「【修正】デジタル推進業務」 → 高橋 誠'])
      expect(res.body.changes[0]!.editors.map((e) => e.name)).toEqual(['高橋 誠'])
    })
    // Since the version, the earlier edits are there too, each still with its own author.
    expect(byWhom((await changes('kacho', 'version')).body)).toHaveLength(4)
    fixer.destroy()
  })

  it('answers only those who may read the sheet, with stable codes', async () => {
    const gikaiSheet = await addUninvolvedDepartment(server)
    const somu = await as('somu')
    const refused = await somu.get<ApiErrorBody>(`/api/sheets/${gikaiSheet}/changes?since=version`)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    const anonymous = await new TestClient(server.url).get<ApiErrorBody>(`/api/sheets/${sheetId}/changes?since=version`)
    expect(anonymous.status).toBe(401)
    const bad = await changes('kacho', 'yesterday')
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('validation_failed')
  })
})
