import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, focusEnd, launchBrowser, login, newUser, openSheet, startServer } from './harness.js'

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'journey')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

let step = 0
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${String(++step).padStart(2, '0')}-${name}.png`) })

describe('the whole journey, three people', () => {
  it('co-edit, comment, approve, read-only, print — nothing leaves the origin, no serious accessibility problem', async () => {
    const a = await newUser(browser, server)
    const b = await newUser(browser, server)
    const head = await newUser(browser, server)

    await a.page.goto(`${server.url}/login`)
    expect(await accessibilityProblems(a.page)).toEqual([])
    await shot(a.page, 'login')
    await login(a.page, server, 'kikaku')
    await a.page.getByRole('link', { name: '企画財政課' }).waitFor()
    expect(await accessibilityProblems(a.page)).toEqual([])
    await shot(a.page, 'list')
    await a.page.getByRole('link', { name: '企画財政課' }).click()
    await a.page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    await Promise.all([openSheet(b.page, server, 'chiiki'), openSheet(head.page, server, 'kacho')])

    // Two sections: different rows, then the same cell.
    await focusEnd(a.page, '施策 1 施策の内容')
    await a.page.keyboard.type('（企画）')
    await focusEnd(b.page, '事務事業 3 事務事業名')
    await b.page.keyboard.type('（地域）')
    await focusEnd(a.page, '施策 2 施策の内容')
    await a.page.keyboard.type('【A】')
    // B adds to the end of what A wrote once it shows. Typing before all of it arrived would put B's
    // caret inside A's text, and both would be interleaved as the CRDT merges them (seen: 【【B】A】).
    await expect.poll(() => fieldText(b.page, '施策 2 施策の内容')).toMatch(/【A】$/)
    await focusEnd(b.page, '施策 2 施策の内容')
    await b.page.keyboard.type('【B】')
    for (const page of [a.page, b.page, head.page]) {
      await expect.poll(() => fieldText(page, '施策 1 施策の内容')).toMatch(/（企画）$/)
      await expect.poll(() => fieldText(page, '事務事業 3 事務事業名')).toMatch(/（地域）$/)
      await expect.poll(() => fieldText(page, '施策 2 施策の内容')).toMatch(/【A】【B】$/)
    }
    expect(await accessibilityProblems(a.page)).toEqual([])
    await shot(a.page, 'editor')

    // Word's list Enter, Excel's table keys, and a 事業費 both typed at once.
    await focusEnd(a.page, '行政課題 1')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('（追加の課題）')
    await expect.poll(() => fieldText(b.page, '行政課題 2')).toBe('（追加の課題）')
    await a.page.getByRole('textbox', { name: '施策 3 施策名' }).click()
    await a.page.keyboard.press('Enter')
    await expect.poll(() => a.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 4 施策名')
    const budgetOf = (page: Page) => page.getByRole('textbox', { name: '事務事業 5 事業費' })
    await budgetOf(b.page).click()
    await expect.poll(() => a.page.locator('.budget-cell', { has: budgetOf(a.page) }).getByTestId('cell-visitor').textContent()).toBe('鈴木 健太')
    await budgetOf(a.page).fill('40,000')
    await budgetOf(b.page).fill('50,000')
    await budgetOf(b.page).press('Enter')
    const conflict = a.page.getByTestId('budget-conflict')
    await expect.poll(() => conflict.textContent()).toContain('鈴木 健太さんが、この欄を 50,000 に変更しました')
    expect(await accessibilityProblems(a.page)).toEqual([])
    await shot(a.page, 'budget-conflict')
    await conflict.getByRole('button', { name: '50,000 にする（相手の値）' }).click()
    await expect.poll(() => budgetOf(a.page).inputValue()).toBe('50,000')

    // A comments on a measure, B replies.
    await a.page.getByRole('button', { name: '施策 4 にコメント' }).click()
    // @ opens the candidates; Enter takes the section.
    await a.page.getByLabel('コメント本文').pressSequentially('@地域活力')
    const candidates = a.page.getByRole('listbox', { name: '知らせる相手の候補' }).getByRole('option')
    await expect.poll(() => candidates.first().textContent()).toContain('地域活力共創係')
    await a.page.keyboard.press('Enter')
    await a.page.keyboard.type('デジタル化の範囲を確認させてください')
    await expect.poll(() => a.page.getByLabel('コメント本文').inputValue()).toBe('@地域活力共創係 デジタル化の範囲を確認させてください')
    await a.page.getByRole('button', { name: '投稿する' }).click()
    // A comment on words: they are highlighted in the text for everyone.
    await a.page.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).click()
    await a.page.keyboard.press('Control+Home')
    for (let i = 0; i < 4; i++) await a.page.keyboard.press('Shift+ArrowRight')
    await expect
      .poll(() => a.page.evaluate(() => (getSelection()?.focusNode?.textContent ?? '').slice(getSelection()?.anchorOffset, getSelection()?.focusOffset)))
      .toBe('総合計画')
    await a.page.getByRole('button', { name: '選択範囲にコメント' }).click()
    await a.page.getByLabel('コメント本文').fill('計画の名称を正式名にしますか')
    await a.page.getByRole('button', { name: '投稿する' }).click()
    const highlighted = b.page.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).locator('.comment-highlight')
    await expect.poll(() => highlighted.allTextContents()).toEqual(['総合計画'])
    const drawer = b.page.getByRole('complementary', { name: 'コメント' })
    await b.page.getByRole('button', { name: /^コメント \(/ }).click()
    await drawer.waitFor()
    const onB = b.page.getByRole('article', { name: 'コメント: 施策 4' })
    await expect.poll(() => onB.textContent()).toContain('デジタル化の範囲')
    await onB.getByPlaceholder('返信').fill('窓口手続きまでです')
    await onB.getByRole('button', { name: '返信する' }).click()
    await expect.poll(() => a.page.getByRole('article', { name: 'コメント: 施策 4' }).textContent()).toContain('窓口手続きまでです')
    await shot(b.page, 'comments')
    await a.page.getByRole('button', { name: 'コメントを閉じる' }).click()
    await b.page.getByRole('button', { name: 'コメントを閉じる' }).click()

    // Submitted, approved: both editors turn read-only live.
    await a.page.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await head.page.getByRole('button', { name: '承認', exact: true }).click()
    await head.page.getByRole('dialog', { name: '承認の確認' }).getByRole('button', { name: '承認して確定する' }).click()
    for (const page of [a.page, b.page]) {
      await expect.poll(() => page.getByRole('status').filter({ hasText: /承認済 \(v1, 課長 伊藤 正和/ }).count()).toBe(1)
      await expect.poll(() => page.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).getAttribute('contenteditable')).toBe('false')
    }
    await shot(b.page, 'approved')

    // The print view of the approved sheet.
    await head.page.goto(`${head.page.url()}/print`)
    await head.page.getByRole('table', { name: /事務事業/ }).waitFor()
    expect(await head.page.locator('main').textContent()).toContain('（地域）')
    expect(await accessibilityProblems(head.page)).toEqual([])
    await shot(head.page, 'print')

    for (const { requests } of [a, b, head]) {
      expect(requests.length).toBeGreaterThan(10)
      expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([])
    }
    // Three browsers through a whole year's steps: about 40 s alone on two cores, more beside other work.
  }, 180_000)
})
