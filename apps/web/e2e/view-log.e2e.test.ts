import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, officeUser, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

async function openKikaku(page: Page): Promise<void> {
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
}

describe('閲覧記録', () => {
  it('lists an approved version someone opened beside the live sheet; staff see no 閲覧記録', async () => {
    const head = await officeUser(browser, server, 'kacho')
    await openKikaku(head)
    await head.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await head.getByRole('button', { name: '承認', exact: true }).click()
    await head.getByRole('dialog', { name: '承認の確認' }).getByRole('button', { name: '承認して確定する' }).click()
    await head.getByRole('status').filter({ hasText: /承認済 \(v1, / }).waitFor()

    // A member of staff opens the sheet, then v1 under 履歴.
    const staff = await officeUser(browser, server, 'joho')
    await openKikaku(staff)
    await staff.getByRole('button', { name: '履歴', exact: true }).click()
    const staffHistory = staff.getByRole('region', { name: '履歴' })
    await staffHistory.getByRole('button', { name: 'v1 表示' }).click()
    await staffHistory.getByRole('heading', { name: /令和7年度 課等の方針/ }).waitFor()
    expect(await staff.getByRole('region', { name: '閲覧記録' }).count()).toBe(0)

    await head.getByRole('button', { name: '履歴', exact: true }).click()
    const log = head.getByRole('region', { name: '閲覧記録' })
    const joho = log.getByRole('row').filter({ hasText: '高橋 誠' })
    await expect.poll(() => joho.allTextContents()).toHaveLength(2)
    // Newest first: the version, then the page itself.
    const [version, live] = await joho.allTextContents()
    expect(version).toContain('v1')
    expect(version).toContain('企画財政課')
    expect(live).toContain('現在のシート')
    await log.scrollIntoViewIfNeeded()
    const folder = process.env.HOSHIN_SCREENSHOTS
    if (folder) await head.screenshot({ path: `${folder}/view-log-version.png` })
  })
})
