import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sheet } from '@hoshin/sheet'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, launchBrowser, login, startServer } from './harness.js'

let server: E2eServer
let browser: Browser
/** Kept after the run for people to look at (gitignored). */
const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results')
const contexts: BrowserContext[] = []

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)))
})

const day = (zone: string, at = new Date()) => at.toLocaleDateString('ja-JP', { timeZone: zone })
/**
 * A PC whose clock is set to a zone far from Tokyo (a laptop from abroad, a mis-set PC): the town's
 * dates must not follow it. The zone is one whose calendar day differs from Tokyo's right now, so the
 * print footer's date tells them apart whenever the test runs.
 */
const pcZone = ['America/Los_Angeles', 'Pacific/Pago_Pago', 'Pacific/Kiritimati'].find((zone) => day(zone) !== day('Asia/Tokyo'))!

async function farAwayUser(): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.newContext({
    baseURL: server.url,
    locale: 'ja-JP',
    timezoneId: pcZone,
    viewport: { width: 1366, height: 768 },
  })
  contexts.push(context)
  const requests: string[] = []
  context.on('request', (request) => requests.push(request.url()))
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  return { context, page, requests }
}

const FIELD = '施策 1 施策の内容'

describe('the town’s time zone on a PC set to another', () => {
  it('shows the sheet list’s times and dates the print footer by Tokyo, not by the PC’s clock zone', async () => {
    const { page, requests } = await farAwayUser()
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(pcZone)
    await login(page, server, 'kikaku')
    const link = page.getByRole('link', { name: '企画財政課' })
    const sheetPath = (await link.getAttribute('href'))!

    // The sheet list's 更新日時 is Tokyo's, not this PC's.
    const time = page.locator('time').first()
    const updatedAt = (await time.getAttribute('datetime'))!
    const inTokyo = new Date(updatedAt).toLocaleString('ja-JP', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' })
    const onThisPc = new Date(updatedAt).toLocaleString('ja-JP', { dateStyle: 'medium', timeStyle: 'short', timeZone: pcZone })
    expect(inTokyo).not.toBe(onThisPc)
    expect((await time.textContent())?.trim()).toBe(inTokyo)

    // The print (PDF) footer is dated by Tokyo's calendar too.
    const tokyo = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(new Date())
    const part = (type: string) => tokyo.find((p) => p.type === type)!.value
    await page.goto(`${sheetPath}/print`)
    await page.getByRole('table', { name: /事務事業/ }).waitFor()
    const style = await page.locator('main style').textContent()
    expect(style).toContain(`作成中（${part('year')}年${part('month')}月${part('day')}日 時点）`)
    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:'))).toEqual([])
  })
})

describe('importing a file into the draft', () => {
  it('chooses with a Japanese button, previews, cancels, names a bad cell, applies, undoes', async () => {
    const { context, page, requests } = await farAwayUser()
    await login(page, server, 'kikaku')
    const link = page.getByRole('link', { name: '企画財政課' })
    const sheetPath = (await link.getAttribute('href'))!
    await link.click()
    await page.getByRole('textbox', { name: FIELD }).waitFor()
    const original = await fieldText(page, FIELD)

    // The file chooser is a Japanese button with the chosen file's name (or 選択されていません) beside it.
    const group = page.getByRole('group', { name: 'ファイルから取り込む' })
    const choose = group.getByRole('button', { name: 'ファイルを選択' })
    await expect.poll(() => group.textContent()).toContain('選択されていません')
    await page.screenshot({ path: path.join(output, 'import-chooser.png') })

    const sheet = (await (await context.request.get(`/api${sheetPath}/export.json`)).json()) as Sheet
    sheet.measures[0]!.content = '取り込みで書き換えた施策の内容'
    const file = { name: '企画財政課_編集後.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sheet)) }

    // Keyboard: the button, focused and pressed with Enter, opens the file chooser.
    await page.getByText('保存済み').waitFor()
    const opened = page.waitForEvent('filechooser')
    await choose.press('Enter')
    await (await opened).setFiles(file)
    const preview = page.locator('.import-preview')
    await preview.getByText('取り込みで書き換えた施策の内容').waitFor()
    expect(await group.textContent()).toContain('企画財政課_編集後.json')
    expect(await accessibilityProblems(page)).toEqual([])
    await page.screenshot({ path: path.join(output, 'import-preview.png') })

    // キャンセル discards the chosen file: no preview, nothing changed.
    await page.getByRole('button', { name: 'キャンセル' }).click()
    await preview.waitFor({ state: 'detached' })
    expect(await choose.evaluate((button) => button === document.activeElement)).toBe(true)
    expect(await group.textContent()).toContain('選択されていません')
    expect(await fieldText(page, FIELD)).toBe(original)

    // A bad cell is named as staff count it, in Japanese.
    const bad = structuredClone(sheet) as unknown as { projects: Record<string, unknown>[] }
    bad.projects[0]!.budget = '三万'
    await page.locator('input[type="file"]').setInputFiles({ ...file, name: '誤り.json', buffer: Buffer.from(JSON.stringify(bad)) })
    await page.getByRole('status').getByText(`事務事業 行 1「${sheet.projects[0]!.name}」の 事業費`).waitFor()

    // Chosen again (setInputFiles on the hidden input) and applied: everyone's editor shows the file's content.
    await page.locator('input[type="file"]').setInputFiles(file)
    await page.getByRole('button', { name: 'この内容で取り込む' }).click()
    await page.getByRole('status').getByText('取り込みました。').waitFor()
    await expect.poll(() => fieldText(page, FIELD)).toBe('取り込みで書き換えた施策の内容')
    const undo = page.getByRole('button', { name: '取り込みを元に戻す' })
    await undo.waitFor()
    expect(await accessibilityProblems(page)).toEqual([])
    await page.screenshot({ path: path.join(output, 'import-applied.png') })

    // One step back.
    await undo.click()
    await page.getByRole('status').getByText('取り込みを元に戻しました。').waitFor()
    await expect.poll(() => fieldText(page, FIELD)).toBe(original)
    await undo.waitFor({ state: 'detached' })

    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:'))).toEqual([])
  })
})
