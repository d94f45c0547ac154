import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { OverviewResponse, SheetListResponse } from '@hoshin/protocol'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { accessibilityProblems, type E2eServer, launchBrowser, officeUser, startServer } from './harness.js'

// Issue 16 (plan, do, check): the board shows each department's 中間評価 / 年度末評価 and the town's statuses;
// next year's carried-forward draft shows last year's year-end status and 課題・改善 beside its rows.

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'board-evaluation')
let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(output, `${name}.png`) })

/** A request from inside the page: its session cookie, its Origin (mutations are origin-checked). */
async function call<T = unknown>(page: Page, method: string, url: string, json?: unknown): Promise<T> {
  const { status, body } = await page.evaluate(
    async ({ method, url, json }) => {
      const response = await fetch(url, {
        method,
        headers: json === undefined ? {} : { 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
      })
      return { status: response.status, body: await response.json().catch(() => null) }
    },
    { method, url, json },
  )
  expect(status, `${method} ${url}: ${JSON.stringify(body)}`).toBeLessThan(300)
  return body as T
}

type Row = { kind: 'measure' | 'project'; rowId: string; status: string | null; next?: string }
const rows = (list: Row[]) => ({ rows: list.map((r) => ({ actuals: [], done: '', next: '', ...r })) })

const board = (page: Page) => page.getByRole('table', { name: /各課の方針の状況/ })
const boardRow = (page: Page, department: string) => board(page).getByRole('row').filter({ hasText: department })
/** The board's evaluation column, the last. */
const evaluationCell = (page: Page, department: string) => boardRow(page, department).getByRole('cell').last()
const chart = (page: Page, kind: string) => page.getByRole('figure', { name: `${kind}の状況（町全体）` })
/** One group of the chart (施策 or 事務事業): its bars as 「label count」 lines. */
const bars = (page: Page, kind: string, group: '施策' | '事務事業') =>
  chart(page, kind)
    .getByRole('list', { name: new RegExp(`^${group}（`) })
    .getByRole('listitem')
    .allTextContents()

describe('evaluations on the board and in next year’s draft', () => {
  it('planning follows each department’s 中間評価 and 年度末評価; the carried-forward draft shows last year’s 年度末評価 beside its rows', async () => {
    const [staff, head, planning] = await Promise.all([officeUser(browser, server, 'kikaku'), officeUser(browser, server, 'kacho'), officeUser(browser, server, 'planning')])
    const { sheets } = await call<SheetListResponse>(staff, 'GET', '/api/sheets')
    const sheet = sheets.find((s) => s.fiscalYear === 2025 && s.department.name === '企画財政課')!.id
    await call(staff, 'POST', `/api/sheets/${sheet}/submit`)
    await call(head, 'POST', `/api/sheets/${sheet}/approve`)
    const town = await call<OverviewResponse>(planning, 'GET', '/api/fiscal-years/2025/overview')
    const kikaku = town.sheets.find((s) => s.id === sheet)!
    const measures = town.sheets.reduce((n, s) => n + s.measures, 0)
    const projects = town.sheets.reduce((n, s) => n + s.projects, 0)

    // The department opens its 中間評価 in the sheet and rates 施策 1 there; the rest comes through the API.
    await staff.goto(`${server.url}/sheets/${sheet}`)
    await staff.getByRole('button', { name: '中間評価を始める' }).click()
    await staff.getByRole('combobox', { name: '中間評価 施策 1 評価', exact: true }).selectOption({ label: '計画以上' })
    await expect
      .poll(async () => (await call<{ rows: Row[] }>(staff, 'GET', `/api/sheets/${sheet}/evaluations/midyear`)).rows.find((r) => r.rowId === 'measure-1')?.status)
      .toBe('above')
    await call(
      staff,
      'PUT',
      `/api/sheets/${sheet}/evaluations/midyear`,
      rows([
        { kind: 'measure', rowId: 'measure-1', status: 'above' },
        { kind: 'measure', rowId: 'measure-2', status: 'below' },
        { kind: 'project', rowId: 'project-1', status: 'onTrack' },
        { kind: 'project', rowId: 'project-2', status: 'unknown' },
      ]),
    )

    await planning.goto(`${server.url}/years/2025`)
    await boardRow(planning, '企画財政課').waitFor()
    // Nobody started a 年度末評価: the board shows the 中間評価.
    expect(await planning.getByRole('button', { name: '中間評価', exact: true, pressed: true }).count()).toBe(1)
    expect(await board(planning).getByRole('columnheader', { name: '中間評価' }).count()).toBe(1)
    await expect.poll(() => evaluationCell(planning, '企画財政課').textContent()).toBe(`作成中評価済 施策 2/${kikaku.measures}・事務事業 2/${kikaku.projects}`)
    expect(await evaluationCell(planning, '総務課').textContent()).toBe('未着手')
    expect(await bars(planning, '中間評価', '施策')).toEqual(['計画以上1件', '計画どおり0件', '計画未満1件', '評価不能0件', `未評価${measures - 2}件`])
    expect(await bars(planning, '中間評価', '事務事業')).toEqual(['計画以上0件', '計画どおり1件', '計画未満0件', '評価不能1件', `未評価${projects - 2}件`])
    expect(await chart(planning, '中間評価').getByText(`施策（${measures}件）`).count()).toBe(1)
    expect(await boardRow(planning, '町全体').textContent()).toContain(`承認済 0 / 2課評価済 施策 2/${measures}・事務事業 2/${projects}`)
    expect(await accessibilityProblems(planning)).toEqual([])
    await shot(planning, '01-board-midyear')

    // Submitted and approved: the board reads the approved evaluation.
    await call(staff, 'POST', `/api/sheets/${sheet}/evaluations/midyear/submit`)
    await call(head, 'POST', `/api/sheets/${sheet}/evaluations/midyear/approve`)
    await planning.reload()
    await expect.poll(() => evaluationCell(planning, '企画財政課').textContent()).toContain('承認済')
    expect(await boardRow(planning, '町全体').textContent()).toContain('承認済 1 / 2課')

    // The switch shows the 年度末評価: nothing started yet.
    await planning.getByRole('button', { name: '年度末評価', exact: true }).click()
    expect(await planning.getByRole('button', { name: '年度末評価', exact: true, pressed: true }).count()).toBe(1)
    expect(await board(planning).getByRole('columnheader', { name: '年度末評価' }).count()).toBe(1)
    expect(await evaluationCell(planning, '企画財政課').textContent()).toBe('未着手')
    expect(await bars(planning, '年度末評価', '施策')).toEqual(['計画以上0件', '計画どおり0件', '計画未満0件', '評価不能0件', `未評価${measures}件`])
    // Sorting by the evaluation column says so.
    const column = board(planning).getByRole('columnheader', { name: /年度末評価/ })
    await column.getByRole('button').click()
    expect(await column.getAttribute('aria-sort')).toBe('ascending')

    // March: the 年度末評価, written but not yet approved.
    await call(staff, 'POST', `/api/sheets/${sheet}/evaluations`, { kind: 'yearend' })
    await call(
      staff,
      'PUT',
      `/api/sheets/${sheet}/evaluations/yearend`,
      rows([
        { kind: 'measure', rowId: 'measure-1', status: 'below', next: '相談会の開催時期を見直す。\n移住者の声を集める。' },
        { kind: 'measure', rowId: 'measure-2', status: 'onTrack', next: '' },
        { kind: 'project', rowId: 'project-1', status: 'above', next: '利用者アンケートを行う。' },
      ]),
    )
    // Once a 年度末評価 has started, the board opens on it.
    await planning.reload()
    await expect.poll(() => planning.getByRole('button', { name: '年度末評価', exact: true, pressed: true }).count()).toBe(1)
    await expect.poll(() => evaluationCell(planning, '企画財政課').textContent()).toBe(`作成中評価済 施策 2/${kikaku.measures}・事務事業 1/${kikaku.projects}`)
    expect(await bars(planning, '年度末評価', '施策')).toEqual(['計画以上0件', '計画どおり1件', '計画未満1件', '評価不能0件', `未評価${measures - 2}件`])
    await shot(planning, '02-board-yearend')

    // 令和8年度 opened from the approved plan; the staff's draft shows last year's 年度末評価 beside its rows.
    const opened = await call<{ sheets: { id: string; department: { id: string } }[] }>(planning, 'POST', '/api/fiscal-years', { year: 2026, carryForward: true })
    const next = opened.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    await staff.goto(`${server.url}/sheets/${next}`)
    await staff.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor()
    await staff.getByRole('button', { name: /^前年度/ }).click()
    const note = (name: string) => staff.locator('tr', { has: staff.getByRole('textbox', { name, exact: true }) }).locator('.previous-year')
    await expect.poll(() => note('施策 1 施策の内容').textContent()).toContain('前年度の年度末評価計画未満（作成中・未確定）')
    expect(await note('施策 1 施策の内容').textContent()).toContain('課題・改善相談会の開催時期を見直す。移住者の声を集める。')
    expect(await note('施策 2 施策の内容').textContent()).toContain('前年度の年度末評価計画どおり（作成中・未確定）')
    expect(await note('施策 3 施策の内容').textContent()).toContain('前年度の年度末評価未評価')
    expect(await note('事務事業 1 事務事業の内容').textContent()).toContain('計画以上')
    expect(await note('事務事業 1 事務事業の内容').textContent()).toContain('利用者アンケートを行う。')
    expect(await accessibilityProblems(staff)).toEqual([])
    await note('施策 1 施策の内容').scrollIntoViewIfNeeded()
    await shot(staff, '03-previous-yearend-draft')

    // Approved by the 課長: the mark goes, the words stay.
    await call(staff, 'POST', `/api/sheets/${sheet}/evaluations/yearend/submit`)
    await call(head, 'POST', `/api/sheets/${sheet}/evaluations/yearend/approve`)
    await staff.reload()
    await staff.getByRole('button', { name: /^前年度/ }).click()
    await expect.poll(() => note('施策 1 施策の内容').textContent()).toContain('前年度の年度末評価計画未満課題・改善')
    expect(await note('施策 1 施策の内容').textContent()).not.toContain('未確定')
    await note('施策 1 施策の内容').scrollIntoViewIfNeeded()
    await shot(staff, '04-previous-yearend-approved')
  })
})
