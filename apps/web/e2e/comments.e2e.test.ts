import type { Browser } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, newUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

describe('comments in the browser', () => {
  it('A comments on measure 3; B (another section) sees it live, replies with @A’s section; A sees the unread badge and resolves; B sees it resolved', async () => {
    const a = (await newUser(browser, server)).page
    const b = (await newUser(browser, server)).page
    await Promise.all([openSheet(a, server, 'kikaku'), openSheet(b, server, 'chiiki')])
    await b.getByRole('button', { name: /^コメント \(/ }).click()

    await a.getByRole('button', { name: '施策 3 にコメント' }).click()
    await a.getByLabel('コメント本文').fill('官民連携の協定先を一覧にしてください')
    await a.getByRole('button', { name: '投稿する' }).click()

    const threadOnB = b.getByRole('article', { name: 'コメント: 施策 3' })
    await expect.poll(() => threadOnB.textContent()).toContain('官民連携の協定先を一覧にしてください')
    expect(await threadOnB.textContent()).toContain('佐藤 美咲（企画調整係）')
    await expect.poll(() => b.getByRole('button', { name: '施策 3 にコメント (1)' }).count()).toBe(1)

    await threadOnB.getByPlaceholder('返信').fill('@企画調整係 今週中にまとめます')
    await threadOnB.getByRole('button', { name: '返信する' }).click()

    const badge = a.getByRole('link', { name: /未読コメント: 1/ })
    await expect.poll(() => badge.count()).toBe(1)
    // A's comment panel is still open from posting.
    const threadOnA = a.getByRole('article', { name: 'コメント: 施策 3' })
    await expect.poll(() => threadOnA.textContent()).toContain('@企画調整係 今週中にまとめます')
    await threadOnA.getByRole('button', { name: '解決にする' }).click()
    await expect.poll(() => badge.count()).toBe(0)

    // B's list shows open threads by default: switch to all to see it resolved, with who resolved it.
    await b.getByLabel('状態').selectOption('all')
    await expect.poll(() => threadOnB.textContent()).toMatch(/解決済み: 佐藤 美咲/)
    expect(await threadOnB.getAttribute('class')).toContain('thread-resolved')
  })
})
