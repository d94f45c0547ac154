import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SheetListResponse } from '@hoshin/protocol'
import { townIsoDate } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, bellCount, type E2eServer, launchBrowser, login, newUser, startServer } from './harness.js'

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'board')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`) })

/** A person at an office PC's usual screen size. */
async function person(username: string, password?: string): Promise<Page> {
  const { page } = await newUser(browser, server)
  await page.setViewportSize({ width: 1366, height: 768 })
  await login(page, server, username, password)
  await page.getByRole('heading', { name: '課等の方針一覧' }).waitFor()
  return page
}

/** A request from inside the page: its session cookie, its Origin (mutations are origin-checked). */
function call<T>(page: Page, method: string, url: string, json?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, url, json }) => {
      const response = await fetch(url, {
        method,
        headers: json === undefined ? {} : { 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
      })
      return { status: response.status, body: await response.json().catch(() => null) }
    },
    { method, url, json },
  )
}

/** The board's line of one department. */
const boardRow = (page: Page, department: string) => page.getByRole('table', { name: /各課の方針の状況/ }).getByRole('row').filter({ hasText: department })

/** A date counted on the town's calendar (Asia/Tokyo), as the board counts days, not on this machine's. */
function isoDate(daysFromToday: number): string {
  return townIsoDate(new Date(Date.now() + daysFromToday * 86_400_000))
}

describe('the fiscal year, the board, the bell', () => {
  it('planning opens 2026 carried forward; the board and the bells follow the department’s work live; 前年度 shows last year’s text', async () => {
    // 令和7年度 approved first: 2026 is carried forward from the approved version.
    const staff = await person('kikaku')
    const head = await person('kacho')
    const { body: list } = await call<SheetListResponse>(staff, 'GET', '/api/sheets')
    const sheet2025 = list.sheets.find((s) => s.fiscalYear === 2025 && s.department.name === '企画財政課')!
    expect((await call(staff, 'POST', `/api/sheets/${sheet2025.id}/submit`)).status).toBe(200)
    expect((await call(head, 'POST', `/api/sheets/${sheet2025.id}/approve`)).status).toBe(201)

    // A planning (企画) account, which belongs to no department, made by the admin.
    const admin = await person('admin')
    const created = await call(admin, 'POST', '/api/admin/users', {
      username: 'kikakubu',
      displayName: '山本 千尋',
      role: 'planning',
      password: 'planning-demo-1',
    })
    expect(created.status).toBe(201)

    const planning = await person('kikakubu', 'planning-demo-1')
    await planning.getByRole('link', { name: '年度', exact: true }).click()
    await planning.goto(`${server.url}/years/2026`)
    await planning.getByRole('heading', { name: '令和8年度 課等の方針 進捗' }).waitFor()
    await planning.getByText('令和8年度のシートはまだありません。').waitFor()
    const form = planning.getByRole('form', { name: '年度を開始' })
    expect(await form.getByLabel('前年度から引き継ぐ', { exact: false }).isChecked()).toBe(true)
    await form.getByLabel('提出期限').fill(isoDate(10))
    await form.getByRole('button', { name: '年度を開始' }).click()
    await expect.poll(() => planning.locator('.open-year-done').textContent()).toMatch(/令和8年度のシートを 2 件作成しました/)
    await expect.poll(() => boardRow(planning, '企画財政課').count()).toBe(1)
    expect(await boardRow(planning, '総務課').count()).toBe(1)
    expect(await planning.getByText('（あと10日）').count()).toBe(1)
    const kikakuLine = boardRow(planning, '企画財政課')
    expect(await kikakuLine.textContent()).toContain('作成中')
    // Carried forward: the approved 令和7年度 measures and their budgets.
    expect(await kikakuLine.getByRole('cell').nth(4).textContent()).toBe(String(kikakuZaisei2025.measures.length))
    expect(await kikakuLine.textContent()).toContain('394,502')
    expect(await planning.getByRole('figure', { name: '状態ごとの課の数' }).textContent()).toContain('作成中2課')
    expect(await planning.getByRole('link', { name: '年度全体の Excel' }).getAttribute('href')).toBe('/api/fiscal-years/2026/export.xlsx')
    expect(await accessibilityProblems(planning)).toEqual([])
    await shot(planning, '01-board-planning')

    // Sorting by a header says so to screen readers.
    const budgetHeader = planning.getByRole('columnheader', { name: /事業費合計/ })
    await budgetHeader.getByRole('button').click()
    expect(await budgetHeader.getAttribute('aria-sort')).toBe('ascending')
    await budgetHeader.getByRole('button').click()
    expect(await budgetHeader.getAttribute('aria-sort')).toBe('descending')
    expect(await planning.getByRole('table', { name: /各課の方針の状況/ }).getByRole('row').nth(1).textContent()).toContain('企画財政課')

    // The head of 企画財政課 sees their own line and the town total.
    await head.goto(`${server.url}/years/2026`)
    await expect.poll(() => boardRow(head, '企画財政課').count()).toBe(1)
    expect(await boardRow(head, '総務課').count()).toBe(0)
    expect(await boardRow(head, '町全体').count()).toBe(1)
    expect(await head.getByRole('form', { name: '年度を開始' }).count()).toBe(0)
    await shot(head, '02-board-head')

    // The staff types in the 2026 sheet; planning's board follows without a reload.
    const sheetPath = (await kikakuLine.getByRole('link', { name: '企画財政課' }).getAttribute('href'))!
    await planning.evaluate(() => {
      ;(window as unknown as { stillHere: boolean }).stillHere = true
    })
    await staff.goto(`${server.url}${sheetPath}`)
    const content = staff.getByRole('textbox', { name: '施策 1 施策の内容', exact: true })
    await content.click()
    await staff.keyboard.press('Control+End')
    await staff.keyboard.type('（令和8年度は対象を拡大）')
    await expect.poll(() => kikakuLine.textContent(), { timeout: 20_000 }).toContain('佐藤 美咲')
    const townTotal = planning.getByTestId('board-budget-total')
    const totalBefore = await townTotal.textContent()
    const budget = staff.getByRole('textbox', { name: '事務事業 1 事業費' })
    await budget.fill('1,000')
    await budget.press('Enter')
    await expect.poll(() => townTotal.textContent(), { timeout: 20_000 }).not.toBe(totalBefore)
    expect(await planning.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true)

    // Submitted: the head's bell goes up while the head looks at the board.
    const headBefore = await bellCount(head)
    await staff.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await expect.poll(() => bellCount(head), { timeout: 20_000 }).toBe(headBefore + 1)
    await expect.poll(() => kikakuLine.textContent(), { timeout: 20_000 }).toContain('確認依頼中')
    await head.getByRole('button', { name: /^通知/ }).click()
    const headPanel = head.getByRole('dialog', { name: '通知' })
    await headPanel.getByRole('link').first().waitFor()
    expect(await headPanel.getByRole('link').first().textContent()).toContain('確認依頼')
    await shot(head, '03-bell-head')
    // The notification leads to the sheet and is read there.
    await headPanel.getByRole('link').first().click()
    await head.waitForURL(`**${sheetPath}`)
    await expect.poll(() => bellCount(head)).toBe(headBefore)

    // Sent back: the staff's bell goes up.
    const staffBefore = await bellCount(staff)
    await head.getByRole('button', { name: '差し戻し', exact: true }).click()
    await head.getByLabel('差し戻しの理由').fill('施策 1 の拡大範囲を具体的に')
    await head.getByRole('button', { name: '差し戻す', exact: true }).click()
    await expect.poll(() => bellCount(staff), { timeout: 20_000 }).toBe(staffBefore + 1)
    const staffBell = staff.getByRole('button', { name: /^通知/ })
    await staffBell.click()
    const staffPanel = staff.getByRole('dialog', { name: '通知' })
    await expect.poll(() => staffPanel.textContent()).toContain('差し戻し')
    await shot(staff, '04-bell-staff')
    await staff.keyboard.press('Escape')
    expect(await staffPanel.count()).toBe(0)
    expect(await staffBell.evaluate((el) => el === document.activeElement)).toBe(true)

    // 前年度: 施策 2 was carried over untouched (継続) with last year's text; 施策 1 was edited.
    await staff.getByRole('button', { name: /^前年度/ }).click()
    const measure2 = staff.locator('tr', { has: staff.getByRole('textbox', { name: '施策 2 施策の内容', exact: true }) })
    await expect.poll(() => measure2.locator('.previous-year').textContent()).toContain('継続')
    expect(await measure2.locator('.previous-year').textContent()).toContain(kikakuZaisei2025.measures[1]!.name.split('\n')[0])
    const measure1 = staff.locator('tr', { has: staff.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }) })
    await expect.poll(() => measure1.locator('.previous-year').textContent()).toContain('変更あり')
    await measure2.scrollIntoViewIfNeeded()
    await shot(staff, '05-previous-year')

    // The diff against last year's approved version shows the edit.
    await staff.getByRole('button', { name: '履歴', exact: true }).click()
    await staff.getByRole('button', { name: '前年度の承認版と比較' }).click()
    const diff = staff.getByRole('region', { name: '比較' })
    await expect.poll(() => diff.textContent(), { timeout: 20_000 }).toContain('（令和8年度は対象を拡大）')
  })

  it('総務課 sees 企画財政課’s 全課 rows in its 連携依頼 and acknowledges one; the approved sheets print as one bundle', async () => {
    const somu = await person('somu')
    await somu.getByRole('link', { name: '連携依頼' }).click()
    await somu.goto(`${server.url}/partners?year=2026`)
    const group = somu.getByRole('region', { name: /企画財政課からの依頼/ })
    await group.waitFor()
    const firstAck = group.getByRole('button', { name: /了承$/ }).first()
    const name = (await firstAck.getAttribute('aria-label'))!.replace(/ 了承$/, '')
    await firstAck.click()
    await expect.poll(() => group.getByRole('button', { name: `${name} 取り消し` }).count()).toBe(1)
    expect(await accessibilityProblems(somu)).toEqual([])
    await shot(somu, '06-partners')
    await somu.reload()
    await expect.poll(() => group.getByRole('button', { name: `${name} 取り消し` }).count()).toBe(1)

    const planning = await person('kikakubu', 'planning-demo-1')
    await planning.goto(`${server.url}/years/2025`)
    await planning.getByRole('link', { name: '承認済シートの一括印刷' }).click()
    await planning.getByRole('heading', { name: /令和7年度 課等の方針/ }).first().waitFor()
    expect(await planning.getByRole('region', { name: /承認済 v1/ }).count()).toBe(1)
    await shot(planning, '07-print-bundle')
  })
})
