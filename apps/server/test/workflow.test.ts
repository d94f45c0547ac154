import { createHash } from 'node:crypto'
import type { ApiErrorBody, SheetSummary, VersionListResponse, VersionResponse, VersionSummary } from '@hoshin/protocol'
import { canonicalJson, docToSheet, type SheetChange } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { type CollabClient, cellText, collabClient, eventually, roundTrip, updateMessage } from './collab-harness.js'
import { logins, startTestServer } from './harness.js'

let server: RunningServer
let sheetId: string
const as = logins(() => server)

async function step(username: string, action: string, body?: unknown) {
  return (await as(username)).post<SheetSummary & VersionSummary & ApiErrorBody>(`/api/sheets/${sheetId}/${action}`, body)
}

async function live(username: string): Promise<CollabClient> {
  const client = collabClient(server.url, sheetId, await as(username))
  await client.synced()
  return client
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const liveSha = () => server.services.documents.read(sheetId, (doc) => sha(canonicalJson(docToSheet(doc))))

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  await server.services.stores.users.create({
    username: 'kacho2',
    displayName: '代理 課長',
    role: 'head',
    departmentId: 'kikaku-zaisei',
    sectionId: null,
    passwordHash: await hashPassword('hoshin-demo'),
  })
})

describe('the approval workflow', () => {
  it('allows each transition only to its role and state, with stable codes', async () => {
    const expectCode = async (user: string, action: string, status: number, code: string, body?: unknown) => {
      const res = await step(user, action, body)
      expect(res.status, `${user} ${action}`).toBe(status)
      expect(res.body.error.code).toBe(code)
    }
    await expectCode('kacho', 'approve', 409, 'invalid_transition')
    await expectCode('kacho', 'reopen', 409, 'invalid_transition')
    await expectCode('somu', 'submit', 403, 'forbidden')
    await expectCode('admin', 'submit', 403, 'forbidden')
    const submitted = await step('kikaku', 'submit')
    expect(submitted.status).toBe(200)
    expect(submitted.body).toMatchObject({ status: 'submitted', revision: 1, canEdit: true })
    await expectCode('chiiki', 'submit', 409, 'invalid_transition')
    await expectCode('kikaku', 'approve', 403, 'forbidden')
    await expectCode('kikaku', 'return', 403, 'forbidden', { reason: 'x' })
    await expectCode('kacho', 'return', 400, 'validation_failed', { reason: '  ' })
    const returned = await step('kacho', 'return', { reason: '事務事業 3 の事業費を確認してください' })
    expect(returned.body).toMatchObject({ status: 'draft', returnedReason: '事務事業 3 の事業費を確認してください' })
    expect((await step('kikaku', 'submit')).body.status).toBe('submitted')
    const summary = (await (await as('kacho')).get<SheetSummary>(`/api/sheets/${sheetId}`)).body
    expect(summary.actions).toEqual(['return', 'approve'])
  })

  it('two 課長 approving at once make exactly one version', async () => {
    const editor = await live('kikaku')
    const [a, b] = await Promise.all([step('kacho', 'approve'), step('kacho2', 'approve')])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    const loser = a.status === 409 ? a : b
    expect(loser.body.error.code).toBe('invalid_transition')
    const versions = (await (await as('kikaku')).get<VersionListResponse>(`/api/sheets/${sheetId}/versions`)).body.versions
    expect(versions).toHaveLength(1)
    expect(versions[0]).toMatchObject({ number: 1, revision: 1 })
    // The editor's connection turned read-only live.
    await eventually(() => expect(editor.session).toEqual({ kind: 'session', readOnly: true, reason: 'approved' }))
  })

  it('serves the frozen canonical JSON with a SHA-256 anyone can recompute', async () => {
    const v1 = (await (await as('somu')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect(sha(canonicalJson(v1.sheet))).toBe(v1.sha256)
    expect(v1.approvedBy.name).toMatch(/伊藤 正和|代理 課長/)
    expect(await liveSha()).toBe(v1.sha256)
    expect((await (await as('somu')).get(`/api/sheets/${sheetId}/versions/9`)).status).toBe(404)
  })

  it('after approval, websocket updates and REST mutations change neither the version nor the live document', async () => {
    const { sha256 } = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    const editor = await live('chiiki')
    expect(editor.session).toMatchObject({ readOnly: true, reason: 'approved' })
    cellText(editor.doc, 'measures', 'measure-1', 'name').insert(0, '【承認後の編集】')
    // A raw update message as well, bypassing any client-side read-only.
    const raw = new Y.Doc()
    Y.applyUpdate(raw, Y.encodeStateAsUpdate(editor.doc))
    raw.getMap('meta').set('departmentName', '書き換え')
    editor.provider.ws!.send(updateMessage(Y.encodeStateAsUpdate(raw)))
    const watcher = await live('joho')
    // Both changes reached the server and were handled (kept aside) before anything is compared; then a
    // barrier on the watcher's socket: had they been applied, their broadcast to it would have come first.
    await roundTrip(editor)
    await roundTrip(watcher)
    for (const action of ['submit', 'approve', 'return']) {
      const res = await step('kacho', action, { reason: 'x' })
      expect(res.status).toBe(409)
    }
    await server.services.documents.updateLog.flush()
    expect(await liveSha()).toBe(sha256)
    expect(docToSheet(watcher.doc).measures[0]!.name).not.toContain('承認後')
    expect(docToSheet(watcher.doc).department.name).toBe('企画財政課')
    const again = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect(again.sha256).toBe(sha256)
    expect(sha(canonicalJson(again.sheet))).toBe(sha256)
    // The discussion goes on: comments stay possible on a frozen sheet.
    const comment = await (await as('somu')).post(`/api/sheets/${sheetId}/comments`, { target: { kind: 'measure', id: 'measure-1' }, body: '承認おめでとうございます' })
    expect(comment.status).toBe(201)
  })

  it('keeps the edits of a client that was offline during the freeze aside, for its author', async () => {
    // Reopen, then set up a client that will be offline during the next approval.
    expect((await step('kacho', 'reopen')).body).toMatchObject({ status: 'draft', revision: 2 })
    const offline = await live('zero')
    // An editor of a draft hears nothing unusual (no read-only notice).
    expect(offline.session?.readOnly ?? false).toBe(false)
    offline.provider.disconnect()
    cellText(offline.doc, 'projects', 'project-6', 'content').insert(0, '【オフラインでの追記】')
    expect((await step('kikaku', 'submit')).status).toBe(200)
    const approved = await step('kacho', 'approve')
    expect(approved.status).toBe(201)
    expect(approved.body.number).toBe(2)
    offline.provider.connect()
    await eventually(async () => {
      const res = await (await as('zero')).get<{ sets: { version: number; changes: SheetChange[] }[] }>(`/api/sheets/${sheetId}/rejected`)
      expect(res.body.sets).toHaveLength(1)
      expect(res.body.sets[0]!.version).toBe(2)
      expect(res.body.sets[0]!.changes.map((c) => c.summary)).toEqual([
        '事務事業 6 脱炭素社会実現推進業務 ／ 事務事業の内容: 「地球温暖化対策実行計画に沿った取組の推進」→「【オフラインでの追記】地球温暖化対策実行計画に沿った取組の推進」',
      ])
    })
    const v2 = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/2`)).body
    expect(await liveSha()).toBe(v2.sha256)
    expect((await (await as('kikaku')).get<{ sets: unknown[] }>(`/api/sheets/${sheetId}/rejected`)).body.sets).toEqual([])
  })

  it('reopens as revision 3; version 1 stays intact; the diff between versions names the exact fields', async () => {
    const v1 = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect((await step('kacho', 'reopen')).body).toMatchObject({ status: 'draft', revision: 3 })
    const editor = await live('joho')
    expect(editor.session?.readOnly ?? false).toBe(false)
    editor.doc.getMap<Y.Map<unknown>>('projects').get('project-5')!.set('budget', 230000)
    const sections = editor.doc.getMap<Y.Map<unknown>>('measures').get('measure-3')!.get('sections') as Y.Array<string>
    sections.delete(0, sections.length)
    sections.push(['情報戦略係'])
    await eventually(async () => {
      const res = await (await as('kikaku')).get<{ changes: SheetChange[] }>(`/api/sheets/${sheetId}/diff?from=2&to=current`)
      expect(res.body.changes.map((c) => c.summary)).toEqual(['施策 3 官民連携推進による事業展開 ／ 担当係名: 地域活力共創係 → 情報戦略係', '事務事業 5 デジタル推進業務 ／ 事業費: 227,434 → 230,000'])
    })
    expect((await step('kikaku', 'submit')).status).toBe(200)
    expect((await step('kacho', 'approve')).body.number).toBe(3)
    const diff = await (await as('somu')).get<{ changes: SheetChange[] }>(`/api/sheets/${sheetId}/diff?from=1&to=3`)
    expect(diff.body.changes.map((c) => c.summary)).toEqual(['施策 3 官民連携推進による事業展開 ／ 担当係名: 地域活力共創係 → 情報戦略係', '事務事業 5 デジタル推進業務 ／ 事業費: 227,434 → 230,000'])
    const v1again = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
    expect(v1again).toEqual(v1)
    // The database itself refuses to change a version row.
    await expect(server.db.run('UPDATE sheet_versions SET sha256 = ? WHERE number = 1', ['forged'])).rejects.toThrow(/immutable/)
    await expect(server.db.run('DELETE FROM audit_log')).rejects.toThrow(/append-only/)
  })

  it('writes an audit entry for each step, shown to the 課長 and admins only', async () => {
    const res = await (await as('kacho')).get<{ entries: { action: string; username: string }[] }>(`/api/sheets/${sheetId}/audit?action=sheet.`)
    const actions = res.body.entries.map((e) => e.action)
    for (const action of ['sheet.submit', 'sheet.return', 'sheet.approve', 'sheet.version', 'sheet.reopen', 'sheet.rejected-update', 'sheet.approve.refused']) {
      expect(actions).toContain(action)
    }
    expect(res.body.entries.filter((e) => e.action === 'sheet.rejected-update').map((e) => e.username)).toContain('zero')
    expect((await (await as('admin')).get(`/api/sheets/${sheetId}/audit`)).status).toBe(200)
    expect((await (await as('kikaku')).get(`/api/sheets/${sheetId}/audit`)).status).toBe(403)
  })
})
