import type { ApiErrorBody, MentionableResponse, ThreadListResponse, ThreadView, UnreadResponse } from '@hoshin/protocol'
import { deleteRow, moveRow } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import type { RunningServer } from '../src/server.js'
import { type CollabClient, cellText, collabClient, eventually } from './collab-harness.js'
import { addUninvolvedDepartment, logins, startTestServer, TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let gikaiSheetId: string
const as = logins(() => server)

async function live(username = 'kikaku'): Promise<CollabClient> {
  const client = collabClient(server.url, sheetId, await as(username))
  await client.synced()
  return client
}

async function thread(username: string, id: string): Promise<ThreadView> {
  const res = await (await as(username)).get<ThreadListResponse>(`/api/sheets/${sheetId}/comments`)
  expect(res.status).toBe(200)
  return res.body.threads.find((t) => t.id === id)!
}

async function start(username: string, target: unknown, body: string, sheet = sheetId) {
  return (await as(username)).post<ThreadView & ApiErrorBody>(`/api/sheets/${sheet}/comments`, { target, body })
}

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  gikaiSheetId = await addUninvolvedDepartment(server)
})

describe('comment threads', () => {
  it('a thread on a row follows it through a concurrent reorder', async () => {
    const created = await start('kikaku', { kind: 'measure', id: 'measure-3' }, '官民連携の進め方を相談したい')
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ quote: '官民連携推進による事業展開', anchor: { status: 'attached', rank: 3 } })
    const a = await live('kikaku')
    const b = await live('chiiki')
    moveRow(a.doc, 'measures', 'measure-3', { before: 'measure-1' })
    moveRow(b.doc, 'measures', 'measure-5', { before: 'measure-1' })
    await eventually(async () => {
      const t = await thread('kikaku', created.body.id)
      expect(t.target).toEqual({ kind: 'measure', id: 'measure-3' })
      expect(t.anchor).toMatchObject({ status: 'attached', text: '官民連携推進による事業展開' })
      expect([1, 2]).toContain((t.anchor as { rank: number }).rank)
    })
  })

  it('a range thread stays on its words while another client types before, inside and right after them', async () => {
    const content = '行政手続きの簡素化、効率化、行政課題の解決に向けた取組推進'
    const start0 = content.indexOf('簡素化')
    const created = await start('joho', { kind: 'text', id: 'measure-4', field: 'content', start: start0, end: start0 + 3 }, 'ここを具体的に')
    expect(created.status).toBe(201)
    expect(created.body.quote).toBe('簡素化')
    const other = await live('kikaku')
    const text = cellText(other.doc, 'measures', 'measure-4', 'content')
    text.insert(0, '【前】')
    text.insert(3 + start0 + 1, '★')
    text.insert(3 + start0 + 4, '後')
    await eventually(async () => {
      const t = await thread('joho', created.body.id)
      expect(t.anchor).toMatchObject({ status: 'attached', text: '簡★素化' })
      expect(t.target).toMatchObject({ kind: 'text', id: 'measure-4', field: 'content', start: start0 + 3, end: start0 + 7 })
      expect(t.quote).toBe('簡素化')
    })
  })

  it('a thread whose row or words are deleted stays listed as detached, with its quote', async () => {
    const onRow = await start('kikaku', { kind: 'project', id: 'project-10' }, '予算額は未定ですか')
    const situation = '　山形県の人口が100万人を切って'
    const onWords = await start('kikaku', { kind: 'text', id: 'situation', field: 'text', start: 1, end: 6 }, '出典は？')
    expect(onWords.body.quote).toBe(situation.slice(1, 6))
    const client = await live('kikaku')
    deleteRow(client.doc, 'projects', 'project-10')
    const paragraph = client.doc.getXmlFragment('situation').get(0) as Y.XmlElement
    ;(paragraph.get(0) as Y.XmlText).delete(0, 10)
    await eventually(async () => {
      const row = await thread('chiiki', onRow.body.id)
      expect(row).toMatchObject({ anchor: { status: 'detached' }, quote: '地域公共交通関連事業' })
      expect(row.comments[0]!.body).toBe('予算額は未定ですか')
      expect(await thread('chiiki', onWords.body.id)).toMatchObject({ anchor: { status: 'detached' }, quote: '山形県の人' })
    })
  })

  it('takes the author from the session: an author in the body is ignored', async () => {
    const kikaku = (await (await as('kikaku')).get<{ user: { id: string } }>('/api/me')).body.user.id
    const res = await (await as('chiiki')).post<ThreadView>(`/api/sheets/${sheetId}/comments`, {
      target: { kind: 'issue', id: 'issue-2' },
      body: 'なりすまし？',
      author: { id: kikaku, name: '佐藤 美咲' },
      authorId: kikaku,
    })
    expect(res.status).toBe(201)
    expect(res.body.comments[0]!.author).toMatchObject({ name: '鈴木 健太', section: '地域活力共創係' })
    expect(res.body.comments[0]!.author.id).not.toBe(kikaku)
    const reply = await (await as('chiiki')).post<ThreadView>(`/api/sheets/${sheetId}/comments/${res.body.id}/replies`, {
      body: '返信',
      author: kikaku,
    })
    expect(reply.body.comments[1]!.author.name).toBe('鈴木 健太')
  })

  it('lets another department comment (and reply live) but not edit; refuses a user without access with 403', async () => {
    const reader = await live('somu')
    expect(reader.session).toMatchObject({ readOnly: true })
    const res = await start('somu', { kind: 'policy', id: 'annual-4' }, '総務課も協力します')
    expect(res.status).toBe(201)
    await eventually(() => expect(reader.messages).toContainEqual({ kind: 'comments', threadId: res.body.id }))

    const refused = await start('somu', { kind: 'issue', id: 'g-1' }, 'のぞき見', gikaiSheetId)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    expect((await (await as('somu')).get(`/api/sheets/${gikaiSheetId}/comments`)).status).toBe(403)
    expect((await new TestClient(server.url).get(`/api/sheets/${sheetId}/comments`)).status).toBe(401)
  })

  it('mentions make the thread unread for the section’s members and the row’s 担当係, until they open it', async () => {
    const unread = async (u: string) => (await (await as(u)).get<UnreadResponse>('/api/me/unread')).body.total
    const before = { chiiki: await unread('chiiki'), joho: await unread('joho'), zero: await unread('zero'), kikaku: await unread('kikaku') }
    // measure-5's 担当係 is ゼロカーボン推進室; the mention adds 地域活力共創係.
    const res = await start('kikaku', { kind: 'measure', id: 'measure-5' }, '@地域活力共創係 連携をお願いします')
    expect(res.status).toBe(201)
    expect(res.body.mentions).toEqual([{ kind: 'section', id: 'chiiki-kassei', name: '地域活力共創係' }])
    expect(await unread('chiiki')).toBe(before.chiiki + 1)
    expect(await unread('zero')).toBe(before.zero + 1)
    expect(await unread('joho')).toBe(before.joho)
    expect(await unread('kikaku')).toBe(before.kikaku)
    const seen = await thread('chiiki', res.body.id)
    expect(seen).toMatchObject({ unread: true, mySection: true, mine: false })
    const read = await (await as('chiiki')).post(`/api/sheets/${sheetId}/comments/${res.body.id}/read`)
    expect(read.status).toBe(204)
    expect(await unread('chiiki')).toBe(before.chiiki)
    expect((await thread('chiiki', res.body.id)).unread).toBe(false)

    // A reply mentioning a person by user name reaches them; the thread's earlier writer hears of it too.
    await (await as('zero')).post(`/api/sheets/${sheetId}/comments/${res.body.id}/replies`, { body: '@joho データをください' })
    expect(await unread('joho')).toBe(before.joho + 1)
    expect(await unread('kikaku')).toBe(before.kikaku + 1)
  })

  it('the unread count names its oldest unread thread, for the header badge to link to', async () => {
    const res = await start('kikaku', { kind: 'measure', id: 'measure-2' }, '@joho 数字の確認をお願いします')
    const { body } = await (await as('joho')).get<UnreadResponse>('/api/me/unread')
    expect(body.total).toBeGreaterThan(0)
    expect(body.first).toMatchObject({ sheetId, threadId: expect.any(String) })
    await (await as('joho')).post(`/api/sheets/${sheetId}/comments/${body.first!.threadId}/read`)
    // Read one by one, oldest first, the last one named is the newest; then none.
    let next = (await (await as('joho')).get<UnreadResponse>('/api/me/unread')).body
    let last = body.first!.threadId
    while (next.first) {
      last = next.first.threadId
      await (await as('joho')).post(`/api/sheets/${sheetId}/comments/${last}/read`)
      next = (await (await as('joho')).get<UnreadResponse>('/api/me/unread')).body
    }
    expect(last).toBe(res.body.id)
    expect(next).toMatchObject({ total: 0, first: null })
  })

  it('refuses unknown mentions, empty and oversized bodies with codes', async () => {
    const cases: [string, string][] = [
      ['@存在しない係 見てください', 'unknown_mention'],
      ['   \n ', 'body_empty'],
      ['あ'.repeat(4001), 'body_too_long'],
    ]
    for (const [body, code] of cases) {
      const res = await start('kikaku', { kind: 'measure', id: 'measure-1' }, body)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe(code)
      expect(res.body.error.message).toMatch(/[ぁ-んァ-ヶ一-龠]/)
    }
    expect((await start('kikaku', { kind: 'measure', id: 'measure-1' }, 'あ'.repeat(4000))).status).toBe(201)
    const missing = await start('kikaku', { kind: 'measure', id: 'measure-99' }, 'x')
    expect(missing.body.error.code).toBe('target_not_found')
    const range = await start('kikaku', { kind: 'text', id: 'measure-1', field: 'name', start: 5, end: 500 }, 'x')
    expect(range.body.error.code).toBe('invalid_range')
    const shape = await start('kikaku', { kind: 'row', id: 'measure-1' }, 'x')
    expect(shape.body.error).toMatchObject({ code: 'validation_failed', path: 'target.kind' })
  })

  it('edits and deletes only one’s own comments (a deleted one leaves a marker); resolves and reopens with who and when', async () => {
    const res = await start('joho', { kind: 'project', id: 'project-5' }, '新庁舎の日程は？')
    const commentId = res.body.comments[0]!.id
    const base = `/api/sheets/${sheetId}/comments/${res.body.id}`
    const notMine = await (await as('kikaku')).request<ApiErrorBody>('PATCH', `${base}/comments/${commentId}`, { json: { body: '書き換え' } })
    expect(notMine.status).toBe(403)
    const edited = await (await as('joho')).request<ThreadView>('PATCH', `${base}/comments/${commentId}`, { json: { body: '新庁舎の移転日程は？' } })
    expect(edited.body.comments[0]).toMatchObject({ body: '新庁舎の移転日程は？', deleted: false })
    expect(edited.body.comments[0]!.editedAt).not.toBeNull()
    expect((await (await as('kikaku')).request('DELETE', `${base}/comments/${commentId}`)).status).toBe(403)
    const deleted = await (await as('joho')).request<ThreadView>('DELETE', `${base}/comments/${commentId}`)
    expect(deleted.body.comments[0]).toMatchObject({ body: '', deleted: true })

    const resolved = await (await as('kacho')).post<ThreadView>(`${base}/resolve`)
    expect(resolved.body).toMatchObject({ state: 'resolved', stateBy: { name: '伊藤 正和' } })
    expect(resolved.body.stateAt).toBeTruthy()
    const reopened = await (await as('joho')).post<ThreadView>(`${base}/reopen`)
    expect(reopened.body).toMatchObject({ state: 'open', stateBy: { name: '高橋 誠' } })
  })
})

describe('@-autocomplete candidates', () => {
  const mentionable = async (username: string, sheet = sheetId) =>
    (await as(username)).get<MentionableResponse & ApiErrorBody>(`/api/sheets/${sheet}/mentionable`)

  it('offers the sheet’s readers and sections, each with a token that resolves to exactly that one', async () => {
    const { stores } = server.services
    const leaver = await stores.users.create({
      username: 'taishoku',
      displayName: '退職 済子',
      role: 'staff',
      departmentId: 'kikaku-zaisei',
      sectionId: 'kikaku-chosei',
      passwordHash: 'x',
    })
    await stores.users.setDisabled(leaver.id, true)
    const res = await mentionable('somu')
    expect(res.status).toBe(200)
    const { candidates } = res.body
    expect(candidates).toContainEqual({ kind: 'user', id: expect.any(String), token: 'chiiki', name: '鈴木 健太', username: 'chiiki', place: '地域活力共創係' })
    expect(candidates).toContainEqual({ kind: 'section', id: 'zero-carbon', token: 'ゼロカーボン推進室', name: 'ゼロカーボン推進室', username: null, place: '企画財政課' })
    const tokens = candidates.map((c) => c.token)
    // Readers: the own department, the 連携課 (全課 here), planning; not a disabled account.
    expect(tokens).toEqual(expect.arrayContaining(['kikaku', 'kacho', 'somu', 'planning', '企画調整係', '総務係']))
    expect(tokens).not.toContain('taishoku')
    // 議会事務局's sheet names no other department: nobody from 企画財政課 or 総務課 may be named there.
    const closed = (await mentionable('gikai', gikaiSheetId)).body.candidates.map((c) => c.token).sort()
    expect(closed).toEqual(['admin', 'gikai', 'planning', '議事係'])

    // Every offered token, posted, names exactly its candidate.
    const body = candidates.map((c) => `@${c.token}`).join(' ')
    const posted = await start('somu', { kind: 'measure', id: 'measure-2' }, `${body} ご確認ください`)
    expect(posted.status).toBe(201)
    const key = (m: { kind: string; id: string }) => `${m.kind}:${m.id}`
    expect(posted.body.mentions.map(key).sort()).toEqual(candidates.map(key).sort())
    // Comments written before the autocomplete (a name without its space) still resolve.
    const old = await start('kikaku', { kind: 'measure', id: 'measure-2' }, '@鈴木健太 お願いします')
    expect(old.body.mentions).toEqual([{ kind: 'user', id: expect.any(String), name: '鈴木 健太' }])
  })

  it('is refused to someone who may not read the sheet, and without a session', async () => {
    const refused = await mentionable('kikaku', gikaiSheetId)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    expect((await new TestClient(server.url).get(`/api/sheets/${sheetId}/mentionable`)).status).toBe(401)
    expect((await mentionable('kikaku', 'no-such-sheet')).status).toBe(404)
  })
})
