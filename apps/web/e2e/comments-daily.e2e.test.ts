import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, launchBrowser, login, newUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

/** A signed-in person on 企画財政課's sheet, at an office PC's screen size. */
async function atSheet(username: string) {
  const user = await newUser(browser, server)
  await user.page.setViewportSize({ width: 1366, height: 768 })
  await openSheet(user.page, server, username)
  return user
}

const CONTENT = '施策 2 施策の内容'
const WORDS = '有効な取組'

/** Selects WORDS in measure 2's content with the keyboard, as a person would. */
async function selectWords(page: Page) {
  const text = await fieldText(page, CONTENT)
  const at = text.indexOf(WORDS)
  expect(at).toBeGreaterThan(0)
  await page.getByRole('textbox', { name: CONTENT, exact: true }).click()
  await page.keyboard.press('Control+Home')
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight')
  for (let i = 0; i < WORDS.length; i++) await page.keyboard.press('Shift+ArrowRight')
  // The editor reads the browser's selection an event later than keys sent this fast; a person is slower.
  await expect
    .poll(() => page.evaluate(() => (getSelection()?.focusNode?.textContent ?? '').slice(getSelection()?.anchorOffset, getSelection()?.focusOffset)))
    .toBe(WORDS)
}

/** The highlighted words of a field, one entry per highlight. */
function highlights(page: Page, field: string): Promise<string[]> {
  return page
    .getByRole('textbox', { name: field, exact: true })
    .evaluate((el) => [...el.querySelectorAll('.comment-highlight')].map((h) => h.textContent ?? ''))
}

// Two or three people in their own browsers each: on a shared two-core machine these take more than the default minute.
const SLOW = 150_000

describe('comments in daily use', () => {
  it('@-autocomplete offers readers by name (with or without the space), user name and section; the chosen person is notified', async () => {
    const a = await atSheet('kikaku')
    const b = await atSheet('chiiki')
    await a.page.getByRole('button', { name: '施策 2 にコメント' }).click()
    const box = a.page.getByRole('textbox', { name: 'コメント本文' })
    // The panel takes the focus: straight into the new comment's box.
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true)

    // 「鈴木　健」 (a full-width space) finds 「鈴木 健太」.
    await a.page.keyboard.type('ご確認ください @鈴木　健')
    const list = a.page.getByRole('listbox', { name: '知らせる相手の候補' })
    await list.waitFor()
    const options = list.getByRole('option')
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringContaining('鈴木 健太')])
    expect(await options.first().getAttribute('aria-selected')).toBe('true')
    expect(await box.getAttribute('aria-activedescendant')).toBe(await options.first().getAttribute('id'))
    expect(await accessibilityProblems(a.page)).toEqual([])
    await a.page.keyboard.press('Enter')
    await expect.poll(() => box.inputValue()).toBe('ご確認ください @chiiki ')
    expect(await list.count()).toBe(0)

    // Without the space, by section name, and by user name; arrow keys move, Escape closes only the list.
    await a.page.keyboard.type('@鈴木健')
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringContaining('鈴木 健太')])
    await a.page.keyboard.press('Escape')
    expect(await list.count()).toBe(0)
    expect(await box.count()).toBe(1)
    await box.fill('ご確認ください @chiiki ')
    await box.press('End')
    await a.page.keyboard.type('@ゼロカーボン')
    await expect.poll(() => options.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('田中 葵'), expect.stringContaining('ゼロカーボン推進室係')]),
    )
    const count = await options.count()
    await a.page.keyboard.press('ArrowUp')
    expect(await options.nth(count - 1).getAttribute('aria-selected')).toBe('true')
    await a.page.keyboard.press('ArrowDown')
    expect(await options.first().getAttribute('aria-selected')).toBe('true')
    await a.page.keyboard.press('Escape')
    await box.fill('ご確認ください @chiiki ')
    await box.press('End')

    // IME: the Enter that confirms a conversion (keyCode 229) chooses nothing.
    const ime = await a.context.newCDPSession(a.page)
    await a.page.keyboard.type('@')
    await ime.send('Input.imeSetComposition', { text: 'jo', selectionStart: 2, selectionEnd: 2 })
    await expect.poll(() => options.allTextContents()).toContainEqual(expect.stringContaining('高橋 誠'))
    await ime.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 })
    await ime.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 })
    await ime.send('Input.insertText', { text: 'jo' })
    await expect.poll(() => box.inputValue()).toBe('ご確認ください @chiiki @jo')
    // The mouse chooses too.
    await options.filter({ hasText: '高橋 誠' }).click()
    await expect.poll(() => box.inputValue()).toBe('ご確認ください @chiiki @joho ')

    await a.page.getByRole('button', { name: '投稿する' }).click()
    const thread = a.page.getByRole('article', { name: 'コメント: 施策 2 移住定住・' })
    await expect.poll(() => thread.count()).toBe(1)

    // 鈴木 健太 is told, and the notification opens the thread, titled with its row.
    const bell = b.page.getByRole('button', { name: '通知 未読 1 件' })
    await bell.waitFor()
    await bell.click()
    await b.page.getByRole('link', { name: /佐藤 美咲さんが.*メンションしました/ }).click()
    const onB = b.page.getByRole('article', { name: 'コメント: 施策 2 移住定住・二地域居住の推…' })
    await expect.poll(() => onB.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await onB.textContent()).toContain('ご確認ください @chiiki @joho')
  }, SLOW)

  it('commented words are highlighted and stay on their words while text is typed before them; a click opens the thread', async () => {
    const a = await atSheet('kikaku')
    const b = await atSheet('chiiki')
    await selectWords(a.page)
    await a.page.getByRole('button', { name: '選択範囲にコメント' }).click()
    expect(await a.page.locator('.new-thread .quote').textContent()).toBe(WORDS)
    await a.page.getByRole('textbox', { name: 'コメント本文' }).fill('具体的に何をしますか')
    await a.page.getByRole('button', { name: '投稿する' }).click()
    await a.page.getByRole('button', { name: 'コメントを閉じる' }).click()

    for (const page of [a.page, b.page]) await expect.poll(() => highlights(page, CONTENT)).toEqual([WORDS])
    // Someone else types before the words; the highlight stays on them, on both screens.
    await b.page.getByRole('textbox', { name: CONTENT, exact: true }).click()
    await b.page.keyboard.press('Control+Home')
    await b.page.keyboard.type('【追記】')
    for (const page of [a.page, b.page]) {
      await expect.poll(() => fieldText(page, CONTENT)).toMatch(/^【追記】/)
      await expect.poll(() => highlights(page, CONTENT)).toEqual([WORDS])
    }
    // And the author types before them too, in the same field.
    await a.page.getByRole('textbox', { name: CONTENT, exact: true }).click()
    await a.page.keyboard.press('Control+Home')
    await a.page.keyboard.type('★')
    for (const page of [a.page, b.page]) {
      await expect.poll(() => fieldText(page, CONTENT)).toMatch(/^★【追記】/)
      await expect.poll(() => highlights(page, CONTENT)).toEqual([WORDS])
    }

    // Someone opening the sheet now sees it too.
    const c = await atSheet('joho')
    await expect.poll(() => highlights(c.page, CONTENT)).toEqual([WORDS])

    await b.page.locator('.comment-highlight').first().click()
    // The panel opens on that thread (focused), titled with its row.
    const thread = b.page.getByRole('article', { name: 'コメント: 施策 2 移住定住・二地域居住の推…' }).filter({ hasText: '具体的に何をしますか' })
    await expect.poll(() => thread.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await thread.locator('h3').textContent()).toBe('施策 2 移住定住・二地域居住の推…')
    expect(await accessibilityProblems(b.page)).toEqual([])

    // Resolved, the words are no longer highlighted, for anyone.
    await thread.getByRole('button', { name: '解決にする' }).click()
    for (const page of [a.page, b.page, c.page]) await expect.poll(() => highlights(page, CONTENT)).toEqual([])
  }, SLOW)

  it('the panel sits beside the table, takes the focus, closes with Escape back to its button; unread badges open their threads', async () => {
    const a = await atSheet('kikaku')
    await a.page.getByRole('button', { name: '施策 2 にコメント' }).click()
    // The new comment names its row as the threads do.
    expect(await a.page.locator('.new-thread .thread-target').textContent()).toBe('施策 2 移住定住・二地域居住の推…')
    await a.page.getByRole('textbox', { name: 'コメント本文' }).fill('@zero 進め方を相談させてください')
    await a.page.getByRole('button', { name: '投稿する' }).click()
    // The new thread is the one opened in the panel.
    const opened = a.page.locator('article.thread.active', { hasText: '進め方を相談させてください' })
    await opened.waitFor()
    const threadId = await opened.getAttribute('id')
    await a.page.getByRole('button', { name: 'コメントを閉じる' }).click()

    // 鈴木 健太's section (地域活力共創係) is measure 2's 担当係: the thread is unread for him.
    const b = await atSheet('chiiki')
    const toggle = b.page.getByRole('button', { name: /^コメント \(/ })
    await toggle.focus()
    await b.page.keyboard.press('Enter')
    const panel = b.page.getByRole('complementary', { name: 'コメント' })
    await panel.waitFor()
    await expect.poll(() => panel.evaluate((el) => el.contains(document.activeElement))).toBe(true)

    const besideTables = async () => {
      // A table narrower than its columns need scrolls inside its own box: what shows of it is that box.
      for (const table of await b.page.locator('.table-scroll').all()) {
        const [t, p] = [await table.boundingBox(), await panel.boundingBox()]
        expect(t && p).toBeTruthy()
        // Side by side, never overlapping: the table ends where the panel begins at the latest.
        expect(t!.x + t!.width).toBeLessThanOrEqual(p!.x)
      }
      // Every table is inside such a box.
      expect(await b.page.locator('table.ranked').count()).toBe(await b.page.locator('.table-scroll > table.ranked').count())
    }
    await besideTables()
    // The panel's edge widens it with the keyboard, narrows it with the mouse; the sheet follows.
    const width = async () => (await panel.boundingBox())!.width
    const before = await width()
    const edge = b.page.getByRole('separator', { name: /コメント欄の幅/ })
    await edge.focus()
    for (let i = 0; i < 3; i++) await b.page.keyboard.press('ArrowLeft')
    await expect.poll(width).toBe(before + 60)
    await besideTables()
    // As wide as it goes (40% of the window), the tables keep their columns readable and scroll instead.
    await b.page.keyboard.press('End')
    await expect.poll(width).toBeGreaterThan(500)
    await besideTables()
    await b.page.screenshot({ path: '/tmp/comments-panel-wide.png' })
    const box = (await edge.boundingBox())!
    await b.page.mouse.move(box.x + box.width / 2, box.y + 100)
    await b.page.mouse.down()
    await b.page.mouse.move(1366 - 300, box.y + 100, { steps: 4 })
    await b.page.mouse.up()
    await expect.poll(width).toBe(300)
    await besideTables()
    await panel.getByRole('heading', { name: 'コメント' }).focus()
    await b.page.screenshot({ path: '/tmp/comments-panel.png' })
    expect(await accessibilityProblems(b.page)).toEqual([])

    const badge = panel.getByRole('link', { name: /^未読: 施策 2 移住定住・/ }).and(panel.locator(`a[href$="${threadId}"]`))
    await badge.click()
    const thread = panel.locator(`#${threadId}`)
    await expect.poll(() => thread.evaluate((el) => el === document.activeElement)).toBe(true)
    // Opened is read: the badge goes.
    await expect.poll(() => badge.count()).toBe(0)

    await b.page.keyboard.press('Escape')
    await expect.poll(() => panel.count()).toBe(0)
    await expect.poll(() => toggle.evaluate((el) => el === document.activeElement)).toBe(true)

    // 田中 葵, mentioned, follows the header's unread badge from the sheet list straight to the thread.
    const c = await newUser(browser, server)
    await login(c.page, server, 'zero')
    const headerBadge = c.page.getByRole('link', { name: '未読コメント: 1' })
    await headerBadge.waitFor()
    expect(await accessibilityProblems(c.page)).toEqual([])
    await headerBadge.click()
    const onC = c.page.locator(`#${threadId}`)
    await expect.poll(() => onC.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await onC.getAttribute('aria-label')).toMatch(/^コメント: 施策 2 移住定住・/)
    await expect.poll(() => c.page.getByRole('link', { name: /未読コメント/ }).count()).toBe(0)
  }, SLOW)
})
