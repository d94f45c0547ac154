import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, fieldText, focusEnd, launchBrowser, officeUser, startServer } from './harness.js'

// Issue 16: 成果指標 in the editor, and the 中間評価 of an approved sheet, co-edited by two sections.

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'evaluation')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`), fullPage: false })

/** A person at 1366×768 in 企画財政課's sheet, its editor live. */
async function inSheet(username: string): Promise<Page> {
  const page = await officeUser(browser, server, username)
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
  return page
}

const textbox = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true })
const editable = (page: Page, name: string) => textbox(page, name).getAttribute('contenteditable')

/** Adds an indicator to a row and names it: the cursor is in the new name at once. */
async function addIndicator(page: Page, row: string, name: string) {
  await page.getByRole('button', { name: `＋ 指標を追加 （${row}）` }).click()
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`${row} 指標 1 指標名`)
  await page.keyboard.type(name)
}

/** Types into a one-line value cell and stores it with Enter. */
async function enter(page: Page, name: string, value: string) {
  const input = textbox(page, name)
  await input.fill(value)
  await input.press('Enter')
}

describe('成果指標 in the editor', () => {
  it('an indicator added to a measure shows live on the other browser; numbers refuse junk inline and keep the unit; delete has undo', async () => {
    const [a, b] = await Promise.all([inSheet('kikaku'), inSheet('chiiki')])
    await addIndicator(a, '施策 2', '移住相談件数')
    await expect.poll(() => fieldText(b, '施策 2 指標 1 指標名')).toBe('移住相談件数')

    await enter(a, '施策 2 指標 1 単位', '件')
    // Junk is refused where it was typed, in Japanese, and never stored.
    await enter(a, '施策 2 指標 1 基準値', '12件くらい')
    await expect.poll(() => a.getByRole('alert').filter({ hasText: '数値で入力してください' }).count()).toBe(1)
    expect(await textbox(a, '施策 2 指標 1 基準値').getAttribute('aria-invalid')).toBe('true')
    await enter(a, '施策 2 指標 1 基準値', '１，２００')
    await expect.poll(() => a.getByRole('alert').filter({ hasText: '数値で入力してください' }).count()).toBe(0)
    await expect.poll(() => textbox(b, '施策 2 指標 1 基準値').inputValue()).toBe('1,200')
    await expect.poll(() => textbox(b, '施策 2 指標 1 単位').inputValue()).toBe('件')
    // The unit stays beside the number.
    expect(await b.locator('tr', { has: textbox(b, '施策 2 指標 1 基準値') }).locator('.ind-baseline .unit-suffix').textContent()).toBe('件')
    await enter(a, '施策 2 指標 1 目標値', '1,2345')
    await expect.poll(() => a.getByRole('alert').filter({ hasText: '桁区切りのカンマの位置' }).count()).toBe(1)
    await textbox(a, '施策 2 指標 1 目標値').press('Escape')

    // The other section sets the target, the kind and the year; each shows on the first browser.
    await enter(b, '施策 2 指標 1 目標値', '1,500')
    await b.getByRole('combobox', { name: '施策 2 指標 1 種別', exact: true }).selectOption({ label: '活動' })
    await b.getByRole('combobox', { name: '施策 2 指標 1 基準年度', exact: true }).selectOption({ label: '令和6年度' })
    await expect.poll(() => textbox(a, '施策 2 指標 1 目標値').inputValue()).toBe('1,500')
    await expect.poll(() => a.getByRole('combobox', { name: '施策 2 指標 1 種別', exact: true }).inputValue()).toBe('activity')
    await expect.poll(() => a.getByRole('combobox', { name: '施策 2 指標 1 基準年度', exact: true }).inputValue()).toBe('2024')
    await focusEnd(b, '施策 2 指標 1 出典')
    await b.keyboard.type('移住相談窓口の記録')
    await expect.poll(() => fieldText(a, '施策 2 指標 1 出典')).toBe('移住相談窓口の記録')

    // The keyboard moves across the indicator's cells as in the table.
    await textbox(a, '施策 2 指標 1 単位').focus()
    await a.keyboard.press('Home')
    await a.keyboard.press('ArrowLeft')
    await expect.poll(() => a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 2 指標 1 指標名')

    expect(await accessibilityProblems(a)).toEqual([])
    await a.locator('tr.indicator-row').first().evaluate((row) => row.scrollIntoView({ block: 'center' }))
    await shot(a, 'indicator-editor')

    // Deleted, and back with the row undo.
    await a.getByRole('button', { name: '施策 2 指標 1 削除' }).click()
    await expect.poll(() => textbox(b, '施策 2 指標 1 指標名').count()).toBe(0)
    await a.getByRole('status').getByRole('button', { name: '元に戻す' }).click()
    await expect.poll(() => fieldText(b, '施策 2 指標 1 指標名')).toBe('移住相談件数')
    await expect.poll(() => textbox(b, '施策 2 指標 1 基準値').inputValue()).toBe('1,200')

    // From the keyboard, 指標を追加 is one of the row's tools (one Tab stop, ← → within).
    await a.getByRole('button', { name: '施策 3 指標を追加', exact: true }).focus()
    await a.keyboard.press('Enter')
    await expect.poll(() => a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('施策 3 指標 1 指標名')
    await a.keyboard.type('協働事業数')
    await expect.poll(() => fieldText(b, '施策 3 指標 1 指標名')).toBe('協働事業数')
  })
})

describe('中間評価 of an approved sheet', () => {
  it('two sections fill it in live while the plan stays read-only; the 課長 approves it and everything turns read-only', async () => {
    const [a, b, head] = await Promise.all([inSheet('kikaku'), inSheet('chiiki'), inSheet('kacho')])
    // A plan with an indicator to measure.
    await addIndicator(a, '施策 1', '移住相談件数')
    await enter(a, '施策 1 指標 1 単位', '件')
    await enter(a, '施策 1 指標 1 目標値', '120')
    await expect.poll(() => textbox(head, '施策 1 指標 1 目標値').inputValue()).toBe('120')

    // Words selected in the plan while it is a draft (for 選択範囲にコメント, below).
    await textbox(a, '施策 1 施策の内容').click()
    await a.keyboard.press('Control+Home')
    for (let i = 0; i < 4; i++) await a.keyboard.press('Shift+ArrowRight')
    await expect.poll(() => a.evaluate(() => getSelection()?.toString())).toBe('総合計画')

    // Submitted and approved as every year.
    await a.getByRole('button', { name: '確認を依頼', exact: true }).click()
    await head.getByRole('button', { name: '承認', exact: true }).click()
    await head.getByRole('dialog', { name: '承認の確認' }).getByRole('button', { name: '承認して確定する' }).click()
    for (const page of [a, b]) await expect.poll(() => editable(page, '施策 1 施策の内容')).toBe('false')

    // A member of the department opens the 中間評価; every open page follows to it.
    await a.getByRole('button', { name: '中間評価を始める' }).click()
    for (const page of [a, b, head]) {
      await expect.poll(() => page.getByRole('button', { name: '中間評価', exact: true, pressed: true }).count()).toBe(1)
      await page.getByRole('combobox', { name: '中間評価 施策 1 評価', exact: true }).waitFor()
    }
    const region = (page: Page) => page.getByRole('region', { name: '評価', exact: true })
    expect(await region(a).getByText('作成中', { exact: true }).count()).toBe(1)
    // 年度末評価 can be opened too, later in the year.
    expect(await a.getByRole('button', { name: '年度末評価を始める' }).count()).toBe(1)

    // Both sections write at once, each seeing the other's.
    await a.getByRole('combobox', { name: '中間評価 施策 1 評価', exact: true }).selectOption({ label: '計画どおり' })
    await b.getByRole('combobox', { name: '中間評価 施策 2 評価', exact: true }).selectOption({ label: '計画未満' })
    await enter(b, '中間評価 施策 1 指標 1 実績値', '６４')
    await textbox(a, '中間評価 施策 1 指標 1 実績値の時点').fill('2025-09-30')
    await focusEnd(a, '中間評価 施策 1 実績')
    await a.keyboard.type('相談会を4回開催した。')
    // 選択範囲にコメント comments on words of the plan, never on words selected earlier elsewhere.
    await textbox(a, '中間評価 施策 1 実績').click()
    await a.keyboard.press('Control+Home')
    await a.keyboard.press('Shift+End')
    await expect.poll(() => a.evaluate(() => getSelection()?.toString())).toBe('相談会を4回開催した。')
    await a.getByRole('button', { name: '選択範囲にコメント' }).click()
    await a.getByRole('button', { name: 'コメントを閉じる' }).waitFor()
    expect(await a.locator('.new-thread .quote').count()).toBe(0)
    await a.getByRole('button', { name: 'コメントを閉じる' }).click()
    await focusEnd(b, '中間評価 施策 2 課題・改善')
    await b.keyboard.type('空き家情報の更新が遅れている。')

    await expect.poll(() => b.getByRole('combobox', { name: '中間評価 施策 1 評価', exact: true }).inputValue()).toBe('onTrack')
    await expect.poll(() => a.getByRole('combobox', { name: '中間評価 施策 2 評価', exact: true }).inputValue()).toBe('below')
    await expect.poll(() => textbox(a, '中間評価 施策 1 指標 1 実績値').inputValue()).toBe('64')
    await expect.poll(() => textbox(b, '中間評価 施策 1 指標 1 実績値の時点').inputValue()).toBe('2025-09-30')
    await expect.poll(() => fieldText(b, '中間評価 施策 1 実績')).toBe('相談会を4回開催した。')
    await expect.poll(() => fieldText(a, '中間評価 施策 2 課題・改善')).toBe('空き家情報の更新が遅れている。')
    // The value and its day were set together: neither lost the other.
    await expect.poll(() => textbox(head, '中間評価 施策 1 指標 1 実績値').inputValue()).toBe('64')
    await expect.poll(() => textbox(head, '中間評価 施策 1 指標 1 実績値の時点').inputValue()).toBe('2025-09-30')

    // Junk and a day outside the fiscal year are refused inline.
    await enter(a, '中間評価 施策 1 指標 1 実績値', 'たくさん')
    await expect.poll(() => a.getByRole('alert').filter({ hasText: '数値で入力してください' }).count()).toBe(1)
    await textbox(a, '中間評価 施策 1 指標 1 実績値').press('Escape')
    await textbox(b, '中間評価 施策 1 指標 1 実績値の時点').fill('2024-09-30')
    await expect.poll(() => b.getByRole('alert').filter({ hasText: '日付は年度内' }).count()).toBe(1)
    await expect.poll(() => textbox(a, '中間評価 施策 1 指標 1 実績値の時点').inputValue()).toBe('2025-09-30')

    // The approved plan stays as it was: its fields read-only here and in the 計画 view.
    expect(await editable(a, '施策 1 施策の内容')).toBe('false')
    expect(await textbox(a, '施策 1 指標 1 目標値').count()).toBe(0)
    await a.getByRole('button', { name: '計画', exact: true }).click()
    await expect.poll(() => editable(a, '施策 1 施策の内容')).toBe('false')
    expect(await a.getByRole('button', { name: '＋ 指標を追加 （施策 1）' }).count()).toBe(0)
    expect(await a.getByRole('button', { name: '施策 1 削除' }).count()).toBe(0)
    await a.getByRole('button', { name: '中間評価', exact: true }).click()
    await textbox(a, '中間評価 施策 1 実績').waitFor()

    expect(await accessibilityProblems(a)).toEqual([])
    await a.locator('tr.indicator-row').first().evaluate((row) => row.scrollIntoView({ block: 'start' }))
    await shot(a, 'evaluation-view')

    // The other rows are evaluated too, by the second section (one status per row of the approved plan).
    const scale = ['計画以上', '計画どおり', '計画未満', '評価不能'] as const
    const selects = b.getByRole('combobox', { name: /^中間評価 (施策|事務事業) \d+ 評価$/ })
    const rowCount = await selects.count()
    expect(rowCount).toBeGreaterThan(10)
    const chosen: string[] = []
    for (let i = 0; i < rowCount; i++) {
      const select = selects.nth(i)
      const label = i === 0 ? '計画どおり' : i === 1 ? '計画未満' : scale[i % scale.length]!
      if (i > 1) await select.selectOption({ label })
      chosen.push(label)
    }
    await expect.poll(() => a.getByRole('combobox', { name: /^中間評価 事務事業 \d+ 評価$/ }).last().inputValue()).not.toBe('')

    // 確認を依頼, then the 課長 approves after a confirmation.
    await region(a).getByRole('button', { name: '確認を依頼', exact: true }).click()
    await expect.poll(() => region(head).getByText('確認依頼中', { exact: true }).count()).toBe(1)
    await region(head).getByRole('button', { name: '承認', exact: true }).click()
    const dialog = head.getByRole('dialog', { name: '中間評価の承認の確認' })
    await dialog.waitFor()
    expect(await accessibilityProblems(head)).toEqual([])
    await shot(head, 'evaluation-approve-dialog')
    await dialog.getByRole('button', { name: '承認して確定する' }).click()

    for (const page of [a, b, head]) {
      await expect.poll(() => page.getByRole('status').filter({ hasText: /中間評価は承認済です（課長 伊藤 正和、/ }).count()).toBe(1)
      await expect.poll(() => page.getByRole('combobox', { name: '中間評価 施策 1 評価', exact: true }).count()).toBe(0)
      await expect.poll(() => editable(page, '中間評価 施策 1 実績')).toBe('false')
      expect(await textbox(page, '中間評価 施策 1 指標 1 実績値').count()).toBe(0)
      expect(await fieldText(page, '中間評価 施策 1 実績')).toBe('相談会を4回開催した。')
    }
    const evaluated = a.locator('tr.indicator-row').first()
    expect(await evaluated.textContent()).toContain('計画どおり')
    expect(await evaluated.textContent()).toContain('64件')
    const print = a.getByRole('link', { name: '中間評価を印刷' })
    const printPath = await print.getAttribute('href')
    expect(printPath).toMatch(/^\/sheets\/[^/]+\/evaluations\/midyear\/print$/)
    expect(await accessibilityProblems(b)).toEqual([])

    // A link naming the evaluation (as the bell's do) opens the sheet on it.
    const sheetPath = printPath!.replace(/\/evaluations\/midyear\/print$/, '')
    await b.getByRole('button', { name: '計画', exact: true }).click()
    await b.goto(`${server.url}${sheetPath}?evaluation=midyear`)
    await expect.poll(() => b.getByRole('button', { name: '中間評価', exact: true, pressed: true }).count()).toBe(1)
    await textbox(b, '中間評価 施策 1 実績').waitFor()

    // 「方針（年度評価）」 prints on A4 landscape with every row's status, as approved.
    await head.goto(`${server.url}${printPath}`)
    const statusCells = head.locator('td.evaluation-status')
    await expect.poll(() => statusCells.count()).toBe(rowCount)
    expect(await statusCells.allTextContents()).toEqual(chosen)
    await head.evaluate(() => document.fonts.ready)
    const pdf = path.join(output, 'evaluation-approved.pdf')
    writeFileSync(pdf, await head.pdf({ preferCSSPageSize: true, printBackground: true }))
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })
    const [width, height] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info)!.slice(1).map(Number)
    // A4 landscape: 297 × 210 mm = 841.89 × 595.28 pt.
    expect([Math.round(width!), Math.round(height!)]).toEqual([842, 595])
    const printed = execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '')
    expect(printed).toContain('中間評価承認済')
    expect(printed).not.toContain('（未評価）')
    for (const label of scale) {
      const expected = chosen.filter((c) => c === label).length
      expect(printed.split(label).length - 1, label).toBeGreaterThanOrEqual(expected)
    }
  })
})
