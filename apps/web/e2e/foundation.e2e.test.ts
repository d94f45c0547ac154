import { beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { type E2eServer, launchBrowser, login, newUser, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

describe('the web app in Chromium', () => {
  it('sends a visitor without a session to the login page, and refuses a wrong password in Japanese', async () => {
    const { page } = await newUser(browser, server)
    await page.goto(`${server.url}/`)
    await page.waitForURL(/\/login$/)
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('ja')
    await login(page, server, 'kikaku', 'wrong-password')
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/パスワードが正しくありません/)
  })

  it('logs in, lists the sheets this user may see, and shows the seed sheet laid out like the printed one', async () => {
    const { page, requests } = await newUser(browser, server)
    await login(page, server, 'kikaku')
    const row = page.getByRole('row').filter({ hasText: '企画財政課' })
    await expect.poll(() => row.textContent()).toMatch(/令和7年度.*作成中|作成中.*令和7年度/)
    await row.getByRole('link').first().click()
    await page.waitForURL(/\/sheets\//)

    const headings = [
      '■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）',
      '■解決すべき行政課題（現状の問題等点）',
      '■課題解決のための課等の方針（単年度方針と中長期方針）',
      '■今年度の課における施策（重要度順）',
      '■今年度の課における事務事業（重要度順）',
    ]
    await expect.poll(() => page.getByRole('heading').allTextContents()).toEqual(
      expect.arrayContaining(headings.map((h) => expect.stringContaining(h))),
    )
    // The five parts come in the printed order.
    const all = await page.getByRole('heading').allTextContents()
    const positions = headings.map((h) => all.findIndex((text) => text.includes(h)))
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)

    const body = (await page.locator('main').textContent()) ?? ''
    expect(body).toContain('令和7年度')
    expect(body).toContain('人口減少社会に相応した施策展開')
    expect(body).toContain('戦略的縮減社会の構築')
    expect(body).toContain('あたっていなかければ')

    const measures = page.getByRole('table', { name: /施策/ }).first()
    await expect.poll(() => measures.locator('tbody tr').count()).toBe(5)
    const projects = page.getByRole('table', { name: /事務事業/ })
    // 13 projects and the total row.
    await expect.poll(() => projects.locator('tbody tr').count()).toBe(13)
    await expect.poll(() => projects.getByTestId('budget-total').textContent()).toBe('394,502')
    expect(await page.getByRole('textbox', { name: '事務事業 5 事業費' }).inputValue()).toBe('227,434')
    expect(await page.getByRole('textbox', { name: '事務事業 10 事業費' }).inputValue()).toBe('')
    expect(await projects.getByRole('columnheader').allTextContents()).toEqual(
      expect.arrayContaining(['重要度順位', '事務事業名', '事務事業の内容', '担当係名', '事業費'].map((h) => expect.stringContaining(h))),
    )

    // The bundled BIZ UDPGothic is what renders the Japanese text.
    await expect.poll(() => page.evaluate(() => document.fonts.check('16px "BIZ UDPGothic"', '課等の方針'))).toBe(true)
    const family = await page.evaluate(() => getComputedStyle(document.body).fontFamily)
    expect(family).toContain('BIZ UDPGothic')

    // LGWAN: nothing left the server's origin.
    const origin = new URL(server.url).origin
    const outside = requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'))
    expect(outside).toEqual([])
  })

  it('switches the app to English and back, keeping the sheet document in Japanese', async () => {
    const { page } = await newUser(browser, server)
    await login(page, server, 'somu')
    await page.getByRole('row').filter({ hasText: '総務課' }).first().waitFor()
    await page.getByRole('button', { name: /English/ }).click()
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en')
    await expect.poll(() => page.locator('body').textContent()).toMatch(/Log out|Sign out/i)
    expect(await page.locator('body').textContent()).toContain('FY2025')
    await page.reload()
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en')
    await page.getByRole('button', { name: /日本語/ }).click()
    await expect.poll(() => page.locator('body').textContent()).toContain('ログアウト')
  })

  it('logs out', async () => {
    const { page } = await newUser(browser, server)
    await login(page, server, 'kacho')
    await page.getByRole('button', { name: 'ログアウト' }).click()
    await page.waitForURL(/\/login$/)
    const me = await page.evaluate(async () => (await fetch('/api/me')).status)
    expect(me).toBe(401)
  })
})
