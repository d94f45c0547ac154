import { createHash } from 'node:crypto'
import type { AuditEntryView, EvaluationResponse, VersionResponse } from '@hoshin/protocol'
import { canonicalJson, insertIndicator, townDateJa, townIsoDate } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import { unzipSync } from 'fflate'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { addUninvolvedDepartment, logins, startTestServer, type TestClient } from './harness.js'

let server: RunningServer
let sheetId: string
let somuSheetId: string
let version: VersionResponse
const as = logins(() => server)

const parts = [
  '■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）',
  '■解決すべき行政課題（現状の問題等点）',
  '■課題解決のための課等の方針（単年度方針と中長期方針）',
  '■今年度の課における施策（重要度順）',
  '■今年度の課における事務事業（重要度順）（単位：千円）',
]
/** Text that a careless page would turn into markup. */
const HOSTILE = '<script>alert("x")</script> & \'引用\''

async function fetchRaw(path: string, client?: TestClient) {
  const res = await fetch(new URL(path, server.url), { headers: client ? { cookie: client.cookieHeader()! } : {} })
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
}

const textOf = (html: string) => html.replace(/<[^>]*>/g, '')
const headings = (html: string, level: number) => [...html.matchAll(new RegExp(`<h${level}[^>]*>([\\s\\S]*?)</h${level}>`, 'g'))].map((m) => textOf(m[1]!))
const footerOf = (html: string) => /<footer>([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? ''

/** What the town's CMS and AA ask of every page, index included. */
function expectSelfContained(html: string) {
  expect(html.startsWith('<!doctype html>')).toBe(true)
  expect(html).toMatch(/<html lang="ja">/)
  expect(html).toContain('<meta charset="utf-8">')
  expect(html.match(/<h1[\s>]/g)?.length).toBe(1)
  expect(html.match(/<title>[^<]+<\/title>/)).not.toBeNull()
  expect(html).not.toMatch(/<script/i)
  // No outside reference of any kind: no link, image, frame, font or url(); the page says no http and no //.
  expect(html).not.toMatch(/<(link|img|iframe|object|embed|base|source|video|audio)\b/i)
  expect(html).not.toMatch(/\b(src|srcset|action|formaction)=/i)
  expect(html).not.toMatch(/url\(|@import|@font-face/i)
  expect(html).not.toContain('http')
  expect(html).not.toContain('//')
  // Styles live in one <style> element, not in attributes.
  expect(html.match(/<style>/g)?.length).toBe(1)
  expect(html).not.toMatch(/\sstyle=/)
  // Every header cell says what it heads.
  const ths = html.match(/<th\b[^>]*>/g) ?? []
  expect(ths.length).toBeGreaterThan(0)
  for (const th of ths) expect(th).toMatch(/scope="(col|row)"/)
  // Every data table has a caption.
  expect(html.match(/<table\b/g)?.length).toBe(html.match(/<caption>/g)?.length)
}

beforeAll(async () => {
  server = await startTestServer()
  const { stores, documents } = server.services
  sheetId = (await stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  somuSheetId = (await stores.sheets.findByDepartmentYear('somu', 2025))!.id
  // An indicator under 施策 1 (printed under its row) and text that must come out escaped.
  await documents.change(sheetId, (doc) => {
    insertIndicator(doc, 'measures', 'measure-1', { name: '移住相談件数', unit: '件', baseline: 98, baselineYear: 2024, target: 150 })
  })
  const sheet = (await (await as('kikaku')).get<typeof kikakuZaisei2025>(`/api/sheets/${sheetId}/export.json`)).body
  sheet.issues[0]!.text = `${sheet.issues[0]!.text}\n${HOSTILE}`
  expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/import`, sheet)).status).toBe(200)
  expect((await (await as('kikaku')).post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
  expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
  version = (await (await as('kikaku')).get<VersionResponse>(`/api/sheets/${sheetId}/versions/1`)).body
})

describe('GET /api/sheets/:id/versions/:n/publication.html', () => {
  it('is one self-contained page: lang ja, one h1 with the 和暦 year, the five parts as h2 in the sheet’s order, tables with th scope and captions, no script, nothing from outside', async () => {
    const res = await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as('kikaku'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const disposition = res.headers.get('content-disposition')!
    expect(disposition).toMatch(/^inline; filename="[^"]+\.html"; filename\*=UTF-8''/)
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toMatch(/^2025_企画財政課_課等の方針_公開用_v1_\d{8}\.html$/)
    const html = res.body.toString('utf8')
    expectSelfContained(html)
    expect(headings(html, 1)).toEqual(['令和7年度 企画財政課 課等の方針'])
    expect(headings(html, 2)).toEqual(parts)
    expect(headings(html, 3)).toEqual(['【単年度方針】', '【中長期方針】'])
    expect(html.match(/<caption>[^<]+<\/caption>/g)).toEqual([
      '<caption>施策（重要度順）</caption>',
      '<caption>「移住定住・二地域居住の推進」の成果指標</caption>'.replace('移住定住・二地域居住の推進', kikakuZaisei2025.measures[0]!.name),
      '<caption>事務事業（重要度順）（単位：千円）</caption>',
    ])
    // Every row, in rank order; budgets as the print view writes them; the total of the seed.
    const text = textOf(html)
    let at = 0
    for (const row of [...kikakuZaisei2025.measures, ...kikakuZaisei2025.projects]) {
      const found = text.indexOf(row.name.split('\n')[0]!, at)
      expect(found, row.name).toBeGreaterThan(at)
      at = found
    }
    expect(html).toContain('<td class="number">227,434</td>')
    expect(html).toMatch(/<th scope="row" colspan="4">合計<\/th><td class="number">394,502<\/td>/)
    expect(html).toContain('<th scope="col" class="number">事業費（千円）</th>')
    // 連携課 by name, never by id ([S12]); the indicator with its baseline year as 和暦.
    expect(html).not.toContain('kikaku-zaisei')
    expect(html).toContain('98（令和6年度）')
    // The town's text is text: escaped, never markup.
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;引用&#39;')
    expect(html).not.toContain(HOSTILE)
  })

  it('carries the version’s SHA-256 (recomputed from its JSON) and its approval day in the footer', async () => {
    const html = (await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as('kikaku'))).body.toString('utf8')
    const footer = footerOf(html)
    const hash = createHash('sha256').update(canonicalJson(version.sheet), 'utf8').digest('hex')
    expect(version.sha256).toBe(hash)
    expect(footer).toContain(`<code>${hash}</code>`)
    expect(footer).toContain(townDateJa(version.approvedAt, server.services.config.timeZone))
    expect(footer).toContain('v1')
    // Nothing before the footer carries the hash: it is the footer's.
    expect(html.indexOf(hash)).toBeGreaterThan(html.indexOf('<footer>'))
  })

  it('is refused as the version is: 401 signed out, 403 to who may not read the sheet, 404 unknown or not approved, 400 for a version that is no number', async () => {
    const gikaiSheet = await addUninvolvedDepartment(server)
    expect((await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`)).status).toBe(401)
    // 議会事務局's sheet names no other department: 企画財政課 may not read it, nor publish it.
    const kikaku = await as('kikaku')
    const forbidden = await fetchRaw(`/api/sheets/${gikaiSheet}/versions/1/publication.html`, kikaku)
    expect(forbidden.status).toBe(403)
    expect(JSON.parse(forbidden.body.toString()).error.code).toBe('forbidden')
    expect((await fetchRaw(`/api/sheets/no-such-sheet/versions/1/publication.html`, kikaku)).status).toBe(404)
    expect((await fetchRaw(`/api/sheets/${sheetId}/versions/2/publication.html`, kikaku)).status).toBe(404)
    // A draft sheet has no approved version to publish.
    const draft = await fetchRaw(`/api/sheets/${somuSheetId}/versions/1/publication.html`, await as('somu'))
    expect(draft.status).toBe(404)
    expect(JSON.parse(draft.body.toString()).error.code).toBe('not_found')
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const res = await fetchRaw(`/api/sheets/${sheetId}/versions/${bad}/publication.html`, kikaku)
      expect(res.status, bad).toBe(400)
      expect(JSON.parse(res.body.toString()).error.code).toBe('validation_failed')
    }
    // Readers of the sheet (planning, other departments through 全課) may.
    expect((await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as('planning'))).status).toBe(200)
    for (const reader of ['somu', 'gikai']) expect((await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as(reader))).status, reader).toBe(200)
  })

  it('is audited as an export, per person and version', async () => {
    const before = (await (await as('kacho')).get<{ entries: AuditEntryView[] }>(`/api/sheets/${sheetId}/audit?action=sheet.export`)).body.entries
    await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as('chiiki'))
    const after = (await (await as('kacho')).get<{ entries: AuditEntryView[] }>(`/api/sheets/${sheetId}/audit?action=sheet.export`)).body.entries
    expect(after.length).toBe(before.length + 1)
    expect(after.find((e) => !before.some((b) => b.at === e.at && b.username === e.username && b.detail === e.detail))).toMatchObject({
      username: 'chiiki',
      action: 'sheet.export',
      detail: 'publication v1',
    })
  })

  it('includes the approved 中間評価 of the version: its columns beside each row, the indicator’s 実績値, its own SHA-256 and day in the footer; an evaluation not yet approved is left out', async () => {
    const kikaku = await as('kikaku')
    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })).status).toBe(201)
    const evaluation = (await kikaku.get<EvaluationResponse>(`/api/sheets/${sheetId}/evaluations/midyear`)).body
    const rows = evaluation.rows.map((r) => ({ ...r }))
    const indicatorId = rows[0]!.actuals[0]!.indicatorId
    rows[0] = { ...rows[0]!, status: 'below', actuals: [{ indicatorId, value: 61, date: '2025-09-30' }], done: '移住相談会を2回開催した。', next: '伴走支援を強める。' }
    rows[1] = { ...rows[1]!, status: 'onTrack' }
    expect((await kikaku.request('PUT', `/api/sheets/${sheetId}/evaluations/midyear`, { json: { rows } })).status).toBe(200)

    // Written but not approved: the page is the plan alone.
    let html = (await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, kikaku)).body.toString('utf8')
    expect(html).not.toContain('中間評価')
    expect(html).not.toContain('計画未満')

    expect((await kikaku.post(`/api/sheets/${sheetId}/evaluations/midyear/submit`)).status).toBe(200)
    expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/evaluations/midyear/approve`)).status).toBe(201)
    const frozen = (await kikaku.get<{ sha256: string; approvedAt: string }>(`/api/sheets/${sheetId}/evaluations/midyear/version`)).body

    html = (await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, kikaku)).body.toString('utf8')
    expectSelfContained(html)
    expect(headings(html, 2)).toEqual(parts)
    for (const head of ['評価（中間評価）', '実績（中間評価）', '課題・改善（中間評価）', '実績値（中間評価）', '時点（中間評価）']) {
      expect(html).toContain(`<th scope="col"`)
      expect(textOf(html)).toContain(head)
    }
    expect(html).toContain('<td>計画未満</td><td><span class="line">移住相談会を2回開催した。</span></td><td><span class="line">伴走支援を強める。</span></td>')
    expect(html).toContain('<td>計画どおり</td>')
    expect(html).toContain('<time datetime="2025-09-30">2025年9月30日</time>')
    expect(html).toContain('<td class="number">61</td>')
    // Rows nobody evaluated say so.
    expect(html).toContain('<td>（未評価）</td>')
    const footer = footerOf(html)
    expect(footer).toContain(`<code>${version.sha256}</code>`)
    expect(footer).toContain(`<code>${frozen.sha256}</code>`)
    expect(footer).toContain(`中間評価の承認日</dt><dd><time datetime="`)
    expect(footer).toContain(townDateJa(frozen.approvedAt, server.services.config.timeZone))
  })
})

describe('GET /api/fiscal-years/:year/publication.zip', () => {
  it('gives 企画 and admins an index linking every approved department’s page by relative href, plus each page as served alone; drafts are left out', async () => {
    for (const user of ['planning', 'admin']) {
      const res = await fetchRaw('/api/fiscal-years/2025/publication.zip', await as(user))
      expect(res.status, user).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/zip')
      expect(decodeURIComponent(res.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toMatch(/^2025_課等の方針_公開用_\d{8}\.zip$/)
      const files = unzipSync(new Uint8Array(res.body))
      // 総務課's sheet is a draft (and 議会事務局's, added above): only 企画財政課 is published.
      expect(Object.keys(files)).toEqual(['index.html', 'kikaku-zaisei.html'])
      const index = new TextDecoder().decode(files['index.html'])
      expectSelfContained(index)
      expect(headings(index, 1)).toEqual(['令和7年度 課等の方針'])
      expect([...index.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['kikaku-zaisei.html'])
      expect(index).toContain('<a href="kikaku-zaisei.html">企画財政課</a>')
      expect(index).toContain(`<code>${version.sha256}</code>`)
      const page = new TextDecoder().decode(files['kikaku-zaisei.html'])
      const alone = (await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, await as(user))).body.toString('utf8')
      expect(page).toBe(alone)
    }
  })

  it('takes each department’s latest approved version, in the town’s order', async () => {
    // 総務課 approved too: its page joins, after 企画財政課 as the town orders them.
    const somu = await as('somu')
    expect((await somu.post(`/api/sheets/${somuSheetId}/submit`)).status).toBe(200)
    // The demo town has no 課長 of 総務課: one is made for this test, as an admin would.
    await server.services.stores.users.create({ username: 'somu-head', displayName: '総務 課長', role: 'head', departmentId: 'somu', sectionId: null, passwordHash: await hashPassword('hoshin-demo') })
    const head = await as('somu-head')
    expect((await head.post(`/api/sheets/${somuSheetId}/approve`)).status).toBe(201)
    const files = unzipSync(new Uint8Array((await fetchRaw('/api/fiscal-years/2025/publication.zip', await as('planning'))).body))
    expect(Object.keys(files)).toEqual(['index.html', 'kikaku-zaisei.html', 'somu.html'])
    const index = new TextDecoder().decode(files['index.html'])
    expect([...index.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['kikaku-zaisei.html', 'somu.html'])
    expect(headings(new TextDecoder().decode(files['somu.html']), 1)).toEqual(['令和7年度 総務課 課等の方針'])
  })

  it('is refused to everyone but 企画 and admins (403 before the year is looked at), 404 for a year with no sheets or none approved, 400 for a year that is no year', async () => {
    for (const user of ['kikaku', 'kacho', 'somu']) {
      const res = await fetchRaw('/api/fiscal-years/2025/publication.zip', await as(user))
      expect(res.status, user).toBe(403)
      expect((await fetchRaw('/api/fiscal-years/abc/publication.zip', await as(user))).status, user).toBe(403)
    }
    expect((await fetchRaw('/api/fiscal-years/2025/publication.zip')).status).toBe(401)
    const planning = await as('planning')
    expect((await fetchRaw('/api/fiscal-years/2031/publication.zip', planning)).status).toBe(404)
    for (const bad of ['abc', '1900', '2025.5']) {
      const res = await fetchRaw(`/api/fiscal-years/${bad}/publication.zip`, planning)
      expect(res.status, bad).toBe(400)
      expect(JSON.parse(res.body.toString()).error.code).toBe('validation_failed')
    }
    // 2026 opened: every department has a draft, none approved yet.
    expect((await planning.post('/api/fiscal-years', { year: 2026, carryForward: false })).status).toBe(201)
    const none = await fetchRaw('/api/fiscal-years/2026/publication.zip', planning)
    expect(none.status).toBe(404)
    expect(JSON.parse(none.body.toString()).error.message).toContain('承認済み')
  })
})

describe('with the review above the 課長 on (企画確認, 庁議報告)', () => {
  it('publishes a version only once its 庁議報告 is recorded, and the bundle keeps the last reported version while a newer one waits', async () => {
    const planning = await as('planning')
    expect((await planning.request('PUT', '/api/town-settings', { json: { reviewStep: true } })).status).toBe(200)
    try {
      const kikaku = await as('kikaku')
      const waiting = await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, kikaku)
      expect(waiting.status).toBe(404)
      expect(JSON.parse(waiting.body.toString()).error).toMatchObject({ code: 'not_found', message: expect.stringContaining('庁議報告') })
      // Nothing of the year is reported yet: no bundle.
      expect((await fetchRaw('/api/fiscal-years/2025/publication.zip', planning)).status).toBe(404)

      expect((await planning.post(`/api/sheets/${sheetId}/review/confirm`)).status).toBe(200)
      expect((await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, kikaku)).status).toBe(404)
      // Reported today: the meeting's day may not be before the approval.
      const today = townIsoDate(new Date(), server.services.config.timeZone)
      expect((await planning.post(`/api/sheets/${sheetId}/review/report`, { date: today })).status).toBe(200)
      expect((await fetchRaw(`/api/sheets/${sheetId}/versions/1/publication.html`, kikaku)).status).toBe(200)
      let files = unzipSync(new Uint8Array((await fetchRaw('/api/fiscal-years/2025/publication.zip', planning)).body))
      expect(Object.keys(files)).toEqual(['index.html', 'kikaku-zaisei.html'])

      // A revision approved as v2 waits for its own review; the town's site keeps v1 meanwhile.
      expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/reopen`)).status).toBe(200)
      expect((await kikaku.post(`/api/sheets/${sheetId}/submit`)).status).toBe(200)
      expect((await (await as('kacho')).post(`/api/sheets/${sheetId}/approve`)).status).toBe(201)
      expect((await fetchRaw(`/api/sheets/${sheetId}/versions/2/publication.html`, kikaku)).status).toBe(404)
      files = unzipSync(new Uint8Array((await fetchRaw('/api/fiscal-years/2025/publication.zip', planning)).body))
      expect(Object.keys(files)).toEqual(['index.html', 'kikaku-zaisei.html'])
      expect(footerOf(new TextDecoder().decode(files['kikaku-zaisei.html']))).toContain(`<code>${version.sha256}</code>`)
      expect(new TextDecoder().decode(files['index.html'])).toMatch(/<td>v1<\/td>/)
    } finally {
      expect((await planning.request('PUT', '/api/town-settings', { json: { reviewStep: false } })).status).toBe(200)
    }
    // Off again: every approved version is publishable, as before the step existed.
    expect((await fetchRaw(`/api/sheets/${sheetId}/versions/2/publication.html`, await as('kikaku'))).status).toBe(200)
  })
})
