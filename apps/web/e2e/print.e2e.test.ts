import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import type { Browser } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, launchBrowser, login, newUser, startServer } from './harness.js'

let server: E2eServer
let browser: Browser
/** Kept after the run for people to look at (gitignored). */
const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results')

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  mkdirSync(output, { recursive: true })
})

const squash = (text: string) => text.replace(/\s+/g, '')

describe('the print view and its PDF', () => {
  it('prints the seed sheet on A4 landscape with every 事務事業, the total and page numbers', async () => {
    const { page, requests } = await newUser(browser, server)
    await login(page, server, 'kikaku')
    const link = page.getByRole('link', { name: '企画財政課' })
    const sheetPath = await link.getAttribute('href')
    await page.goto(`${server.url}${sheetPath}/print`)
    await page.getByRole('table', { name: /事務事業/ }).waitFor()
    await page.evaluate(() => document.fonts.ready)
    expect(await page.getByRole('button', { name: 'PDF・印刷' }).count()).toBe(1)

    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })
    const file = path.join(output, 'print.pdf')
    writeFileSync(file, pdf)

    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' })
    const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)
    expect(size).not.toBeNull()
    // A4 landscape: 297 × 210 mm = 841.89 × 595.28 pt.
    expect(Math.round(Number(size![1]))).toBe(842)
    expect(Math.round(Number(size![2]))).toBe(595)
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1])
    expect(pages).toBeGreaterThanOrEqual(2)

    const text = squash(execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }))
    for (const project of kikakuZaisei2025.projects) expect(text).toContain(squash(project.name))
    expect(text).toContain('394,502')
    expect(text).toContain(squash('■今年度の課における事務事業（重要度順）'))
    expect(text).toContain(squash('令和7年度 課等の方針'))
    expect(text).toContain(`1/${pages}`)
    expect(text).toContain('作成中')

    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(output, 'print-page1')])
    // LGWAN: printing fetched nothing from elsewhere.
    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('data:'))).toEqual([])
  })
})
