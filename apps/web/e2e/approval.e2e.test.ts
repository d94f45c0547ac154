import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, newUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

const editable = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true }).getAttribute('contenteditable')

describe('approval in the browser', () => {
  it('the 課長 approves while two staff have the sheet open: both turn read-only live with the banner; history and diff render', async () => {
    const staff = [(await newUser(browser, server)).page, (await newUser(browser, server)).page] as const
    const head = (await newUser(browser, server)).page
    await Promise.all([openSheet(staff[0], server, 'kikaku'), openSheet(staff[1], server, 'chiiki'), openSheet(head, server, 'kacho')])
    for (const page of staff) expect(await editable(page, '施策 1 施策の内容')).toBe('true')

    await staff[0].getByRole('button', { name: '確認を依頼', exact: true }).click()
    await expect.poll(() => head.getByRole('button', { name: '承認', exact: true }).count()).toBe(1)
    await head.getByRole('button', { name: '承認', exact: true }).click()
    await head.getByRole('dialog', { name: '承認の確認' }).getByRole('button', { name: '承認して確定する' }).click()

    for (const page of staff) {
      await expect.poll(() => page.getByRole('status').filter({ hasText: /承認済 \(v1, 課長 伊藤 正和, / }).count()).toBe(1)
      await expect.poll(() => editable(page, '施策 1 施策の内容')).toBe('false')
      await expect.poll(() => page.getByText('このシートは承認済みのため編集できません。').count()).toBe(1)
      expect(await page.getByRole('button', { name: '施策 1 削除' }).count()).toBe(0)
    }

    // History: the version list, then a revision and a diff against the frozen version.
    await head.getByRole('button', { name: '履歴', exact: true }).click()
    const history = head.getByRole('region', { name: '履歴' })
    const versions = history.getByRole('table', { name: '承認された版' })
    await expect.poll(() => versions.getByRole('row').filter({ hasText: 'v1' }).filter({ hasText: '伊藤 正和' }).count()).toBe(1)
    const audit = history.getByRole('region', { name: '操作の記録' })
    await expect.poll(() => audit.textContent()).toContain('承認')
    await audit.getByLabel('種類').selectOption('sheet.submit')
    await expect.poll(() => audit.getByRole('row').count()).toBe(2)
    expect(await audit.textContent()).toContain('佐藤 美咲')
    await history.getByRole('button', { name: 'v1 表示' }).click()
    await expect.poll(() => history.getByRole('heading', { name: /令和7年度 課等の方針/ }).count()).toBe(1)

    await head.getByRole('button', { name: '改訂する', exact: true }).click()
    const reopen = head.getByRole('dialog', { name: '改訂の確認' })
    await reopen.getByRole('button', { name: '改訂を始める' }).click()
    // The socket makes the sheet writable as soon as the server reopens it, while the dialog still waits for
    // the sheet's new state: until it closes, the page behind it is inert and takes no typing (a fill there
    // went nowhere, and the amount was "lost" on a loaded machine).
    await reopen.waitFor({ state: 'detached' })
    await expect.poll(() => editable(head, '施策 1 施策の内容')).toBe('true')
    const budget = head.getByRole('textbox', { name: '事務事業 1 事業費' })
    await budget.fill('500')
    await budget.press('Enter')
    // The server has the amount (a failure here is a lost edit, not a slow diff)…
    const stored = () =>
      head.evaluate(async () => {
        const id = location.pathname.split('/').at(-1)
        const sheet = (await (await fetch(`/api/sheets/${id}/export.json`)).json()) as { projects: { budget: number | null }[] }
        return sheet.projects[0]?.budget
      })
    await expect.poll(stored, { timeout: 20_000 }).toBe(500)
    // …and the comparison with the approved version shows it (it refetches every 2 s).
    const diff = history.getByRole('region', { name: '比較' })
    await expect.poll(async () => (await diff.textContent()) ?? '', { timeout: 30_000 }).toMatch(/事務事業 1.*0.*500/)
    // The staff's editors open again for the revision.
    await expect.poll(() => editable(staff[1], '施策 1 施策の内容')).toBe('true')
  })
})
