import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { townIsoDate } from '@hoshin/sheet'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, officeUser, startServer } from './harness.js'

let server: E2eServer
let browser: Browser
const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results')

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

async function call(page: Page, method: 'POST' | 'PUT', url: string, data?: unknown) {
  const res = await page.request.fetch(`${server.url}${url}`, {
    method,
    headers: { origin: server.url, 'content-type': 'application/json' },
    ...(data === undefined ? {} : { data: JSON.stringify(data) }),
  })
  expect(res.status(), `${method} ${url}: ${await res.text()}`).toBeLessThan(300)
}

describe('the review above the 課長 in the browser (issue 19)', () => {
  it('planning turns the step on at the board, sends an approved sheet back, then confirms and records 庁議報告; the department sees each step', async () => {
    const planning = await officeUser(browser, server, 'planning')
    await planning.goto(`${server.url}/years/2025`)
    const setting = planning.getByRole('checkbox', { name: '承認の後に企画確認・庁議報告を行う' })
    await setting.waitFor()
    expect(await setting.isChecked()).toBe(false)
    expect(await planning.getByRole('columnheader', { name: '企画確認・庁議' }).count()).toBe(0)
    await setting.check()
    await planning.getByText('設定を保存しました。').waitFor()
    await planning.getByRole('columnheader', { name: '企画確認・庁議' }).waitFor()

    const kikaku = await officeUser(browser, server, 'kikaku')
    const kacho = await officeUser(browser, server, 'kacho')
    const sheetPath = (await kikaku.getByRole('link', { name: '企画財政課' }).first().getAttribute('href'))!
    await call(kikaku, 'POST', `/api${sheetPath}/submit`)
    await call(kacho, 'POST', `/api${sheetPath}/approve`)

    // Planning: the sheet waits for 企画確認; planning sends it back with a reason.
    await planning.goto(`${server.url}${sheetPath}`)
    const panel = planning.getByRole('region', { name: /企画確認・庁議報告/ })
    await panel.getByText('企画確認待ち').waitFor()
    await planning.screenshot({ path: path.join(output, 'review-pending-1366.png') })
    await panel.getByRole('button', { name: '差し戻す' }).click()
    const reason = '事務事業 5 の事業費の内訳を総合計画の施策と合わせて示してください'
    await panel.getByLabel('差し戻しの理由（課の画面に表示されます）').fill(reason)
    await panel.getByRole('button', { name: '差し戻して改訂を求める' }).click()
    await planning.getByText(/企画確認で差し戻されました（山口 由紀、版 1）/).waitFor()

    // The department sees who sent it back and why, on a draft of revision 2 it may edit.
    await kikaku.goto(`${server.url}${sheetPath}`)
    const banner = kikaku.getByText(/企画確認で差し戻されました/)
    await banner.waitFor()
    expect(await banner.textContent()).toContain(reason)
    await kikaku.getByText('改訂 2').waitFor()
    await kikaku.screenshot({ path: path.join(output, 'review-sent-back-1366.png') })

    await call(kikaku, 'POST', `/api${sheetPath}/submit`)
    await call(kacho, 'POST', `/api${sheetPath}/approve`)
    await planning.reload()
    await panel.getByText('企画確認待ち').waitFor()
    await panel.getByRole('button', { name: '企画確認する' }).click()
    const dialog = planning.getByRole('dialog')
    await dialog.getByText(/版 2 を企画確認済みにします/).waitFor()
    await dialog.getByRole('button', { name: '企画確認する' }).click()
    await panel.getByText('庁議報告待ち').waitFor()
    const today = townIsoDate(new Date())
    expect(await panel.getByLabel('庁議に報告した日').inputValue()).toBe(today)
    await panel.getByRole('button', { name: '庁議報告を記録' }).click()
    await panel.getByText('庁議報告済').waitFor()
    await panel.getByText('庁議報告まで済みました。公開できます。').waitFor()
    await planning.screenshot({ path: path.join(output, 'review-reported-1366.png') })

    // The board says where each department's review stands.
    await planning.goto(`${server.url}/years/2025`)
    const row = planning.getByRole('row', { name: /企画財政課/ })
    await row.getByText('庁議報告済').waitFor()
    await planning.screenshot({ path: path.join(output, 'review-board-1366.png') })

    // The 課長 sees the steps and has none to take.
    await kacho.goto(`${server.url}${sheetPath}`)
    await kacho.getByRole('region', { name: /企画確認・庁議報告/ }).getByText('庁議報告済').waitFor()
    expect(await kacho.getByRole('button', { name: '企画確認する' }).count()).toBe(0)
    expect(await kacho.getByRole('button', { name: '庁議報告を記録' }).count()).toBe(0)

    // Back to off, as the town had it.
    await planning.getByRole('checkbox', { name: '承認の後に企画確認・庁議報告を行う' }).uncheck()
    await planning.getByText('設定を保存しました。').waitFor()
  })
})
