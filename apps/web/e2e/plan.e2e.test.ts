import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, launchBrowser, officeUser, startServer } from './harness.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const output = path.resolve(here, '..', 'test-results', 'plan')
const sampleCsv = path.resolve(here, '..', '..', 'server', 'samples', 'plan-sample.csv')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`) })
const picker = (page: Page, row: string) => page.locator(`summary[aria-label^="${row} の総合計画の施策"]`)

/** Opens a department's 令和7年度 sheet from the list; resolves when its editor is live. */
async function openSheet(page: Page, department: string) {
  await page.getByRole('link', { name: department }).first().click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
}

/** Links a row to the plan 施策 found by `query`, with the keyboard only: focus, Enter, type, Tab, Space, Escape. */
async function linkByKeyboard(page: Page, row: string, query: string, expected: string) {
  const summary = picker(page, row)
  await summary.focus()
  await page.keyboard.press('Enter')
  const search = page.getByRole('searchbox', { name: '番号か名前で探す' })
  await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true)
  await page.keyboard.type(query)
  await page.getByRole('checkbox', { name: expected }).waitFor()
  await page.keyboard.press('Tab')
  await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.parentElement?.textContent)).toBe(expected)
  await page.keyboard.press('Space')
  await expect.poll(() => page.getByRole('checkbox', { name: expected }).isChecked()).toBe(true)
  await page.keyboard.press('Escape')
  await expect.poll(() => summary.evaluate((el) => el === document.activeElement)).toBe(true)
  await expect.poll(() => summary.textContent()).toContain(expected)
}

/** The editor says what it typed is stored on the server. */
const stored = (page: Page) => page.getByText('保存済み').first().waitFor()

describe('the comprehensive plan (総合計画) in the browser', () => {
  it('planning imports a plan, two departments link rows, the coverage view shows the one 施策 left unaddressed', async () => {
    // 企画: the plan page from the navigation, a plan for 令和4〜8年度, the sample CSV previewed then imported.
    const planning = await officeUser(browser, server, 'planning')
    await planning.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '総合計画' }).click()
    await planning.getByRole('heading', { level: 1, name: '総合計画' }).waitFor()
    await planning.getByText('計画を作成').first().click()
    await planning.getByLabel('計画の名前').fill('第6次総合計画 後期基本計画')
    await planning.getByLabel('計画期間（始まり）').selectOption({ label: '令和4年度' })
    await planning.getByLabel('計画期間（終わり）').selectOption({ label: '令和8年度' })
    await planning.getByRole('button', { name: '計画を作成' }).click()
    await planning.getByRole('heading', { name: '第6次総合計画 後期基本計画（令和4年度〜令和8年度）' }).waitFor()
    await planning.getByLabel('取り込むファイル').setInputFiles(sampleCsv)
    await planning.getByRole('button', { name: '内容を確認' }).click()
    const preview = planning.getByRole('region', { name: '取り込む前の確認' })
    await preview.getByText('施策「1-1 移住定住の促進」を追加').waitFor()
    await preview.getByText('ファイルの内容: 基本目標 3・施策 5・KPI 5').waitFor()
    await preview.getByText('文字コード・形式: UTF-8').waitFor()
    await shot(planning, '1-import-preview')
    await preview.getByRole('button', { name: '取り込む' }).click()
    await planning.getByRole('status').filter({ hasText: '取り込みました。' }).waitFor()
    const structure = planning.getByRole('table').filter({ hasText: '移住定住の促進' })
    await structure.getByRole('rowheader', { name: '3-1' }).waitFor()
    await structure.getByRole('columnheader', { name: '令和7年度目標' }).waitFor()
    expect(await accessibilityProblems(planning)).toEqual([])
    await shot(planning, '2-plan')

    // 企画財政課: 施策 1 → 1-1 and 1-2 with the keyboard, 事務事業 1 → 2-2 with the mouse; a colleague in
    // another section has the same sheet open and sees each link arrive live.
    const kikaku = await officeUser(browser, server, 'kikaku')
    const chiiki = await officeUser(browser, server, 'chiiki')
    await Promise.all([openSheet(kikaku, '企画財政課'), openSheet(chiiki, '企画財政課')])
    await linkByKeyboard(kikaku, '施策 1', '1-1', '1-1 移住定住の促進')
    await linkByKeyboard(kikaku, '施策 1', '産業', '1-2 地域産業の振興')
    await expect.poll(() => picker(chiiki, '施策 1').textContent()).toBe('総合計画: 1-1 移住定住の促進、1-2 地域産業の振興')
    await picker(kikaku, '事務事業 1').click()
    await kikaku.getByRole('searchbox', { name: '番号か名前で探す' }).fill('デジタル')
    await kikaku.getByRole('checkbox', { name: '2-2 行政のデジタル化' }).check()
    await shot(kikaku, '3-picker')
    await kikaku.keyboard.press('Escape')
    await expect.poll(() => picker(kikaku, '事務事業 1').textContent()).toContain('2-2 行政のデジタル化')
    // An indicator of 施策 1 reports on the plan's KPI 移住者数: chosen with the keyboard (a radio list).
    await kikaku.getByRole('button', { name: '＋ 指標を追加 （施策 1）' }).click()
    await expect.poll(() => kikaku.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 1 指標 1 指標名')
    await kikaku.keyboard.type('移住者数（町の集計）')
    const kpi = kikaku.locator('summary[aria-label^="施策 1 指標 1 の総合計画の KPI"]')
    await kpi.focus()
    await kikaku.keyboard.press('Enter')
    await shot(kikaku, '3a-kpi-picker')
    await expect.poll(() => kikaku.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('search')
    await kikaku.keyboard.type('移住')
    await kikaku.getByRole('radio', { name: '1-1 移住者数（人）' }).waitFor()
    await kikaku.keyboard.press('Tab')
    await kikaku.keyboard.press('ArrowDown')
    await expect.poll(() => kikaku.getByRole('radio', { name: '1-1 移住者数（人）' }).isChecked()).toBe(true)
    await kikaku.keyboard.press('Escape')
    await expect.poll(() => kpi.textContent()).toContain('KPI: 移住者数')
    await stored(kikaku)
    // The print view names the links under the row and the indicator.
    await kikaku.goto(`${kikaku.url().replace(/[?#].*$/, '')}/print`)
    await kikaku.getByText('総合計画: 1-1 移住定住の促進、1-2 地域産業の振興').waitFor()
    await kikaku.getByText('総合計画: 2-2 行政のデジタル化').waitFor()
    await kikaku.getByText('総合計画の KPI: 移住者数').waitFor()
    await kikaku.getByText('総合計画: 1-1 移住定住の促進、1-2 地域産業の振興').scrollIntoViewIfNeeded()
    await shot(kikaku, '3b-print')

    // 総務課: 施策 1 → 2-1, found by its number typed full-width as with the IME on.
    const somu = await officeUser(browser, server, 'somu')
    await openSheet(somu, '総務課')
    await linkByKeyboard(somu, '施策 1', '２－１', '2-1 防災体制の強化')
    await stored(somu)

    // 企画: the coverage of 令和7年度.
    // The plan page links this fiscal year's coverage (the clock's); the demo sheets are 令和7年度'.
    await planning.getByRole('link', { name: /年度の取組状況を見る$/ }).click()
    await planning.getByRole('heading', { level: 1, name: /施策の取組状況$/ }).waitFor()
    await planning.getByLabel('年度').selectOption({ label: '令和7年度' })
    await planning.getByRole('heading', { level: 1, name: '令和7年度 施策の取組状況' }).waitFor()
    const unaddressed = planning.getByTestId('unaddressed')
    await expect.poll(() => unaddressed.getByRole('listitem').allTextContents()).toEqual(['3-1 公共施設の適正管理'])
    await planning.getByRole('heading', { name: 'どの課も取り組んでいない施策（1）' }).waitFor()
    const row = (number: string) => planning.getByRole('table').first().locator(`tr[data-measure="${number}"]`)
    await expect.poll(() => row('1-1').getByRole('cell').nth(1).textContent()).toBe('企画財政課')
    await expect.poll(() => row('2-1').getByRole('cell').nth(1).textContent()).toBe('総務課')
    await expect.poll(() => row('2-2').getByRole('link').textContent()).toMatch(/^企画財政課 事務事業 1 /)
    await expect.poll(() => row('3-1').getByRole('cell').nth(1).textContent()).toBe('取組なし')
    await expect.poll(() => planning.getByTestId('coverage-totals').textContent()).toContain('施策 5 のうち 4 に取組あり・1 は取組なし')
    expect(await accessibilityProblems(planning)).toEqual([])
    await shot(planning, '4-coverage')
    await planning.getByRole('heading', { name: 'KPI の目標と実績' }).scrollIntoViewIfNeeded()
    const kpiRow = planning.getByRole('table').nth(1).getByRole('row').filter({ hasText: '空き家' }).first()
    await kpiRow.waitFor()
    const migrants = planning.getByRole('table').nth(1).getByRole('row').filter({ has: planning.getByRole('rowheader', { name: '移住者数', exact: true }) })
    await expect.poll(() => migrants.textContent()).toContain('企画財政課「移住者数（町の集計）」')
    await shot(planning, '5-coverage-kpis')

    // Edited in the app: a new 施策 under 基本目標 3, saved; the coverage counts it as not addressed yet.
    await planning.getByRole('link', { name: '← 総合計画' }).click()
    await planning.getByRole('button', { name: '編集' }).click()
    await planning.getByRole('button', { name: '＋ 施策を追加（基本目標 3）' }).click()
    await planning.getByRole('textbox', { name: '施策 3-2', exact: true }).fill('健全な財政運営')
    await shot(planning, '6-edit')
    await planning.getByRole('button', { name: '変更を保存' }).click()
    await planning.getByRole('status').filter({ hasText: '保存しました。' }).waitFor()
    await planning.getByRole('table').filter({ hasText: '移住定住の促進' }).getByRole('rowheader', { name: '3-2' }).waitFor()
    await planning.goto(`${server.url}/plan/coverage/2025`)
    await expect.poll(() => planning.getByTestId('unaddressed').getByRole('listitem').allTextContents()).toEqual(['3-1 公共施設の適正管理', '3-2 健全な財政運営'])
  })
})
