import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach } from 'vitest'

const here = path.dirname(fileURLToPath(import.meta.url))
const serverMain = path.resolve(here, '..', '..', 'server', 'dist', 'main.js')
const webDist = path.resolve(here, '..', 'dist')
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface E2eServer {
  url: string
  dataDir: string
}

// What a test file started, stopped after it. Registered here, at import, rather than from inside
// beforeAll: when a beforeAll fails (no browser, say), hooks it would have registered never run and the
// server would outlive the test run.
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

/**
 * The real server, built, as its own process on a free port with a fresh SQLite file and the demo town
 * (or, with `demo: false`, an empty town as a real deployment starts),
 * serving this app's production build. Stopped after the test file.
 */
export async function startServer(options: { demo?: boolean } = {}): Promise<E2eServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-e2e-'))
  const child = spawn(process.execPath, [serverMain], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      HOSHIN_DATA_DIR: dataDir,
      HOSHIN_WEB_DIR: webDist,
      HOSHIN_DEMO: options.demo === false ? '0' : '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  cleanups.push(async () => {
    await stop(child)
    await rm(dataDir, { recursive: true, force: true })
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Hoshin: (http:\/\/\S+)/.exec(out)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
  return { url: url.replace('localhost', '127.0.0.1'), dataDir }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Debian's Chromium (never a downloaded browser), headless, with its background networking off. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.HOSHIN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
  cleanups.push(() => browser.close())
  return browser
}

/**
 * A person in their own browser context. Every request the page makes is recorded, so a test can prove
 * that nothing leaves the server's origin (LGWAN has no internet).
 */
const openContexts = new Set<BrowserContext>()
afterEach(async () => {
  // Pages left open keep their sockets and editors busy, slowing the next test on two cores.
  await Promise.all([...openContexts].map((c) => c.close().catch(() => undefined)))
  openContexts.clear()
})

export async function newUser(browser: Browser, server: E2eServer, locale = 'ja-JP') {
  const context: BrowserContext = await browser.newContext({ baseURL: server.url, locale, viewport: { width: 1280, height: 900 } })
  openContexts.add(context)
  const requests: string[] = []
  context.on('request', (request) => requests.push(request.url()))
  const page: Page = await context.newPage()
  // An element that never appears fails the test with a message instead of hanging it.
  page.setDefaultTimeout(20_000)
  return { context, page, requests }
}

export async function login(page: Page, server: E2eServer, username: string, password = 'hoshin-demo') {
  await page.goto(`${server.url}/login`)
  await page.getByLabel('ユーザー名').fill(username)
  await page.getByLabel('パスワード').fill(password)
  await page.getByRole('button', { name: 'ログイン' }).click()
}

/** A person at an office PC's usual screen size (1366×768), signed in and on the sheet list. */
export async function officeUser(browser: Browser, server: E2eServer, username: string, password?: string): Promise<Page> {
  const { page } = await newUser(browser, server)
  await page.setViewportSize({ width: 1366, height: 768 })
  await login(page, server, username, password)
  await page.getByRole('heading', { name: '課等の方針一覧' }).waitFor()
  return page
}

/**
 * Logs in and opens 企画財政課's sheet; resolves when its editor is live: 施策 1 施策の内容 is a Tiptap
 * editor (contenteditable), not yet only its text (the sheet mounts its fields' editors lazily).
 */
export async function openSheet(page: Page, server: E2eServer, username: string) {
  await login(page, server, username)
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.getByRole('textbox', { name: '施策 1 施策の内容' }).waitFor({ timeout: 20_000 })
  await page.locator('[role="textbox"][aria-label="施策 1 施策の内容"][contenteditable]').waitFor({ timeout: 20_000 })
}

/** The text of a field, by its accessible name: its paragraphs joined by "\n", without others' caret labels. */
export function fieldText(page: Page, name: string): Promise<string> {
  return page.getByRole('textbox', { name, exact: true }).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return [...copy.querySelectorAll('p')].map((p) => p.textContent ?? '').join('\n')
  })
}

/** Puts the caret at the end of a field. */
export async function focusEnd(page: Page, name: string): Promise<void> {
  const field = page.getByRole('textbox', { name, exact: true })
  await field.click()
  await page.keyboard.press('Control+End')
}

/** 佐藤 美咲 (kikaku, 企画調整係) and 鈴木 健太 (chiiki, 地域活力共創係), each in their own browser, in the sheet. */
export async function twoUsers(browser: Browser, server: E2eServer) {
  const a = await newUser(browser, server)
  const b = await newUser(browser, server)
  await Promise.all([openSheet(a.page, server, 'kikaku'), openSheet(b.page, server, 'chiiki')])
  return { a, b }
}

/**
 * axe-core's serious and critical findings on the page (JIS X 8341-3 AA is the bar). axe is evaluated
 * through the debugging protocol rather than added as a script tag: the app's Content-Security-Policy
 * (scripts from its own origin only) refuses an injected inline script, as it should.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }
    const { violations } = await (window as unknown as { axe: { run(): Promise<Result> } }).axe.run()
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

/** The unread count the header's bell announces, 0 when nothing is unread. */
export async function bellCount(page: Page): Promise<number> {
  // Named by its content: the visually hidden label (「通知 未読 n 件」) comes first, then the visible count.
  const label = await page.getByRole('button', { name: /^通知/ }).textContent()
  return Number(/未読 (\d+) 件/.exec(label ?? '')?.[1] ?? 0)
}
