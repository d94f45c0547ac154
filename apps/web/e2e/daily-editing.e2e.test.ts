import type { Sheet } from '@hoshin/sheet'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, focusEnd, launchBrowser, officeUser, startServer, twoUsers } from './harness.js'

// Daily editing as town staff expect it from Word, Excel and Google Docs (issue 15, "Editing").

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

async function exported(page: Page): Promise<Sheet> {
  return page.evaluate(async () => {
    const id = location.pathname.split('/').at(-1)
    return (await fetch(`/api/sheets/${id}/export.json`)).json()
  })
}

/** The accessible name of the focused element (a field's label). */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '')

/**
 * Presses a key once the editor shows the cursor where the last key put it: keys sent faster than a
 * person types can reach ProseMirror before it has read the browser's selection (its own state lags the
 * DOM by an event), which no person ever sees.
 */
async function press(page: Page, key: string, then: { field: string; offset?: number }) {
  await page.keyboard.press(key)
  await expect
    .poll(() =>
      page.evaluate(() => {
        const selection = getSelection()
        return { field: document.activeElement?.getAttribute('aria-label'), offset: selection?.anchorOffset }
      }),
    )
    .toMatchObject(then)
}

async function oneUser(): Promise<Page> {
  const page = await officeUser(browser, server, 'kikaku')
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
  return page
}

const items = (page: Page, list: string) => page.getByRole('textbox', { name: new RegExp(`^${list} \\d+$`) })

describe('lists: Enter and Backspace as in Word', () => {
  it('Enter at the end of an item makes a new item and typing goes there; Backspace in the empty item removes it', async () => {
    const page = await oneUser()
    const before = await fieldText(page, '行政課題 1')
    const count = await items(page, '行政課題').count()
    await focusEnd(page, '行政課題 1')
    await page.keyboard.press('Enter')
    await page.keyboard.type('新しい課題')
    await expect.poll(() => fieldText(page, '行政課題 2')).toBe('新しい課題')
    expect(await fieldText(page, '行政課題 1')).toBe(before)
    expect(await items(page, '行政課題').count()).toBe(count + 1)

    // Enter in the middle splits the item, the rest going to the new one.
    await press(page, 'ArrowLeft', { field: '行政課題 2', offset: 4 })
    await press(page, 'ArrowLeft', { field: '行政課題 2', offset: 3 })
    await page.keyboard.press('Enter')
    await expect.poll(() => fieldText(page, '行政課題 3')).toBe('課題')
    expect(await fieldText(page, '行政課題 2')).toBe('新しい')
    await expect.poll(() => focused(page)).toBe('行政課題 3')

    // An empty item: Backspace removes it and the cursor goes to the end of the one before.
    await focusEnd(page, '行政課題 3')
    await page.keyboard.press('Enter')
    await expect.poll(() => items(page, '行政課題').count()).toBe(count + 3)
    await page.keyboard.press('Backspace')
    await expect.poll(() => items(page, '行政課題').count()).toBe(count + 2)
    await page.keyboard.type('です')
    await expect.poll(() => fieldText(page, '行政課題 3')).toBe('課題です')
    await expect.poll(async () => (await exported(page)).issues.map((i) => i.text).slice(0, 3)).toEqual([before, '新しい', '課題です'])
  })

  it('after 「＋ 項目を追加」 and 「＋ 行を追加」 the cursor is in the new row’s first field', async () => {
    const page = await oneUser()
    await page.getByRole('button', { name: '＋ 項目を追加（単年度方針）' }).click()
    await page.keyboard.type('追加した方針')
    const last = items(page, '単年度方針').last()
    await expect.poll(() => last.textContent()).toBe('追加した方針')

    await page.getByRole('button', { name: '＋ 行を追加（施策）' }).click()
    await page.keyboard.type('新しい施策')
    await expect.poll(() => fieldText(page, '施策 6 施策名')).toBe('新しい施策')
  })
})

describe('tables move like a spreadsheet', () => {
  it('arrows at a field’s edge, Enter and Tab move between cells; a row’s tools are one Tab stop', async () => {
    const page = await oneUser()
    await page.getByRole('textbox', { name: '施策 1 施策名' }).click()
    await press(page, 'Control+End', { field: '施策 1 施策名', offset: 18 })
    await press(page, 'ArrowDown', { field: '施策 2 施策名', offset: 0 })
    await press(page, 'Enter', { field: '施策 3 施策名', offset: 0 })
    await press(page, 'Control+End', { field: '施策 3 施策名', offset: 13 })
    await press(page, 'ArrowRight', { field: '施策 3 施策の内容', offset: 0 })
    await press(page, 'ArrowLeft', { field: '施策 3 施策名', offset: 13 })
    await press(page, 'ArrowUp', { field: '施策 2 施策名' })
    // Enter moved and typed nothing.
    expect(await fieldText(page, '施策 2 施策名')).toBe('移住定住・二地域居住の推進、関係人口の拡大・創出')

    // 事業費: Enter stores and moves down; arrows leave the cell from its edges.
    const budget = page.getByRole('textbox', { name: '事務事業 3 事業費' })
    await budget.fill('35,000')
    await budget.press('Enter')
    await expect.poll(() => focused(page)).toBe('事務事業 4 事業費')
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => focused(page)).toBe('事務事業 3 事業費')
    await expect.poll(async () => (await exported(page)).projects[2]?.budget).toBe(35000)

    // Tab: name → content → 担当係 → 連携課 → the next row's tools (one stop) → its name.
    await focusEnd(page, '施策 1 施策名')
    const stops: string[] = []
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      stops.push((await focused(page)).split(':')[0] ?? '')
    }
    expect(stops).toEqual(['施策 1 施策の内容', '施策 1 担当係名', '施策 1 連携課名', '施策 2 上へ', '施策 2 施策名'])
    // Inside the tools, ← → go from button to button.
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => focused(page)).toBe('施策 2 下へ')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => focused(page)).toBe('施策 2 削除')
  })

  it('shows a row’s tools only on hover or focus, and draws every icon from the app (no font glyphs)', async () => {
    const page = await oneUser()
    const remove = page.getByRole('button', { name: '施策 4 削除' })
    const opacity = () => remove.evaluate((element) => getComputedStyle(element).opacity)
    await page.getByRole('heading', { name: /■今年度の課における施策/ }).hover()
    await expect.poll(opacity).toBe('0')
    await page.getByRole('textbox', { name: '施策 4 施策名' }).hover()
    await expect.poll(opacity).toBe('1')
    const glyphs = await page.locator('.row-controls').evaluateAll((bars) => bars
        .map((bar) => {
          // What is drawn: the words for screen readers and a comment count aside.
          const copy = bar.cloneNode(true) as HTMLElement
          for (const hidden of copy.querySelectorAll('.visually-hidden')) hidden.remove()
          return (copy.textContent ?? '').replace(/[\d()]/g, '').trim()
        })
        .filter(Boolean))
    expect(glyphs).toEqual([])
    expect(await page.locator('.row-controls svg').count()).toBeGreaterThan(20)
  })

  it('keeps column widths while someone types, and never breaks a section or department name', async () => {
    const page = await oneUser()
    const widths = () => page.locator('table', { hasText: '施策名' }).first().locator('thead th').evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().width)))
    const before = await widths()
    await focusEnd(page, '施策 1 施策名')
    await page.keyboard.type('とても長い名前を入力して列の幅が変わらないことを確かめるための文章です'.repeat(3))
    await expect.poll(() => fieldText(page, '施策 1 施策名')).toMatch(/確かめるための文章です$/)
    expect(await widths()).toEqual(before)
    // Each chosen name is one line (「（未選択）」 and 関係課 included).
    const lines = await page.locator('table.ranked .names > span').evaluateAll((spans) =>
      spans.map((span) => {
        const range = document.createRange()
        range.selectNodeContents(span)
        return { text: span.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size }
      }),
    )
    expect(lines.length).toBeGreaterThan(20)
    expect(lines.filter((l) => l.lines !== 1)).toEqual([])
  })
})

describe('事業費 and the pickers with two people', () => {
  it('shows who is in a cell; a value someone stores while I type is shown with their name and I choose', async () => {
    const { a, b } = await twoUsers(browser, server)
    const cellA = a.page.getByRole('textbox', { name: '事務事業 5 事業費' })
    const cellB = b.page.getByRole('textbox', { name: '事務事業 5 事業費' })
    await cellB.click()
    const tagOnA = a.page.locator('.budget-cell', { has: cellA }).getByTestId('cell-visitor')
    await expect.poll(() => tagOnA.textContent()).toBe('鈴木 健太')

    await cellA.fill('40,000')
    await cellB.fill('50,000')
    await cellB.press('Enter')
    const conflict = a.page.getByTestId('budget-conflict')
    await expect.poll(() => conflict.textContent()).toMatch(/鈴木 健太さんが、この欄を 50,000 に変更しました/)
    // My blur does not overwrite theirs while I have not chosen.
    await a.page.getByRole('heading', { name: /■今年度の課における事務事業/ }).click()
    expect((await exported(a.page)).projects[4]?.budget).toBe(50000)
    expect(await accessibilityProblems(a.page)).toEqual([])
    await conflict.getByRole('button', { name: '40,000 にする（自分の値）' }).click()
    await expect.poll(async () => (await exported(b.page)).projects[4]?.budget).toBe(40000)
    await expect.poll(() => cellB.inputValue()).toBe('40,000')

    // The pickers show who has them open.
    await b.page.getByLabel(/^事務事業 5 担当係名:/).click()
    const pickerTag = a.page.locator('.picker', { has: a.page.getByLabel(/^事務事業 5 担当係名:/) }).getByTestId('cell-visitor')
    await expect.poll(() => pickerTag.textContent()).toBe('鈴木 健太')
  })

  it('asks before storing an amount past 10,000,000 千円', async () => {
    const page = await oneUser()
    const cell = page.getByRole('textbox', { name: '事務事業 6 事業費' })
    const stored = (await exported(page)).projects[5]?.budget
    await cell.fill('12,000,000')
    await cell.press('Enter')
    const dialog = page.getByRole('dialog', { name: '金額の確認' })
    await dialog.waitFor()
    expect(await dialog.textContent()).toMatch(/事務事業 6 事業費 に 12,000,000 千円/)
    expect(await accessibilityProblems(page)).toEqual([])
    await dialog.getByRole('button', { name: '修正する' }).click()
    await expect.poll(() => focused(page)).toBe('事務事業 6 事業費')
    expect((await exported(page)).projects[5]?.budget).toBe(stored)
    await cell.press('Enter')
    await dialog.getByRole('button', { name: 'この金額で確定' }).click()
    await expect.poll(async () => (await exported(page)).projects[5]?.budget).toBe(12000000)
  })
})

describe('others’ carets', () => {
  it('a caret’s name tag never covers the line above', async () => {
    const { a, b } = await twoUsers(browser, server)
    const field = '施策 2 施策の内容'
    // b's caret at the end of the second line of a two-line cell.
    await focusEnd(b.page, field)
    const label = a.page.getByRole('textbox', { name: field, exact: true }).locator('.collaboration-carets__label', { hasText: '鈴木 健太' })
    await expect.poll(() => label.count()).toBe(1)
    const geometry = await label.evaluate((element) => {
      const caret = element.parentElement!.getBoundingClientRect()
      const tag = element.getBoundingClientRect()
      return { caretTop: caret.top, tagTop: tag.top }
    })
    expect(geometry.tagTop).toBeGreaterThanOrEqual(geometry.caretTop - 0.5)
  })
})
