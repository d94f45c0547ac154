import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, fieldText, focusEnd, launchBrowser, newUser, openSheet, startServer, twoUsers as bothInSheet } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

const twoUsers = () => bothInSheet(browser, server)

const itemCount = (page: Page) => page.getByRole('textbox', { name: /^行政課題 \d+$/ }).count()

describe('offline', () => {
  it('a user goes offline, edits, reloads, comes back online, and the edit merges', async () => {
    const { a, b } = await twoUsers()
    // The service worker takes over the page once installed; reload until it controls it.
    await a.page.evaluate(() => navigator.serviceWorker.ready)
    if (!(await a.page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) {
      await a.page.reload()
      await a.page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    }
    await a.context.setOffline(true)
    await focusEnd(a.page, '行政課題 6')
    await a.page.keyboard.type('（オフラインで追記）')
    await a.page.reload()
    // The page, the API answers it needs and the sheet itself come from this PC.
    await expect.poll(() => fieldText(a.page, '行政課題 6'), { timeout: 20_000 }).toMatch(/（オフラインで追記）$/)
    await expect.poll(() => a.page.getByRole('status').filter({ hasText: 'オフライン' }).count()).toBe(1)
    expect(await fieldText(b.page, '行政課題 6')).not.toContain('オフライン')
    // Meanwhile the other user edits the same item.
    await focusEnd(b.page, '行政課題 6')
    await b.page.keyboard.type('（オンラインで追記）')

    await a.context.setOffline(false)
    for (const page of [a.page, b.page]) {
      await expect.poll(() => fieldText(page, '行政課題 6'), { timeout: 20_000 }).toContain('（オフラインで追記）')
      await expect.poll(() => fieldText(page, '行政課題 6')).toContain('（オンラインで追記）')
    }
    await expect.poll(() => a.page.getByRole('status').filter({ hasText: '保存済み' }).count(), { timeout: 20_000 }).toBe(1)
  })
})

describe('Japanese IME input', () => {
  it('a composition in a cell survives a concurrent remote edit to that cell; both texts end intact', async () => {
    const { a, b } = await twoUsers()
    const cell = '施策 3 施策の内容'
    await focusEnd(a.page, cell)
    const ime = await a.context.newCDPSession(a.page)
    await ime.send('Input.imeSetComposition', { text: 'かんじ', selectionStart: 3, selectionEnd: 3 })
    await expect.poll(() => fieldText(a.page, cell)).toMatch(/かんじ$/)

    await focusEnd(b.page, cell)
    await b.page.keyboard.type('【遠隔】')
    // The remote edit reached the server (a third client sees it) …
    const c = await newUser(browser, server)
    await openSheet(c.page, server, 'joho')
    await expect.poll(() => fieldText(c.page, cell)).toMatch(/【遠隔】$/)
    // … while the half-typed reading never left a's browser, and a's composition is untouched.
    expect(await fieldText(b.page, cell)).not.toContain('かんじ')
    expect(await fieldText(c.page, cell)).not.toContain('かんじ')
    expect(await fieldText(a.page, cell)).toMatch(/かんじ$/)

    await ime.send('Input.insertText', { text: '漢字' })
    for (const page of [a.page, b.page, c.page]) {
      await expect.poll(() => fieldText(page, cell)).toContain('漢字')
      await expect.poll(() => fieldText(page, cell)).toContain('【遠隔】')
      expect(await fieldText(page, cell)).not.toContain('かんじ')
    }
    const texts = await Promise.all([a.page, b.page, c.page].map((p) => fieldText(p, cell)))
    expect(new Set(texts).size).toBe(1)
  })

  it('Enter while composing adds no item; Enter after it does', async () => {
    const { a } = await twoUsers()
    const before = await itemCount(a.page)
    await focusEnd(a.page, '行政課題 1')
    const ime = await a.context.newCDPSession(a.page)
    await ime.send('Input.imeSetComposition', { text: 'けいかく', selectionStart: 4, selectionEnd: 4 })
    // The Enter that confirms a conversion arrives while composing (keyCode 229, as from Microsoft IME).
    await ime.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 })
    await ime.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 })
    await ime.send('Input.insertText', { text: '計画' })
    await expect.poll(() => fieldText(a.page, '行政課題 1')).toMatch(/計画$/)
    expect(await itemCount(a.page)).toBe(before)
    // Outside a composition, Enter does add the next item: the check above could fail.
    await a.page.keyboard.press('Enter')
    await expect.poll(() => itemCount(a.page)).toBe(before + 1)
  })
})
