import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, focusEnd, launchBrowser, officeUser, startServer } from './harness.js'

// Issue 16: an approved evaluation is frozen and hashed as plan versions are — its own version list, the
// changes since its submission row-named for the 課長, and its steps in the audit trail in Japanese.

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'evaluation-history')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`), fullPage: false })

/** Polls for up to 20 s: on a shared two-core machine a step and its refetch can take seconds. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 })

/** A person at 1366×768 in 企画財政課's sheet, its editor live. */
async function inSheet(username: string): Promise<Page> {
  const page = await officeUser(browser, server, username)
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
  return page
}

const status = (page: Page, row: string) => page.getByRole('combobox', { name: `中間評価 ${row} 評価`, exact: true })
const region = (page: Page) => page.getByRole('region', { name: '評価', exact: true })
const sheetIdOf = (page: Page) => /\/sheets\/([^/?#]+)/.exec(page.url())![1]!

/** A step the page's own session asks for (same origin, its cookie): the answer's status. */
const post = (page: Page, url: string) => page.evaluate(async (u) => (await fetch(u, { method: 'POST', headers: { accept: 'application/json' } })).status, url)

const MEASURE_2 = '施策 2 移住定住・二地域居住の推進、関係人口の拡大・創出'

describe('an approved 中間評価 in the history', () => {
  it('the 課長 sees the changes since submission row-named before approving; the history lists the frozen version with its SHA-256 and JSON; the audit reads in Japanese', async () => {
    const [a, b, head] = await Promise.all([inSheet('kikaku'), inSheet('chiiki'), inSheet('kacho')])
    const sheetId = sheetIdOf(a)

    // A plan with an indicator to measure, approved as every year; then the 中間評価 opened.
    await a.getByRole('button', { name: '＋ 指標を追加 （施策 2）' }).click()
    await poll(() => a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 2 指標 1 指標名')
    await a.keyboard.type('移住相談件数')
    const unit = a.getByRole('textbox', { name: '施策 2 指標 1 単位', exact: true })
    await unit.fill('件')
    await unit.press('Enter')
    await poll(() => head.getByRole('textbox', { name: '施策 2 指標 1 単位', exact: true }).inputValue()).toBe('件')
    await a.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await head.getByRole('button', { name: '承認', exact: true }).click()
    await head.getByRole('dialog', { name: '承認の確認' }).getByRole('button', { name: '承認して確定する' }).click()
    await poll(() => a.getByRole('button', { name: '中間評価を始める' }).count()).toBe(1)
    await a.getByRole('button', { name: '中間評価を始める' }).click()
    for (const page of [a, b, head]) await status(page, '施策 2').waitFor()

    // Written and submitted; the 課長 sends it back once with a reason, and it is submitted again.
    await status(a, '施策 2').selectOption({ label: '計画どおり' })
    await focusEnd(a, '中間評価 施策 2 実績')
    await a.keyboard.type('相談会を4回開催した。')
    await poll(() => status(head, '施策 2').inputValue()).toBe('onTrack')
    await region(a).getByRole('button', { name: '確認を依頼', exact: true }).click()
    await poll(() => region(head).getByText('確認依頼中', { exact: true }).count()).toBe(1)
    // Nothing has changed since the submission yet: the 課長 is told so.
    const since = head.getByRole('region', { name: '中間評価の確認依頼後の変更' })
    await poll(() => since.textContent()).toContain('確認依頼の後の変更はありません。')
    expect(await since.textContent()).toContain('確認依頼（佐藤 美咲、')
    await region(head).getByRole('button', { name: '差し戻し', exact: true }).click()
    await region(head).getByLabel('差し戻しの理由').fill('実績値の時点も入れてください')
    await region(head).getByRole('button', { name: '差し戻す' }).click()
    await poll(() => region(a).getByText('作成中', { exact: true }).count()).toBe(1)
    await region(a).getByRole('button', { name: '確認を依頼', exact: true }).click()
    await poll(() => region(head).getByText('確認依頼中', { exact: true }).count()).toBe(1)

    // A staff member may not approve: refused, and audited.
    expect(await post(b, `/api/sheets/${sheetId}/evaluations/midyear/approve`)).toBe(403)

    // Another section corrects the evaluation during the review.
    await status(b, '施策 2').selectOption({ label: '計画未満' })
    await focusEnd(b, '中間評価 施策 2 課題・改善')
    await b.keyboard.type('空き家情報の更新が遅れている。')
    const actual = b.getByRole('textbox', { name: '中間評価 施策 2 指標 1 実績値', exact: true })
    await actual.fill('６４')
    await actual.press('Enter')

    // Beside the 課長's steps: each change named by its row and field, the status in words, who made it.
    const statusRow = since.getByRole('row').filter({ hasText: `${MEASURE_2} ／ 評価` })
    await poll(() => statusRow.textContent()).toMatch(/計画どおり.*計画未満.*鈴木 健太/)
    const nextRow = since.getByRole('row').filter({ hasText: `${MEASURE_2} ／ 課題・改善` })
    await poll(() => nextRow.textContent()).toMatch(/（空欄）.*空き家情報の更新が遅れている。.*鈴木 健太/)
    const actualRow = since.getByRole('row').filter({ hasText: `${MEASURE_2} ／ 実績値「移住相談件数」` })
    await poll(() => actualRow.textContent()).toMatch(/（空欄）.*64 件.*鈴木 健太/)
    expect(await since.textContent()).not.toMatch(/onTrack|below|measure-|status|actuals/)

    // The 承認 dialog says how many changed since the submission, and lists them by row.
    await region(head).getByRole('button', { name: '承認', exact: true }).click()
    const dialog = head.getByRole('dialog', { name: '中間評価の承認の確認' })
    await poll(() => dialog.textContent()).toContain('確認依頼後の変更 3 件')
    const inDialog = (await dialog.textContent()) ?? ''
    for (const words of [`${MEASURE_2} ／ 評価`, `${MEASURE_2} ／ 実績値「移住相談件数」`, `${MEASURE_2} ／ 課題・改善`, '計画どおり', '計画未満', '承認済みの方針（版 1）の中間評価を承認し']) expect(inDialog).toContain(words)
    expect(await accessibilityProblems(head)).toEqual([])
    await shot(head, '01-approve-dialog')
    await dialog.getByRole('button', { name: '承認して確定する' }).click()
    await poll(() => head.getByRole('status').filter({ hasText: /中間評価は承認済です（課長 伊藤 正和、/ }).count()).toBe(1)

    // 履歴: the evaluation's version as the plan's are, with its hash and its frozen JSON.
    await head.getByRole('button', { name: '履歴', exact: true }).click()
    const versions = head.getByRole('region', { name: '評価の版（中間評価・年度末評価）' })
    const row = versions.getByRole('row').filter({ hasText: '中間評価' })
    await poll(() => row.textContent()).toContain('承認済')
    const stored = (await (await head.request.get(`/api/sheets/${sheetId}/evaluations/midyear/version`)).json()) as { sha256: string }
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(await row.textContent()).toMatch(new RegExp(`v1.*承認済.*伊藤 正和.*${stored.sha256.slice(0, 12)}…`))
    expect(await row.locator('code').getAttribute('title')).toBe(stored.sha256)
    // The JSON saved is byte for byte what was hashed.
    const [download] = await Promise.all([head.waitForEvent('download'), row.getByRole('link', { name: '中間評価の確定 JSON を保存' }).click()])
    const file = readFileSync((await download.path())!)
    expect(createHash('sha256').update(file).digest('hex')).toBe(stored.sha256)
    expect(JSON.parse(file.toString('utf8'))).toMatchObject({ format: 'hoshin.evaluation/v1', kind: 'midyear', planVersion: 1 })
    expect(download.suggestedFilename()).toBe('hoshin-kikaku-zaisei-2025-midyear.json')

    // …and what changed between its submission and its approval, row-named.
    const history = head.getByRole('region', { name: '中間評価の確認依頼後の変更' })
    await poll(() => history.textContent()).toContain('中間評価の確認依頼後の変更（3 件）')
    expect(await history.textContent()).toContain('から承認までに変更された項目です。')
    expect(await history.getByRole('row').filter({ hasText: `${MEASURE_2} ／ 評価` }).textContent()).toMatch(/計画どおり.*計画未満.*鈴木 健太/)

    // The audit trail names every step in Japanese, the kind as 中間評価, never the stored words. The kind
    // filter shows the evaluation's entries alone (choosing it reads the trail again, the download included).
    const audit = head.getByRole('region', { name: '操作の記録' })
    await audit.getByLabel('種類').selectOption({ label: '中間評価・年度末評価' })
    await poll(() => audit.getByRole('row').filter({ hasText: '評価の書き出し' }).count()).toBe(1)
    expect(await audit.getByRole('row').filter({ hasText: '版の確定' }).count()).toBe(0)
    expect(await audit.getByRole('row').filter({ hasText: '評価の確認依頼' }).count()).toBe(2)
    await audit.getByLabel('種類').selectOption({ label: 'すべて' })
    await poll(() => audit.getByRole('row').filter({ hasText: '版の確定' }).count()).toBe(1)
    const text = (await audit.textContent()) ?? ''
    for (const words of [
      '評価の開始',
      '評価の確認依頼',
      '評価の差し戻し',
      '中間評価（理由: 実績値の時点も入れてください）',
      '評価の承認（権限がなく拒否）',
      '評価の承認',
      `中間評価（SHA-256 ${stored.sha256.slice(0, 12)}…）`,
      '中間評価（JSON）',
      '評価の書き出し',
    ])
      expect(text).toContain(words)
    for (const raw of ['evaluation.', 'midyear', 'sheet.', 'sha256=']) expect(text).not.toContain(raw)

    // The sheet's audit API answers the evaluation's entries, each with the sheet as its target.
    const entries = ((await (await head.request.get(`/api/sheets/${sheetId}/audit?action=evaluation.`)).json()) as { entries: { action: string }[] }).entries
    expect(entries.map((e) => e.action)).toEqual([
      'evaluation.open',
      'evaluation.submit',
      'evaluation.return',
      'evaluation.submit',
      'evaluation.approve.refused',
      'evaluation.approve',
      'evaluation.export',
    ])

    await versions.scrollIntoViewIfNeeded()
    expect(await accessibilityProblems(head)).toEqual([])
    await shot(head, '02-history-versions')
    await history.scrollIntoViewIfNeeded()
    await shot(head, '03-history-changes')
    await audit.scrollIntoViewIfNeeded()
    await shot(head, '04-history-audit')
  }, 240_000)
})
