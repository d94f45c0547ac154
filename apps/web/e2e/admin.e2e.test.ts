import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, launchBrowser, login, newUser, officeUser, startServer } from './harness.js'

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'admin')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`) })

const person = (username: string, password?: string) => officeUser(browser, server, username, password)

/** A request from inside the page, with its session cookie. */
function call(page: Page, method: string, url: string): Promise<number> {
  return page.evaluate(async ({ method, url }) => (await fetch(url, { method })).status, { method, url })
}

/** Nothing in the page is wider than the window (no cut-off at 1366 px). */
function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
}

/** A CSV file as the file picker hands it over. */
const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') })

/** The rows of the line-numbered error table: [行, 内容]. */
function errorRows(page: Page): Promise<string[][]> {
  return page
    .getByRole('table', { name: 'エラーのある行' })
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')))
}

/** The department names in the 課・係 list, in their order. */
function departmentOrder(page: Page): Promise<string[]> {
  return page.getByRole('list', { name: '課と係（表示順）' }).locator(':scope > li h3').allTextContents()
}

describe('the admin area', () => {
  it('creates a department with two sections and a person in it; a reset password is shown once and works; disabling signs them out', async () => {
    const admin = await person('admin')
    await admin.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '管理' }).click()
    await admin.waitForURL(/\/admin\/org$/)
    await admin.getByRole('heading', { name: '管理', level: 1 }).waitFor()

    // A department with its two sections, in one step.
    await admin.getByLabel('課の名前').fill('建設課')
    await admin.getByLabel('係・室（1行に1つ）').fill('土木係\n管理係\n')
    await admin.getByRole('button', { name: '課を作成' }).click()
    await expect.poll(() => admin.getByRole('main').getByRole('status').first().textContent()).toContain('「建設課」を作成しました。')
    await expect.poll(() => admin.getByRole('list', { name: '建設課の係' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('土木係'),
      expect.stringContaining('管理係'),
    ])

    // Reordered from the keyboard: the arrow keeps focus, so Enter moves it again.
    const before = await departmentOrder(admin)
    expect(before.at(-1)).toBe('建設課')
    await admin.getByRole('button', { name: '「建設課」を上へ移動' }).focus()
    await admin.keyboard.press('Enter')
    await expect.poll(() => departmentOrder(admin)).toEqual([...before.slice(0, -2), '建設課', before.at(-2)])
    await expect.poll(() => admin.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('「建設課」を上へ移動')
    expect(await accessibilityProblems(admin)).toEqual([])
    expect(await overflowsHorizontally(admin)).toBe(false)
    await shot(admin, '01-org')

    // A person in the new department: the section picker offers only its sections.
    await admin.getByRole('navigation', { name: '管理メニュー' }).getByRole('link', { name: '職員' }).click()
    await admin.getByRole('button', { name: '職員を追加' }).click()
    const form = admin.getByRole('dialog', { name: '職員を追加' })
    await form.getByLabel('氏名').fill('山田 太郎')
    await form.getByLabel('ユーザー名').fill('yamada')
    await form.getByLabel('役割').selectOption({ label: '係員' })
    await form.getByLabel(/^課/).selectOption({ label: '建設課' })
    const sectionPicker = form.getByLabel(/^係/)
    expect(await sectionPicker.locator('option').allTextContents()).toEqual(['（なし）', '土木係', '管理係'])
    await sectionPicker.selectOption({ label: '土木係' })
    expect(await accessibilityProblems(admin)).toEqual([])
    await shot(admin, '02-new-user')
    await form.getByRole('button', { name: '追加する' }).click()
    const initial = admin.getByRole('dialog', { name: '初期パスワード' })
    await initial.waitFor()
    await initial.getByRole('button', { name: '控えたので閉じる' }).click()
    const row = admin.getByRole('row').filter({ hasText: '山田 太郎' })
    await expect.poll(() => row.textContent()).toMatch(/yamada.*係員.*建設課 土木係.*有効/)

    // Reset: asked first, then the new password, once.
    await row.getByRole('button', { name: '山田 太郎 さんのパスワード再設定' }).click()
    await admin.getByRole('dialog', { name: 'パスワード再設定' }).getByRole('button', { name: '再設定する' }).click()
    const shown = admin.getByRole('dialog', { name: '新しいパスワード' })
    const password = await shown.getByLabel('パスワード').inputValue()
    expect(password.length).toBeGreaterThanOrEqual(10)
    expect(await shown.textContent()).toContain('このパスワードは二度と表示されません')
    await shot(admin, '03-password-once')
    await shown.getByRole('button', { name: '控えたので閉じる' }).click()
    await shown.waitFor({ state: 'detached' })
    // Gone from the page once closed.
    expect(await admin.content()).not.toContain(password)

    // The person logs in with it.
    const yamada = await person('yamada', password)
    expect(await yamada.locator('.who').textContent()).toContain('建設課 土木係')

    // Disabled: confirmed first; their open page is signed out and their requests fail.
    await row.getByRole('button', { name: '山田 太郎 さんを無効にする' }).click()
    const confirm = admin.getByRole('dialog', { name: '無効にする' })
    expect(await confirm.textContent()).toContain('山田 太郎 さんを無効にしますか？')
    await confirm.getByRole('button', { name: '無効にする' }).click()
    await expect.poll(() => admin.getByRole('main').getByRole('status').first().textContent()).toContain('山田 太郎 さんを無効にしました。')
    await yamada.waitForURL(/\/login$/)
    expect(await call(yamada, 'GET', '/api/me')).toBe(401)
    await login(yamada, server, 'yamada', password)
    await expect.poll(() => yamada.getByRole('alert').textContent()).not.toBe('')
    expect(yamada.url()).toMatch(/\/login$/)

    // Listed again with 無効 when asked for disabled accounts, and brought back after confirming.
    await expect.poll(() => row.count()).toBe(0)
    await admin.getByLabel('無効の職員も表示').check()
    await expect.poll(() => row.textContent()).toContain('無効')
    await shot(admin, '04-users')
    await row.getByRole('button', { name: '山田 太郎 さんを有効にする' }).click()
    await admin.getByRole('dialog', { name: '有効にする' }).getByRole('button', { name: '有効にする' }).click()
    await expect.poll(() => row.textContent()).toContain('有効')

    // Retired: greyed with 廃止, and gone from the pickers.
    await admin.getByRole('navigation', { name: '管理メニュー' }).getByRole('link', { name: '課・係' }).click()
    await admin.getByRole('button', { name: '「管理係」を廃止する' }).click()
    await expect.poll(() => admin.getByRole('list', { name: '建設課の係' }).getByRole('listitem').last().textContent()).toContain('廃止')
    await admin.getByRole('navigation', { name: '管理メニュー' }).getByRole('link', { name: '職員' }).click()
    await admin.getByRole('button', { name: '職員を追加' }).click()
    await admin.getByRole('dialog', { name: '職員を追加' }).getByLabel(/^課/).selectOption({ label: '建設課' })
    expect(await admin.getByRole('dialog', { name: '職員を追加' }).getByLabel(/^係/).locator('option').allTextContents()).toEqual(['（なし）', '土木係'])
    await admin.keyboard.press('Escape')
    await admin.getByRole('dialog').waitFor({ state: 'detached' })
  })

  it('shows staff the Japanese 403 page at /admin and everyone the 404 page at an unknown path; a visitor goes to /login', async () => {
    const staff = await person('kikaku')
    expect(await staff.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '管理' }).count()).toBe(0)
    expect(await call(staff, 'GET', '/api/admin/users')).toBe(403)

    await staff.goto(`${server.url}/admin`)
    await staff.getByRole('heading', { name: 'このページを表示する権限がありません' }).waitFor()
    expect(await staff.locator('body').textContent()).not.toMatch(/Unexpected Application Error|404 Not Found/)
    expect(await accessibilityProblems(staff)).toEqual([])
    await shot(staff, '05-forbidden')

    await staff.goto(`${server.url}/no/such/page`)
    await staff.getByRole('heading', { name: 'ページが見つかりません' }).waitFor()
    await shot(staff, '06-not-found')
    await staff.getByRole('link', { name: '課等の方針一覧へ戻る' }).click()
    await staff.getByRole('heading', { name: '課等の方針一覧' }).waitFor()

    const { page: visitor } = await newUser(browser, server)
    await visitor.goto(`${server.url}/admin/users`)
    await visitor.waitForURL(/\/login$/)
  })

  it('previews an organisation CSV with line-numbered errors, applies a good one with initial passwords once (CSV with BOM), then a 人事異動 CSV', async () => {
    const admin = await person('admin')
    await admin.goto(`${server.url}/admin/import`)
    await admin.getByRole('heading', { name: '組織CSV取込', level: 2 }).waitFor()
    const picker = admin.getByLabel('CSV ファイル')

    // Broken: each bad line by its number, in Japanese; nothing to apply.
    const header = '課名,係名,ユーザー名,氏名,役割'
    await picker.setInputFiles(
      csvFile('broken.csv', [header, '土木課,道路係,doboku1,土木 一郎,係員', '土木課,道路係,doboku9,土木 九郎,部長', '土木課,河川係,doboku1,土木 二郎,係員', ',河川係,x.y,名無し,係員'].join('\r\n')),
    )
    await expect.poll(() => errorRows(admin)).toEqual([
      ['3', expect.stringContaining('部長')],
      ['4', expect.stringContaining('2 行目と重複')],
      ['5', expect.stringContaining('課名がありません')],
    ])
    expect(await admin.getByRole('button', { name: 'この内容で反映する' }).count()).toBe(0)
    expect(await accessibilityProblems(admin)).toEqual([])
    expect(await overflowsHorizontally(admin)).toBe(false)
    await shot(admin, '07-csv-errors')

    // Good (UTF-8 with BOM, as Excel's 「CSV UTF-8」 writes it): the whole organisation, so 建設課 (not in it) is retired.
    const good = [
      header,
      '企画財政課,企画調整係,,,',
      '企画財政課,地域活力共創係,,,',
      '企画財政課,情報戦略係,,,',
      '企画財政課,ゼロカーボン推進室,,,',
      '総務課,総務係,,,',
      '総務課,人事係,,,',
      '総務課,危機管理室,,,',
      '土木課,道路係,doboku1,土木 一郎,係員',
      '土木課,河川係,doboku2,土木 花子,係長',
      '土木課,,doboku-kacho,土木 課長,課長',
    ]
    await picker.setInputFiles(csvFile('organisation.csv', `\uFEFF${good.join('\r\n')}\r\n`))
    const apply = admin.getByRole('button', { name: 'この内容で反映する' })
    await apply.waitFor()
    const plan = admin.locator('.csv-plan')
    expect(await plan.getByRole('heading', { level: 4 }).allTextContents()).toEqual([
      expect.stringMatching(/^作成 6件（課 1・係 2・職員 3）/),
      expect.stringMatching(/^廃止・無効化 \d+件/),
    ])
    expect(await plan.textContent()).toContain('「建設課」を廃止')
    await shot(admin, '08-csv-preview')

    await apply.click()
    await admin.getByRole('heading', { name: '新しい職員の初期パスワード（3人）' }).waitFor()
    expect(await admin.locator('.initial-passwords').textContent()).toContain('一度だけ表示されます')
    await shot(admin, '09-csv-applied')
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'CSV をダウンロード' }).click()])
    const file = await download.path()
    const text = readFileSync(file, 'utf8')
    expect(text.charCodeAt(0)).toBe(0xfeff)
    const lines = text.slice(1).trim().split('\r\n')
    expect(lines[0]).toBe('ユーザー名,初期パスワード')
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['doboku-kacho', 'doboku1', 'doboku2'])
    const doboku1 = lines.find((l) => l.startsWith('doboku1,'))!.split(',')[1]!

    // The new person signs in with the password from the file.
    const newcomer = await person('doboku1', doboku1)
    expect(await newcomer.locator('.who').textContent()).toContain('土木課 道路係')

    // 人事異動: an unknown person is refused by line; a good file moves kikaku to 土木課 道路係 as 係長.
    await admin.getByRole('navigation', { name: '管理メニュー' }).getByRole('link', { name: '人事異動' }).click()
    await admin.getByRole('heading', { name: '人事異動', level: 2 }).waitFor()
    await admin.getByLabel('CSV ファイル').setInputFiles(csvFile('transfers-broken.csv', 'ユーザー名,課名,係名,役割\r\nkikaku,土木課,道路係,係長\r\nnobody,総務課,総務係,\r\n'))
    await expect.poll(() => errorRows(admin)).toEqual([['3', expect.stringContaining('nobody')]])
    await admin.getByLabel('CSV ファイル').setInputFiles(csvFile('transfers.csv', 'ユーザー名,課名,係名,役割\r\nkikaku,土木課,道路係,係長\r\n'))
    const move = admin.getByRole('button', { name: 'この内容で異動を反映する' })
    await move.waitFor()
    expect(await admin.locator('.csv-plan').textContent()).toMatch(/佐藤 美咲（kikaku）: 企画財政課 企画調整係 係員 → 土木課 道路係 係長/)
    await admin.getByText('CSV の形式').click()
    expect(await admin.locator('.csv-format').textContent()).toContain('ユーザー名,課名,係名,役割')
    await shot(admin, '10-transfers-preview')
    await move.click()
    await expect.poll(() => admin.getByRole('main').getByRole('status').first().textContent()).toContain('人事異動を反映しました。')
    await admin.getByRole('navigation', { name: '管理メニュー' }).getByRole('link', { name: '職員' }).click()
    await expect.poll(() => admin.getByRole('row').filter({ hasText: 'kikaku' }).textContent()).toMatch(/係長.*土木課 道路係/)
  })
})
