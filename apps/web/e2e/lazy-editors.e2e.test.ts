import type { Sheet } from '@hoshin/sheet'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type E2eServer, fieldText, focusEnd, launchBrowser, newUser, officeUser, openSheet, startServer } from './harness.js'

let server: E2eServer
let browser: Browser

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})

/**
 * A browser that is never idle until the test says so: requestIdleCallback's work waits in a queue, so
 * what the page mounts without idle time (the first fields, the observers') can be seen on its own. The
 * IntersectionObservers' reports can be held too (`hold(page, 'observers')`), as on a page too busy to
 * deliver them yet, and are delivered in order on release.
 */
async function busyBrowser(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const requestIdle = window.requestIdleCallback.bind(window)
    const Observer = window.IntersectionObserver
    const held = { idle: true, observers: false }
    const idle: IdleRequestCallback[] = []
    const reports: (() => void)[] = []
    Object.assign(window, {
      requestIdleCallback: (callback: IdleRequestCallback, options?: IdleRequestOptions) => {
        if (!held.idle) return requestIdle(callback, options)
        idle.push(callback)
        return 0
      },
      IntersectionObserver: class extends Observer {
        constructor(callback: IntersectionObserverCallback, options?: IntersectionObserverInit) {
          super((entries, observer) => {
            if (held.observers) reports.push(() => callback(entries, observer))
            else callback(entries, observer)
          }, options)
        }
      },
      hold: (what: 'idle' | 'observers') => {
        held[what] = true
      },
      release: (what: 'idle' | 'observers') => {
        held[what] = false
        if (what === 'idle') for (const callback of idle.splice(0)) requestIdle(callback)
        else for (const report of reports.splice(0)) report()
      },
    })
  })
  // The script runs from the next document on.
  await page.reload()
}

type Held = 'idle' | 'observers'
const hold = (page: Page, what: Held) => page.evaluate((w) => (window as unknown as { hold(w: Held): void }).hold(w), what)
const release = (page: Page, what: Held) => page.evaluate((w) => (window as unknown as { release(w: Held): void }).release(w), what)

/** The sheet's text fields in document order: their names and whether each is a real editor yet. */
function fields(page: Page): Promise<{ name: string; editor: boolean }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[role="textbox"][aria-multiline="true"]')].map((element) => ({
      name: element.getAttribute('aria-label') ?? '',
      editor: element.hasAttribute('contenteditable'),
    })),
  )
}

const field = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true })
const isEditor = (page: Page, name: string) => field(page, name).evaluate((element) => element.getAttribute('contenteditable'))
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null)

async function exported(page: Page): Promise<Sheet> {
  return page.evaluate(async () => {
    const id = location.pathname.split('/').at(-1)
    return (await fetch(`/api/sheets/${id}/export.json`)).json()
  })
}

/** Opens 企画財政課's sheet from the list and waits for its first editor. */
async function inSheet(page: Page): Promise<void> {
  await page.getByRole('link', { name: '企画財政課' }).click()
  await page.locator('[role="textbox"][contenteditable]').first().waitFor()
}

describe('the sheet mounts its editors lazily (issue 18)', () => {
  it('a field far below shows its text before its editor; Tab, typing, remote edits, scrolling and idle time all work', async () => {
    const page = await officeUser(browser, server, 'kikaku')
    await busyBrowser(page)
    await inSheet(page)
    const far = '事務事業 13 事務事業の内容'

    // Right after opening: the top of the sheet is editors, a field far below is its text, not an editor.
    const seed = await exported(page)
    await expect.poll(() => fieldText(page, far)).toBe(seed.projects[12]!.content)
    expect(await isEditor(page, far)).toBeNull()
    const opened = await fields(page)
    expect(opened[0]).toEqual({ name: '現状', editor: true })
    expect(opened.filter((f) => f.editor).length).toBeLessThan(opened.length / 2)

    // Someone else edits that field: the text shows here, still without its editor.
    const other = await newUser(browser, server)
    await openSheet(other.page, server, 'chiiki')
    await focusEnd(other.page, far)
    await other.page.keyboard.type('（鈴木が追記）')
    await expect.poll(() => fieldText(page, far)).toBe(`${seed.projects[12]!.content}（鈴木が追記）`)
    expect(await isEditor(page, far)).toBeNull()

    // Tab from the last editor reaches the next field, in document order: it becomes an editor with the caret.
    const now = await fields(page)
    const next = now.findIndex((f) => !f.editor)
    expect(next).toBeGreaterThan(0)
    const from = now[next - 1]!.name
    const to = now[next]!.name
    await focusEnd(page, from)
    const passed: string[] = []
    for (let i = 0; i < 8 && (await focused(page)) !== to; i++) {
      await page.keyboard.press('Tab')
      const name = await focused(page)
      if (name && name !== to && now.some((f) => f.name === name)) passed.push(name)
    }
    expect(passed).toEqual([])
    expect(await focused(page)).toBe(to)
    await expect.poll(() => isEditor(page, to)).toBe('true')
    const before = await fieldText(page, to)
    await page.keyboard.type('【Tab】')
    await expect.poll(() => fieldText(other.page, to)).toBe(`【Tab】${before}`)

    // Scrolled to, a field gets its editor even while the browser is never idle.
    expect(await isEditor(page, far)).toBeNull()
    await field(page, far).scrollIntoViewIfNeeded()
    await expect.poll(() => isEditor(page, far)).toBe('true')

    // A click on a field still without its editor (its observer's report not delivered yet): the editor
    // takes the click and the caret, in the placeholder's box.
    await hold(page, 'observers')
    // The mouse out of the way (on the header), so that no field is hovered while the page scrolls.
    await page.mouse.move(1, 1)
    const clicked = (await fields(page)).find((f) => !f.editor)?.name
    expect(clicked).toBeDefined()
    await field(page, clicked!).scrollIntoViewIfNeeded()
    expect(await isEditor(page, clicked!)).toBeNull()
    const box = await field(page, clicked!).boundingBox()
    await field(page, clicked!).click()
    expect(await focused(page)).toBe(clicked)
    expect(await isEditor(page, clicked!)).toBe('true')
    expect(await field(page, clicked!).boundingBox()).toEqual(box)
    await page.keyboard.press('Control+End')
    await page.keyboard.type('（クリック）')
    await expect.poll(() => fieldText(other.page, clicked!)).toMatch(/（クリック）$/)
    await release(page, 'observers')

    // Given idle time, every field becomes an editor.
    await release(page, 'idle')
    await expect.poll(async () => (await fields(page)).filter((f) => !f.editor).map((f) => f.name)).toEqual([])

    // What was typed is in the stored sheet.
    await page.reload()
    await page.locator('[role="textbox"][contenteditable="true"]').first().waitFor()
    await expect.poll(async () => (await exported(page)).projects[12]!.content).toBe(`${seed.projects[12]!.content}（鈴木が追記）`)
    expect(await fieldText(page, to)).toBe(`【Tab】${before}`)
  })

  it('on a read-only sheet a field without its editor shows the same text and is no Tab stop, as the editor', async () => {
    const page = await officeUser(browser, server, 'somu')
    await busyBrowser(page)
    await inSheet(page)
    await page.locator('.read-only-notice').waitFor()
    const far = '事務事業 12 事務事業名'
    const seed = await exported(page)
    await expect.poll(() => fieldText(page, far)).toBe(seed.projects[11]!.name)
    const placeholder = field(page, far)
    expect(await isEditor(page, far)).toBeNull()
    expect(await placeholder.getAttribute('aria-readonly')).toBe('true')
    expect(await placeholder.getAttribute('tabindex')).toBe('-1')
    await release(page, 'idle')
    await expect.poll(() => isEditor(page, far)).toBe('false')
    expect(await fieldText(page, far)).toBe(seed.projects[11]!.name)
    expect(await field(page, far).getAttribute('tabindex')).toBeNull()
  })
})
