import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, fieldText, focusEnd, launchBrowser, newUser, officeUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

/** A call to the API from inside a signed-in page (its cookie, its origin), as the app makes it. */
async function call(page: Page, method: string, path: string): Promise<number> {
  return page.evaluate(async ([m, p]) => (await fetch(p!, { method: m, headers: { 'content-type': 'application/json' } })).status, [method, path])
}

const connection = (page: Page) => page.locator('[data-status]').getAttribute('data-status')
const copies = (page: Page) =>
  page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('hoshin-sheet-')))
const sheetIdOf = (page: Page) => new URL(page.url()).pathname.split('/').pop()!

describe('a shared PC', () => {
  it('logging out with unsent changes asks first; the copies are erased and the next person never sends them', async () => {
    const { context, page } = await newUser(browser, server)
    await openSheet(page, server, 'kikaku')
    await expect.poll(() => connection(page), { timeout: 20_000 }).toBe('synced')
    await context.setOffline(true)
    await focusEnd(page, '行政課題 5')
    await page.keyboard.type('（共用端末の未送信）')
    await expect.poll(() => connection(page)).toBe('offline')
    // Away from the sheet, back online: only this PC's copy holds the text.
    await page.getByRole('link', { name: /一覧へ戻る/ }).click()
    await context.setOffline(false)
    await page.getByRole('button', { name: 'ログアウト' }).click()
    const dialog = page.getByRole('dialog', { name: '未送信の変更があります' })
    await dialog.waitFor()
    await shot(page, 'logout-pending')
    await dialog.getByRole('button', { name: '破棄してログアウト' }).click()
    await page.getByRole('button', { name: 'ログイン' }).waitFor()
    // Nothing of the first person's copies is left on this PC.
    await expect.poll(() => copies(page)).toEqual([])

    // The next person at the same PC opens the same sheet.
    await openSheet(page, server, 'chiiki')
    // 保存済み: the server acknowledged this page's first sync step 2, the one that would carry the text.
    await expect.poll(() => connection(page), { timeout: 20_000 }).toBe('synced')
    expect(await fieldText(page, '行政課題 5')).not.toContain('共用端末')
  })

  it('“send, then sign out” sends what the copy holds and waits for the server to store it', async () => {
    const { context, page } = await newUser(browser, server)
    await openSheet(page, server, 'joho')
    await expect.poll(() => connection(page), { timeout: 20_000 }).toBe('synced')
    await context.setOffline(true)
    await focusEnd(page, '行政課題 4')
    await page.keyboard.type('（ログアウト前に送信）')
    await page.getByRole('link', { name: /一覧へ戻る/ }).click()
    await context.setOffline(false)
    await page.getByRole('button', { name: 'ログアウト' }).click()
    await page.getByRole('dialog', { name: '未送信の変更があります' }).getByRole('button', { name: '送信してからログアウト' }).click()
    await page.getByRole('button', { name: 'ログイン' }).waitFor()
    const reader = await newUser(browser, server)
    await openSheet(reader.page, server, 'zero')
    expect(await fieldText(reader.page, '行政課題 4')).toContain('（ログアウト前に送信）')
  })
})

describe('late offline edits', () => {
  it('typed offline while the head approves: shown at once with field and text, the approved sheet on screen, carried into the revision', async () => {
    const { context, page } = await newUser(browser, server)
    await page.setViewportSize({ width: 1366, height: 768 })
    await openSheet(page, server, 'zero')
    await expect.poll(() => connection(page), { timeout: 20_000 }).toBe('synced')
    const sheetId = sheetIdOf(page)
    const approved = await fieldText(page, '施策 3 施策の内容')
    await context.setOffline(true)
    await focusEnd(page, '施策 3 施策の内容')
    await page.keyboard.type('（オフライン中の追記）')

    const head = await officeUser(browser, server, 'kacho')
    expect(await call(head, 'POST', `/api/sheets/${sheetId}/submit`)).toBe(200)
    expect(await call(head, 'POST', `/api/sheets/${sheetId}/approve`)).toBe(201)

    await context.setOffline(false)
    const notice = page.getByRole('alert').filter({ hasText: '承認後に届いたあなたの変更は反映されていません' })
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain('（オフライン中の追記）')
    expect(await notice.textContent()).toContain('施策 3')
    // The screen shows what was approved, and says it is connected, not offline.
    await expect.poll(() => fieldText(page, '施策 3 施策の内容'), { timeout: 20_000 }).toBe(approved)
    await expect.poll(() => connection(page)).toBe('synced')
    // The page learnt of the approval it missed while offline.
    await page.locator('.status-approved').waitFor()
    await shot(page, 'late-edit-kept')

    expect(await call(head, 'POST', `/api/sheets/${sheetId}/reopen`)).toBe(200)
    await notice.getByRole('button', { name: '改訂版に反映する' }).click()
    await expect.poll(() => fieldText(page, '施策 3 施策の内容'), { timeout: 20_000 }).toBe(`${approved}（オフライン中の追記）`)
    await expect.poll(() => notice.count()).toBe(0)
  })
})

describe('access that ends while the sheet is open', () => {
  it('a reader whose department the sheet no longer names as 連携課 is told so in Japanese', async () => {
    const reader = await officeUser(browser, server, 'kikaku')
    await reader.getByRole('link', { name: '総務課' }).click()
    await reader.getByText('このシートは閲覧のみです').waitFor()
    const sheetId = sheetIdOf(reader)
    // 総務課 takes 企画財政課 off every row (an import of its own sheet without partners).
    const editor = await officeUser(browser, server, 'somu')
    const status = await editor.evaluate(async (id) => {
      const sheet = await (await fetch(`/api/sheets/${id}/export.json`)).json()
      for (const row of [...sheet.measures, ...sheet.projects]) row.partners = []
      const body = JSON.stringify(sheet)
      return (await fetch(`/api/sheets/${id}/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status
    }, sheetId)
    expect(status).toBe(200)
    await reader.getByRole('alert').filter({ hasText: 'このシートを見る権限がなくなりました' }).waitFor()
    expect(await connection(reader)).toBe('ended')
    await shot(reader, 'access-ended')
  })
})

describe('the view log', () => {
  it('the 課長 sees who opened the sheet under 履歴 → 閲覧記録', async () => {
    const staff = await officeUser(browser, server, 'chiiki')
    await staff.getByRole('link', { name: '企画財政課' }).click()
    await staff.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    const head = await officeUser(browser, server, 'kacho')
    await head.getByRole('link', { name: '企画財政課' }).click()
    await head.getByRole('button', { name: '履歴' }).click()
    const log = head.getByRole('region', { name: '閲覧記録' })
    await expect.poll(() => log.getByRole('row').filter({ hasText: '鈴木 健太' }).count()).toBeGreaterThan(0)
    expect(await log.getByRole('row').filter({ hasText: '鈴木 健太' }).first().textContent()).toContain('現在のシート')
    await log.scrollIntoViewIfNeeded()
    await shot(head, 'view-log')
  })
})

/** Screenshots for a person to look at, only when asked for (HOSHIN_SCREENSHOTS=<folder>). */
async function shot(page: Page, name: string): Promise<void> {
  const folder = process.env.HOSHIN_SCREENSHOTS
  if (folder) await page.screenshot({ path: `${folder}/${name}.png` })
}
