import type { Sheet } from '@hoshin/sheet'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, fieldText, focusEnd, launchBrowser, startServer, twoUsers as bothInSheet } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

async function twoUsers() {
  const { a, b } = await bothInSheet(browser, server)
  return { a: a.page, b: b.page }
}

/** The sheet as the server stores it, fetched with the page's own session. */
async function exported(page: Page): Promise<Sheet> {
  return page.evaluate(async () => {
    const id = location.pathname.split('/').at(-1)
    return (await fetch(`/api/sheets/${id}/export.json`)).json()
  })
}

describe('the live sheet editor, two people in their own browsers', () => {
  it('two users type into the same measure cell; each sees the other’s text and caret label', async () => {
    const { a, b } = await twoUsers()
    const cell = '施策 2 施策の内容'
    await focusEnd(a, cell)
    await a.keyboard.type('【佐藤】')
    await focusEnd(b, cell)
    await b.keyboard.type('【鈴木】')
    for (const page of [a, b]) {
      await expect.poll(() => fieldText(page, cell)).toMatch(/【佐藤】/)
      await expect.poll(() => fieldText(page, cell)).toMatch(/【鈴木】/)
    }
    // Each sees the other's caret, labelled with the name, inside that cell.
    const labelIn = (page: Page, name: string) =>
      page.getByRole('textbox', { name: cell, exact: true }).locator('.collaboration-carets__label', { hasText: name })
    await expect.poll(() => labelIn(a, '鈴木 健太').count()).toBe(1)
    await a.getByRole('textbox', { name: cell, exact: true }).click()
    await expect.poll(() => labelIn(b, '佐藤 美咲').count()).toBe(1)
  })

  it('one reorders projects while the other edits a budget; the total updates on both', async () => {
    const { a, b } = await twoUsers()
    await a.getByRole('button', { name: '事務事業 13 上へ' }).click()
    const budget = b.getByRole('textbox', { name: '事務事業 1 事業費' })
    await budget.fill('１，０００')
    await budget.press('Enter')
    for (const page of [a, b]) {
      await expect.poll(() => page.getByTestId('budget-total').textContent()).toBe('395,502')
      await expect.poll(() => fieldText(page, '事務事業 12 事務事業名')).toBe('再生可能エネルギー設備等導入促進事業')
      await expect.poll(() => fieldText(page, '事務事業 13 事務事業名')).toBe('結婚相談業務')
    }
  })

  it('stores full-width budget input as a number and refuses junk inline without writing it', async () => {
    const { a, b } = await twoUsers()
    const cell = a.getByRole('textbox', { name: '事務事業 10 事業費' })
    await cell.fill('　３，４５６　')
    await cell.press('Enter')
    await expect.poll(() => cell.inputValue()).toBe('3,456')
    await expect.poll(async () => (await exported(a)).projects.find((p) => p.id === 'project-10')?.budget).toBe(3456)
    await expect.poll(() => b.getByRole('textbox', { name: '事務事業 10 事業費' }).inputValue()).toBe('3,456')

    await cell.fill('三千')
    await cell.press('Enter')
    const alert = a.getByRole('alert').filter({ hasText: '事業費は数字で入力してください' })
    await expect.poll(() => alert.count()).toBe(1)
    expect(await cell.getAttribute('aria-invalid')).toBe('true')
    expect((await exported(a)).projects.find((p) => p.id === 'project-10')?.budget).toBe(3456)
    expect(await b.getByRole('textbox', { name: '事務事業 10 事業費' }).inputValue()).toBe('3,456')
  })

  it('shows both users in the presence list with their sections and the field each is editing', async () => {
    const { a, b } = await twoUsers()
    await b.getByRole('textbox', { name: '行政課題 2', exact: true }).click()
    const presence = a.getByRole('region', { name: 'このシートを開いている人' })
    await expect.poll(() => presence.textContent()).toMatch(/佐藤 美咲（あなた）企画調整係/)
    await expect.poll(() => presence.textContent()).toMatch(/鈴木 健太地域活力共創係編集中: 行政課題 2/)
    await expect.poll(() => a.getByRole('status').filter({ hasText: '保存済み' }).count()).toBe(1)
  })

  it('undo undoes only one’s own typing', async () => {
    const { a, b } = await twoUsers()
    const item = '行政課題 5'
    await focusEnd(a, item)
    await a.keyboard.type('（佐藤の追記）')
    await expect.poll(() => fieldText(b, item)).toMatch(/（佐藤の追記）$/)
    await focusEnd(b, item)
    await b.keyboard.type('（鈴木の追記）')
    await expect.poll(() => fieldText(a, item)).toMatch(/（佐藤の追記）（鈴木の追記）$/)
    await a.getByRole('textbox', { name: item, exact: true }).click()
    await a.keyboard.press('Control+z')
    for (const page of [a, b]) {
      await expect.poll(() => fieldText(page, item)).toBe('デジタル推進による行政事務効率化、住民の利便性向上（鈴木の追記）')
    }
  })

  it('deletes a row with undo', async () => {
    const { a, b } = await twoUsers()
    await a.getByRole('button', { name: '施策 5 削除' }).click()
    await expect.poll(() => b.getByRole('table', { name: /施策/ }).locator('tbody tr').count()).toBe(4)
    await a.getByRole('status').getByRole('button', { name: '元に戻す' }).click()
    await expect.poll(() => b.getByRole('table', { name: /施策/ }).locator('tbody tr').count()).toBe(5)
    await expect.poll(() => fieldText(b, '施策 5 施策名')).toBe('脱炭素社会の実現に向けた具体的取組')
  })

  it('reorders by drag, and sets 担当係 and 連携課 with the pickers', async () => {
    const { a, b } = await twoUsers()
    const rowOf = (page: Page, name: string) => page.locator('tr', { has: page.getByRole('textbox', { name, exact: true }) })
    // Drag the first measure down onto the last (well clear of the sticky bar at the top).
    await rowOf(a, '施策 1 施策名').locator('.drag-handle').dragTo(rowOf(a, '施策 5 施策名'))
    for (const page of [a, b]) {
      await expect.poll(() => fieldText(page, '施策 5 施策名')).toBe('第6次総合計画（後期基本計画）の推進')
      await expect.poll(() => fieldText(page, '施策 1 施策名')).toBe('移住定住・二地域居住の推進、関係人口の拡大・創出')
    }

    // 施策 3 is now デジタル化・ＤＸ推進 (情報戦略係; 全課).
    await a.getByLabel(/^施策 3 担当係名:/).click()
    await a.getByRole('group', { name: '施策 3 担当係名' }).getByLabel('企画調整係').check()
    await a.getByLabel(/^施策 3 連携課名:/).click()
    const partners = a.getByRole('group', { name: '施策 3 連携課名' })
    expect(await partners.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => b.parentElement?.textContent))).toEqual(['全課', '関係課', '総務課'])
    await partners.getByLabel('全課').uncheck()
    await partners.getByLabel('総務課').check()
    await expect.poll(async () => (await exported(b)).measures[2]).toMatchObject({
      name: 'デジタル化・ＤＸ推進',
      sections: ['情報戦略係', '企画調整係'],
      // The picker shows names; the sheet keeps the department's id ([S12]).
      partners: ['somu'],
    })
    await expect.poll(() => b.getByLabel(/^施策 3 担当係名:/).textContent()).toContain('企画調整係')
  })
})
