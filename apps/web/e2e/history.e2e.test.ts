import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, launchBrowser, newUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser
const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'history')

beforeAll(async () => {
  mkdirSync(output, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`), fullPage: true })

/** A person at an office PC (1366×768) in 企画財政課's sheet. */
async function person(username: string): Promise<Page> {
  const { page } = await newUser(browser, server)
  await page.setViewportSize({ width: 1366, height: 768 })
  await openSheet(page, server, username)
  return page
}

async function setBudget(page: Page, rank: number, value: string) {
  const budget = page.getByRole('textbox', { name: `事務事業 ${rank} 事業費` })
  await budget.fill(value)
  await budget.press('Enter')
}

/** Polls for up to 20 s: on a shared two-core machine a step and its refetch can take seconds. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 })

/** Whether every table in the region fits its box (no horizontal overflow). */
const fits = (page: Page, region: string) =>
  page.getByRole('region', { name: region }).evaluate((section) =>
    [...section.querySelectorAll('table')].every((table) => table.scrollWidth <= (table.parentElement?.clientWidth ?? 0) + 1),
  )

describe('history, approval and audit in the browser', () => {
  it('the 課長 sees the changes since submit by whom, confirms 承認 with its version and count, and reads the history and audit in Japanese', async () => {
    const staff = await person('kikaku')
    const fixer = await person('chiiki')
    const head = await person('kacho')

    await staff.getByRole('button', { name: '確認を依頼', exact: true }).click()
    const since = head.getByRole('region', { name: '提出後の変更' })
    await poll(() => since.textContent()).toContain('提出後の変更はありません。')
    expect(await since.textContent()).toContain('佐藤 美咲')

    // A fix during the review: the 課長 sees it, highlighted, with its author, before approving.
    await setBudget(fixer, 8, '12000')
    const fixed = since.getByRole('row').filter({ hasText: '事務事業 8 国勢調査他統計調査業務 ／ 事業費' })
    await poll(() => fixed.count()).toBe(1)
    expect(await fixed.textContent()).toMatch(/10,182.*12,000.*鈴木 健太/)
    await shot(head, '01-since-submit')
    expect(await accessibilityProblems(head)).toEqual([])

    // 承認 asks first, saying what will happen; Esc cancels and gives focus back.
    const approve = head.getByRole('button', { name: '承認', exact: true })
    await approve.click()
    const dialog = head.getByRole('dialog', { name: '承認の確認' })
    await poll(() => dialog.textContent()).toContain('版 1 として承認し、確定します。提出後の変更 1 件')
    await shot(head, '02-confirm-approve')
    expect(await accessibilityProblems(head)).toEqual([])
    await head.keyboard.press('Escape')
    await poll(() => dialog.count()).toBe(0)
    expect(await approve.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await head.locator('.status').textContent()).toBe('確認依頼中')
    await approve.click()
    await dialog.getByRole('button', { name: '承認して確定する' }).click()
    await poll(() => head.getByRole('status').filter({ hasText: /承認済 \(v1, 課長 伊藤 正和, / }).count()).toBe(1)

    // 改訂する asks too, naming the version kept and the revision started.
    await head.getByRole('button', { name: '改訂する', exact: true }).click()
    const reopen = head.getByRole('dialog', { name: '改訂の確認' })
    await poll(() => reopen.textContent()).toContain('承認済みの版 1 はそのまま残し、改訂 2 として編集を再開します。')
    expect(await accessibilityProblems(head)).toEqual([])
    await reopen.getByRole('button', { name: '改訂を始める' }).click()
    await poll(() => head.locator('.status').textContent()).toBe('作成中')

    // The history opens on 最新の承認版 ↔ 現在の下書き, each change naming its row and who made it.
    await setBudget(fixer, 8, '13000')
    await head.getByRole('button', { name: '履歴', exact: true }).click()
    const compare = head.getByRole('region', { name: '比較' })
    await poll(() => compare.textContent()).toContain('最新の承認版（v1） ↔ 現在の下書き')
    const row = compare.getByRole('row').filter({ hasText: '事務事業 8 国勢調査他統計調査業務 ／ 事業費' })
    await poll(() => row.textContent()).toMatch(/12,000.*13,000.*鈴木 健太/)
    expect(await compare.textContent()).not.toContain('違いはありません')

    // The audit trail in words and names, inside its box.
    const audit = head.getByRole('region', { name: '操作の記録' })
    await poll(() => audit.getByRole('row').filter({ hasText: '版の確定' }).count()).toBe(1)
    const text = (await audit.textContent()) ?? ''
    for (const words of ['確認依頼', '承認', '改訂の開始', '改訂 2', '佐藤 美咲', '伊藤 正和']) expect(text).toContain(words)
    for (const raw of ['sheet.', 'kikaku', 'kacho', 'revision']) expect(text).not.toContain(raw)
    await audit.scrollIntoViewIfNeeded()
    expect(await fits(head, '操作の記録')).toBe(true)
    expect(await fits(head, '比較')).toBe(true)
    await head.getByRole('region', { name: '履歴' }).screenshot({ path: path.join(output, '03-history-audit.png') })
    expect(await accessibilityProblems(head)).toEqual([])
    await staff.close()
  }, 240_000)
})
