import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, focusEnd, launchBrowser, officeUser, startServer } from './harness.js'

// Issue 16, [S19]: a tab of the code before an upgrade (an older document layout) reads only and asks for a
// reload; what it types never reaches the sheet.

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'layout')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

/**
 * Makes the page's sheet socket name layout 1, as the bundle before indicators did, until the test says the
 * new bundle is loaded (sessionStorage 'upgraded'). The socket and the server are the real ones.
 */
async function asOldTab(page: Page) {
  await page.addInitScript(() => {
    if (sessionStorage.getItem('upgraded')) return
    const Native = window.WebSocket
    class OldTabSocket extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(String(url).replace(/([?&])layout=\d+/, '$1layout=1'), protocols)
      }
    }
    window.WebSocket = OldTabSocket
  })
}

async function inSheet(page: Page) {
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
}

describe('a tab of an older layout', () => {
  it('reads live, says why in Japanese, keeps its typing off the sheet, and is writable after its reload', async () => {
    const [old, current] = await Promise.all([officeUser(browser, server, 'kikaku'), officeUser(browser, server, 'chiiki')])
    await asOldTab(old)
    await Promise.all([inSheet(old), inSheet(current)])
    await old.reload()
    await old.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()

    const notice = old.locator('.read-only-notice')
    await expect.poll(() => notice.textContent()).toContain('この画面は古い版のため閲覧のみです。ページを再読み込みしてください')
    const reload = notice.getByRole('button', { name: '再読み込み' })
    expect(await reload.count()).toBe(1)
    await expect.poll(() => old.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).getAttribute('contenteditable')).toBe('false')
    expect(await accessibilityProblems(old)).toEqual([])
    await old.screenshot({ path: path.join(output, 'outdated-tab.png') })

    // It still reads what others write.
    await focusEnd(current, '施策 2 施策の内容')
    await current.keyboard.type('（現行の画面から）')
    await expect.poll(() => fieldText(old, '施策 2 施策の内容')).toContain('（現行の画面から）')

    // Whatever reaches its document (here: forced into the editor's DOM) is not the server's to take.
    const before = await fieldText(current, '施策 1 施策の内容')
    await old.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).evaluate((element) => {
      element.setAttribute('contenteditable', 'true')
      element.focus()
    })
    await old.keyboard.type('古い画面')
    await focusEnd(current, '施策 3 施策の内容')
    await current.keyboard.type('。')
    await expect.poll(() => fieldText(old, '施策 3 施策の内容')).toMatch(/。$/)
    expect(await fieldText(current, '施策 1 施策の内容')).toBe(before)
    const stored = (await current.evaluate(async () => {
      const id = location.pathname.split('/').at(-1)
      return (await fetch(`/api/sheets/${id}/export.json`)).json()
    })) as { measures: { content: string }[] }
    expect(stored.measures[0]!.content).toBe(before)

    // The new bundle is loaded: the reload button brings a tab that writes.
    await old.evaluate(() => sessionStorage.setItem('upgraded', '1'))
    await old.evaluate(() => Object.assign(window, { beforeReload: true }))
    // The field this tab had the cursor in still has it: clicking the button moves nothing under the mouse.
    expect(await old.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 1 施策の内容')
    await reload.click()
    await expect.poll(() => old.evaluate(() => 'beforeReload' in window).catch(() => true)).toBe(false)
    await old.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    await expect.poll(() => old.getByRole('textbox', { name: '施策 1 施策の内容', exact: true }).getAttribute('contenteditable')).toBe('true')
    await expect.poll(() => old.locator('.read-only-notice').count()).toBe(0)
    await focusEnd(old, '施策 1 施策の内容')
    await old.keyboard.type('（再読み込み後）')
    await expect.poll(() => fieldText(current, '施策 1 施策の内容')).toBe(`${before}（再読み込み後）`)
  })
})
