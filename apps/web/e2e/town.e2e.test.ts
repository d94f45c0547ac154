import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { bellCount, type E2eServer, launchBrowser, officeUser, startServer } from './harness'

/**
 * A real town from nothing: no demo. The first admin comes from the CLI, the organisation from the sample
 * CSV a personnel system would give, the planning department (企画) opens the year on the board, and a head
 * and a staff member of each department work in it while the board and the bells follow live.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
const cli = path.resolve(here, '..', '..', 'server', 'dist', 'cli', 'admin.js')
const sampleCsv = path.resolve(here, '..', '..', 'server', 'samples', 'organisation-sample.csv')

let server: E2eServer
let browser: Browser

function createFirstAdmin(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, 'create-user', '--username', 'kanri', '--name', '情報 管理者', '--role', 'admin', '--password-stdin'],
      { env: { ...process.env, HOSHIN_DATA_DIR: dataDir, HOSHIN_DEMO: '0' }, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c))
    child.stderr.on('data', (c: Buffer) => (out += c))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`admin CLI exited ${code}: ${out}`))))
    child.stdin.end('town-admin-password\n')
  })
}

/** The bell's count once it shows what the server holds (the first fetch after a page load has landed). */
async function settledBell(page: Page): Promise<number> {
  const { unread } = (await (await page.request.get('/api/notifications')).json()) as { unread: number }
  await expect.poll(() => bellCount(page)).toBe(unread)
  return unread
}

const boardRow = (page: Page, department: string) => page.getByRole('table', { name: /各課の方針の状況/ }).getByRole('row').filter({ hasText: department })

const person = (username: string, password: string) => officeUser(browser, server, username, password)

/** Opens the department's 2026 sheet from the list and waits for its editor. */
async function openOwnSheet(page: Page, department: string): Promise<void> {
  await page.getByRole('link', { name: department }).first().click()
  await page.getByRole('button', { name: /行を追加（施策）/ }).waitFor()
}

async function addMeasure(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: /行を追加（施策）/ }).click()
  const field = page.getByRole('textbox', { name: '施策 1 施策名', exact: true })
  await field.click()
  await page.keyboard.type(name)
}

beforeAll(async () => {
  server = await startServer({ demo: false })
  browser = await launchBrowser()
  expect(await createFirstAdmin(server.dataDir)).toMatch(/作成しました: kanri/)
}, 60_000)

describe('a town that sets itself up and runs its year', () => {
  it('admin imports the organisation, 企画 opens the year, both departments work while the board and bells follow', { timeout: 180_000 }, async () => {
    // 1. The admin brings in the organisation from the sample CSV (UTF-8 with BOM, as Excel writes it).
    const admin = await person('kanri', 'town-admin-password')
    // An empty town: no sheet to list yet.
    await admin.getByText('閲覧できる方針はまだありません。').waitFor()
    await admin.goto(`${server.url}/admin/import`)
    await admin.getByLabel('CSV ファイル').setInputFiles(sampleCsv)
    const apply = admin.getByRole('button', { name: 'この内容で反映する' })
    await apply.waitFor()
    expect(await admin.locator('.csv-plan').textContent()).toContain('「福祉課」を作成')
    await admin.screenshot({ path: 'test-results/town/01-org-preview.png' })
    await apply.click()
    await admin.getByRole('heading', { name: /新しい職員の初期パスワード（6人）/ }).waitFor()
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'CSV をダウンロード' }).click()])
    const passwords = new Map(
      readFileSync((await download.path())!, 'utf8')
        .slice(1)
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',') as [string, string]),
    )
    expect([...passwords.keys()].sort()).toEqual(['doboku1', 'fukushi-kacho', 'fukushi1', 'kanri1', 'kensetsu-kacho', 'kikaku1'])
    const pw = (u: string) => passwords.get(u)!

    // 2. 企画 opens 令和8年度 on the board: nothing to carry forward in a new town, so two empty drafts.
    const planning = await person('kikaku1', pw('kikaku1'))
    await planning.goto(`${server.url}/years/2026`)
    const form = planning.getByRole('form', { name: '年度を開始' })
    await form.getByLabel('提出期限').fill('2026-12-25')
    await form.getByRole('button', { name: '年度を開始' }).click()
    // The board replaces the empty year's form with every department's line, and says what it did.
    await expect.poll(() => planning.locator('.open-year-done').textContent()).toMatch(/令和8年度のシートを 2 件作成しました/)
    await boardRow(planning, '建設課').waitFor()
    expect(await boardRow(planning, '福祉課').count()).toBe(1)
    const measuresOf = (department: string) => boardRow(planning, department).getByRole('cell').nth(4).textContent()
    expect(await measuresOf('建設課')).toBe('0')

    // 3. A staff member of each department writes a measure; the planning board follows without a reload.
    const doboku = await person('doboku1', pw('doboku1'))
    await openOwnSheet(doboku, '建設課')
    await addMeasure(doboku, '道路橋りょうの長寿命化')
    const fukushi = await person('fukushi1', pw('fukushi1'))
    await openOwnSheet(fukushi, '福祉課')
    await addMeasure(fukushi, '地域包括ケアの推進')
    await expect.poll(() => measuresOf('建設課'), { timeout: 15_000 }).toBe('1')
    await expect.poll(() => measuresOf('福祉課'), { timeout: 15_000 }).toBe('1')
    await planning.screenshot({ path: 'test-results/town/02-board-live.png' })

    // 4. 建設課 names 福祉課 as 連携課: 福祉課's bell rings and its inbox holds the row, acknowledged there.
    const fukushiBefore = await settledBell(fukushi)
    await doboku.locator('summary[aria-label^="施策 1 連携課名"]').click()
    await doboku.getByRole('checkbox', { name: '福祉課' }).check()
    await expect.poll(() => bellCount(fukushi), { timeout: 15_000 }).toBe(fukushiBefore + 1)
    await fukushi.goto(`${server.url}/partners?year=2026`)
    const request = fukushi.getByRole('main').getByText('道路橋りょうの長寿命化')
    await request.waitFor()
    await fukushi.getByRole('button', { name: /了承/ }).first().click()
    await expect.poll(() => fukushi.getByRole('button', { name: /取り消し/ }).count()).toBe(1)
    await fukushi.screenshot({ path: 'test-results/town/03-partner-inbox.png' })
    // The asking department sees who acknowledged, under the row's 連携課.
    await doboku.reload()
    await expect.poll(() => doboku.locator('.partner-acks').first().textContent(), { timeout: 15_000 }).toContain('福祉課')

    // 5. Each head hears of their own department's request for review, live; the board shows it.
    const kensetsuHead = await person('kensetsu-kacho', pw('kensetsu-kacho'))
    const fukushiHead = await person('fukushi-kacho', pw('fukushi-kacho'))
    const headBefore = await settledBell(kensetsuHead)
    const otherHeadBefore = await settledBell(fukushiHead)
    await doboku.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await expect.poll(() => bellCount(kensetsuHead), { timeout: 15_000 }).toBe(headBefore + 1)
    // Their sheet list follows too, without a reload.
    await expect.poll(() => kensetsuHead.getByRole('table').textContent()).toContain('確認依頼中')
    await expect.poll(() => boardRow(planning, '建設課').textContent(), { timeout: 15_000 }).toContain('確認依頼中')
    await kensetsuHead.getByRole('button', { name: /^通知/ }).click()
    await kensetsuHead.screenshot({ path: 'test-results/town/04-head-bell.png' })
    expect(await kensetsuHead.getByRole('dialog', { name: '通知' }).textContent()).toContain('確認依頼')
    // The other department's head heard nothing of it.
    expect(await bellCount(fukushiHead)).toBe(otherHeadBefore)
    // A head's board shows their own line only.
    await kensetsuHead.goto(`${server.url}/years/2026`)
    await boardRow(kensetsuHead, '建設課').waitFor()
    expect(await boardRow(kensetsuHead, '福祉課').count()).toBe(0)
  })
})
