import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'
import type { EvaluationResponse } from '@hoshin/protocol'
import type { Sheet } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, login, newUser, startServer } from './harness.js'

// Issue 19: what the town publishes reads in the sheet's order — the publication page (axe at AA, its
// headings in order) and the print view's PDF (its extracted text and its tag tree in order).

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'publication')
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let server: E2eServer
let browser: Browser
let sheetId: string

/** The five parts, in the order the printed sheet shows them (DOMAIN.md). */
const parts = [
  '■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）',
  '■解決すべき行政課題（現状の問題等点）',
  '■課題解決のための課等の方針（単年度方針と中長期方針）',
  '■今年度の課における施策（重要度順）',
  '■今年度の課における事務事業（重要度順）（単位：千円）',
]
const squash = (text: string) => text.replace(/\s+/g, '')

/** Where each of `needles` first occurs in `text`, each searched after the one before: -1 once one is missing or out of order. */
function positionsInOrder(text: string, needles: readonly string[]): number[] {
  const at: number[] = []
  let from = 0
  for (const needle of needles) {
    const found = from < 0 ? -1 : text.indexOf(squash(needle), from)
    at.push(found)
    from = found < 0 ? -1 : found + 1
  }
  return at
}

function expectInOrder(text: string, needles: readonly string[], what: string) {
  const at = positionsInOrder(text, needles)
  const missing = needles.filter((_, i) => at[i]! < 0)
  expect(missing, `${what}: missing or out of order`).toEqual([])
}

async function call(page: Page, method: 'GET' | 'POST' | 'PUT', url: string, data?: unknown) {
  const res = await page.request.fetch(`${server.url}${url}`, {
    method,
    headers: { origin: server.url, 'content-type': 'application/json' },
    ...(data === undefined ? {} : { data: JSON.stringify(data) }),
  })
  expect(res.status(), `${method} ${url}: ${await res.text()}`).toBeLessThan(300)
  return res.json() as Promise<unknown>
}

/** axe-core's findings at WCAG 2.0/2.1 A and AA, every impact (JIS X 8341-3 AA is the bar). */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: no script element is added to the page.
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[]; passes: unknown[] }
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<Result> } }).axe
    const { violations, passes } = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    // axe that checked nothing would pass anything.
    if (passes.length < 10) return [`axe ran only ${passes.length} checks`]
    return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

/** The entries of a zip archive as written by the server (sizes in each local header), read with node:zlib alone. */
function unzip(data: Buffer): Map<string, string> {
  const files = new Map<string, string>()
  let at = 0
  while (data.readUInt32LE(at) === 0x04034b50) {
    const method = data.readUInt16LE(at + 8)
    const size = data.readUInt32LE(at + 18)
    const nameLength = data.readUInt16LE(at + 26)
    const extraLength = data.readUInt16LE(at + 28)
    const name = data.subarray(at + 30, at + 30 + nameLength).toString('utf8')
    const start = at + 30 + nameLength + extraLength
    const body = data.subarray(start, start + size)
    files.set(name, (method === 8 ? inflateRawSync(body) : body).toString('utf8'))
    at = start + size
  }
  return files
}

function pdfText(file: string): string {
  return squash(execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }))
}

/** The text of the PDF's tag tree (its logical structure), in structure order: what assistive technology reads. */
function pdfStructureText(file: string): string {
  const tree = execFileSync('pdfinfo', ['-struct-text', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return squash([...tree.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join(''))
}

/** The texts of the tag tree's H2 elements, in structure order. */
function pdfH2s(file: string): string[] {
  const lines = execFileSync('pdfinfo', ['-struct-text', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n')
  const indent = (line: string) => line.length - line.trimStart().length
  const out: string[] = []
  lines.forEach((line, i) => {
    if (!/^\s*H2\b/.test(line)) return
    let text = ''
    for (let j = i + 1; j < lines.length && indent(lines[j]!) > indent(line); j++) text += [...lines[j]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('')
    out.push(squash(text))
  })
  return out
}

/**
 * The print's header as the page shows it, piece by piece in document order: the title and each header
 * field's label and value (課長名, 職員数, 予算規模, 承認日 where the form carries them).
 */
async function headerPieces(page: Page): Promise<string[]> {
  const pieces = (await page.locator('.sheet-title').first().locator('h1, dt, dd').allTextContents()).map(squash).filter(Boolean)
  expect(pieces.length).toBeGreaterThan(0)
  return pieces
}

async function printToPdf(page: Page, name: string): Promise<string> {
  await page.evaluate(() => document.fonts.ready)
  const file = path.join(output, `${name}.pdf`)
  writeFileSync(file, await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true }))
  expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Tagged:\s+yes/)
  return file
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
  // 企画財政課's sheet with an indicator, approved by its 課長, and its 中間評価 approved: what the town publishes.
  const { page } = await newUser(browser, server)
  await login(page, server, 'kikaku')
  sheetId = (await page.getByRole('link', { name: '企画財政課' }).getAttribute('href'))!.split('/').pop()!
  const sheet = (await call(page, 'GET', `/api/sheets/${sheetId}/export.json`)) as Sheet
  sheet.measures[0]!.indicators = [{ id: 'pi-1', name: '移住者数', unit: '人', kind: 'outcome', baseline: 45, baselineYear: 2024, target: 60, longTermTarget: 100, source: '' }]
  await call(page, 'POST', `/api/sheets/${sheetId}/import`, sheet)
  await call(page, 'POST', `/api/sheets/${sheetId}/submit`)
  const { page: kacho } = await newUser(browser, server)
  await login(kacho, server, 'kacho')
  await kacho.getByRole('link', { name: '企画財政課' }).waitFor()
  await call(kacho, 'POST', `/api/sheets/${sheetId}/approve`)
  await call(page, 'POST', `/api/sheets/${sheetId}/evaluations`, { kind: 'midyear' })
  const evaluation = (await call(page, 'GET', `/api/sheets/${sheetId}/evaluations/midyear`)) as EvaluationResponse
  const rows = evaluation.rows.map((r) => ({ ...r }))
  rows[0] = { ...rows[0]!, status: 'below', actuals: [{ indicatorId: 'pi-1', value: 38, date: '2025-09-30' }], done: '移住相談会を2回開催した。', next: '伴走支援を強める。' }
  await call(page, 'PUT', `/api/sheets/${sheetId}/evaluations/midyear`, { rows })
  await call(page, 'POST', `/api/sheets/${sheetId}/evaluations/midyear/submit`)
  await call(kacho, 'POST', `/api/sheets/${sheetId}/evaluations/midyear/approve`)
  await page.context().close()
  await kacho.context().close()
}, 120_000)

describe('the publication page in Chromium', () => {
  it('passes axe-core at WCAG 2.1 AA with 0 violations, reads its five parts in order, and loads nothing but itself (1366×768 screenshot)', async () => {
    const { page, requests } = await newUser(browser, server)
    await page.setViewportSize({ width: 1366, height: 768 })
    // Signed in through the API: this context never loads the app (nor its service worker), so every
    // request it makes is the publication page's own.
    await call(page, 'POST', '/api/auth/login', { username: 'kikaku', password: 'hoshin-demo' })
    const url = `${server.url}/api/sheets/${sheetId}/versions/1/publication.html`
    const response = await page.goto(url)
    expect(response!.status()).toBe(200)
    expect(response!.headers()['content-type']).toBe('text/html; charset=utf-8')
    await page.getByRole('heading', { level: 1 }).waitFor()

    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja')
    expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['令和7年度 企画財政課 課等の方針'])
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(parts)
    // Reading order: the text as a screen reader meets it follows the sheet, the 中間評価 beside its row.
    const text = squash((await page.locator('body').textContent()) ?? '')
    expectInOrder(
      text,
      [
        '令和7年度 企画財政課 課等の方針',
        parts[0]!,
        kikakuZaisei2025.situation.slice(0, 20),
        parts[1]!,
        kikakuZaisei2025.issues[0]!.text,
        kikakuZaisei2025.issues[5]!.text,
        parts[2]!,
        '【単年度方針】',
        '【中長期方針】',
        parts[3]!,
        kikakuZaisei2025.measures[0]!.name,
        '計画未満',
        '移住者数',
        '45（令和6年度）',
        kikakuZaisei2025.measures[4]!.name,
        parts[4]!,
        kikakuZaisei2025.projects[0]!.name,
        kikakuZaisei2025.projects[12]!.name,
        '394,502',
        'SHA-256',
      ],
      'publication page',
    )
    // Each data table is named by its caption, its cells by their headers.
    expect(await page.getByRole('table', { name: '施策（重要度順）' }).count()).toBe(1)
    expect(await page.getByRole('table', { name: '事務事業（重要度順）（単位：千円）' }).count()).toBe(1)
    expect(await page.getByRole('columnheader', { name: '評価（中間評価）' }).count()).toBe(2)
    expect(await page.locator('script').count()).toBe(0)

    expect(await axeViolations(page)).toEqual([])
    // LGWAN and the CMS: the page fetched nothing, not even from this server.
    expect(requests).toEqual([url])

    await page.screenshot({ path: path.join(output, 'publication-1366.png') })
    await page.getByRole('table', { name: '施策（重要度順）' }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(output, 'publication-1366-measures.png') })
    await page.locator('footer').scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(output, 'publication-1366-footer.png') })
    await page.screenshot({ path: path.join(output, 'publication-full.png'), fullPage: true })
  })


  it('the year’s bundle: its index and its page pass axe-core at AA too, the index linking the page by relative href', async () => {
    const { page } = await newUser(browser, server)
    await call(page, 'POST', '/api/auth/login', { username: 'planning', password: 'hoshin-demo' })
    const res = await page.request.get(`${server.url}/api/fiscal-years/2025/publication.zip`)
    expect(res.status()).toBe(200)
    const files = unzip(await res.body())
    expect([...files.keys()]).toEqual(['index.html', 'kikaku-zaisei.html'])
    // As the CMS serves them: opened as they are, from no server at all.
    await page.setContent(files.get('index.html')!)
    expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['令和7年度 課等の方針'])
    expect(await page.getByRole('link', { name: '企画財政課' }).getAttribute('href')).toBe('kikaku-zaisei.html')
    expect(await axeViolations(page)).toEqual([])
    await page.screenshot({ path: path.join(output, 'publication-index-1280.png') })
    await page.setContent(files.get('kikaku-zaisei.html')!)
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(parts)
    expect(await axeViolations(page)).toEqual([])
  })
})

describe('the print view printed to PDF by Chromium', () => {
  it('gives text in the sheet’s order (■現状 → ■課題 → ■方針 → ■施策 → ■事務事業) after the header, in the extracted text and in the tag tree', async () => {
    const { page } = await newUser(browser, server)
    await page.setViewportSize({ width: 1366, height: 768 })
    page.setDefaultTimeout(45_000)
    await login(page, server, 'kikaku')
    await page.getByRole('link', { name: '企画財政課' }).waitFor()
    await page.goto(`${server.url}/sheets/${sheetId}/print`)
    await page.getByRole('table', { name: /事務事業/ }).waitFor()
    const file = await printToPdf(page, 'print-order')
    const header = await headerPieces(page)
    expect(header[0]).toBe(squash('令和7年度 課等の方針企画財政課'))
    const order = [
      // The header, each field after its label, before the first part.
      ...header,
      ...parts.slice(0, 4),
      kikakuZaisei2025.measures[0]!.name,
      '移住者数',
      parts[4]!,
      kikakuZaisei2025.projects[0]!.name,
      '394,502',
    ]
    const text = pdfText(file)
    expectInOrder(text, order, 'pdftotext')
    // The footer names the approved version on every page.
    expect(text).toContain(squash('承認済 v1'))
    expectInOrder(pdfStructureText(file), order, 'tag tree')
    // The five parts are the tag tree's H2s, in order: a screen reader's heading list reads the sheet.
    expect(pdfH2s(file)).toEqual(parts.map(squash))
  }, 120_000)

  it('keeps that order with the 中間評価 columns (「方針（年度評価）」): each row’s 評価 follows the row, before the next part', async () => {
    const { page } = await newUser(browser, server)
    // The evaluated print loads the plan, its evaluation and the fonts: on a busy two-core machine that
    // has taken close to the harness's 20 s.
    page.setDefaultTimeout(45_000)
    await login(page, server, 'kikaku')
    await page.getByRole('link', { name: '企画財政課' }).waitFor()
    await page.goto(`${server.url}/sheets/${sheetId}/evaluations/midyear/print`)
    await page.getByRole('table', { name: '施策（重要度順）' }).waitFor()
    const file = await printToPdf(page, 'print-evaluation-order')
    const header = await headerPieces(page)
    expect(header[0]).toContain(squash('課等の方針（年度評価）　中間評価'))
    const order = [
      ...header,
      ...parts.slice(0, 4),
      '評価',
      '課題・改善',
      kikakuZaisei2025.measures[0]!.name,
      '計画未満',
      '移住相談会を2回開催した。',
      '38',
      kikakuZaisei2025.measures[1]!.name,
      parts[4]!,
      kikakuZaisei2025.projects[0]!.name,
    ]
    expectInOrder(pdfText(file), order, 'pdftotext')
    expectInOrder(pdfStructureText(file), order, 'tag tree')
    expect(pdfH2s(file)).toEqual(parts.map(squash))
  }, 120_000)
})
