import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, newUser, openSheet, startServer } from './harness.js'

let server: E2eServer
const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

/** The scripts this page fetched itself (not its service worker), by chunk name: History-a1b2.js → History. */
const scripts = (page: import('playwright-core').Page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((r) => new URL(r.name).pathname)
      .filter((p) => p.startsWith('/assets/') && p.endsWith('.js'))
      .map((p) => p.slice('/assets/'.length).replace(/-[\w-]{8}\.js$/, '')),
  )

describe('parts of the sheet page loaded on demand (issue 18)', () => {
  it('the sheet opens without 履歴, print or admin code; the comments panel and 履歴 still open offline, never opened before', async () => {
    const { page, context } = await newUser(browser, server)
    await openSheet(page, server, 'kikaku')
    const first = await scripts(page)
    expect(first).toContain('SheetPage')
    for (const later of ['History', 'PrintPage', 'AdminPage', 'BoardPage', 'UsersTab', 'catalog-en']) expect(first).not.toContain(later)

    // The service worker keeps every chunk of the build, fetched or not: once it controls the page, the
    // panels open with the network gone.
    await page.evaluate(() => navigator.serviceWorker.ready)
    if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) {
      await page.reload()
      await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    }
    await context.setOffline(true)
    await page.reload()
    await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    expect(await scripts(page)).not.toContain('History')

    await page.getByRole('button', { name: '履歴' }).click()
    await expect.poll(() => page.getByRole('region', { name: '履歴' }).getByRole('heading', { name: '履歴' }).count()).toBe(1)

    const open = page.getByRole('button', { name: /^コメント \(/ })
    await open.click()
    const heading = page.getByRole('complementary', { name: 'コメント' }).getByRole('heading', { name: 'コメント' })
    await heading.waitFor()
    // The panel takes the focus when it opens, also when its code came late; Escape gives it back.
    await expect.poll(() => heading.evaluate((h) => h === document.activeElement)).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => open.evaluate((b) => b === document.activeElement)).toBe(true)

    // English, never fetched before, is there offline too.
    await page.getByRole('button', { name: /English/ }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Log out' }).count()).toBe(1)
    await page.getByRole('button', { name: /日本語/ }).click()
    await expect.poll(() => page.getByRole('button', { name: 'ログアウト' }).count()).toBe(1)
    await context.setOffline(false)
  })

  it('scripts and style sheets arrive as the build’s Brotli copies and decode to the files as built', async () => {
    const { page } = await newUser(browser, server)
    const assets: import('playwright-core').Response[] = []
    page.on('response', (response) => {
      if (/\/assets\/[^/]+\.(js|css)$/.test(new URL(response.url()).pathname)) assets.push(response)
    })
    await openSheet(page, server, 'kikaku')
    expect(assets.length).toBeGreaterThan(3)
    for (const response of assets) {
      const file = path.join(webDist, new URL(response.url()).pathname)
      // Files under a kilobyte are sent as they are.
      if (statSync(file).size < 1024) continue
      expect(response.headers()['content-encoding'], response.url()).toBe('br')
      expect((await response.body()).equals(readFileSync(file)), response.url()).toBe(true)
    }
  })

  it('English, chosen before on this PC, is fetched before the first render: nothing shows in Japanese first', async () => {
    const { page } = await newUser(browser, server)
    await openSheet(page, server, 'kikaku')
    await page.getByRole('button', { name: /English/ }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Log out' }).count()).toBe(1)
    // From the next document on: whether the Japanese label of the header's button was ever on the page.
    await page.addInitScript(() => {
      const seen = { japanese: false }
      Object.assign(window, { seen })
      new MutationObserver(() => {
        if (document.body?.textContent?.includes('ログアウト')) seen.japanese = true
      }).observe(document, { childList: true, subtree: true, characterData: true })
    })
    await page.reload()
    await page.getByRole('button', { name: 'Log out' }).waitFor()
    await page.locator('[role="textbox"][aria-label="施策 1 施策の内容"][contenteditable]').waitFor()
    expect(await page.evaluate(() => (window as unknown as { seen: { japanese: boolean } }).seen.japanese)).toBe(false)
    expect(await scripts(page)).toContain('catalog-en')
  })
})
