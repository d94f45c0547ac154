import type { ApiErrorBody } from '@hoshin/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/server.js'
import { startTestServer, TestClient } from './harness.js'
import { type Entry, zip } from './zip.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

let server: RunningServer
let sheetId: string
let kikaku: TestClient

beforeAll(async () => {
  server = await startTestServer()
  sheetId = (await server.services.stores.sheets.findByDepartmentYear('kikaku-zaisei', 2025))!.id
  kikaku = await new TestClient(server.url).login('kikaku')
})

async function preview(body: Uint8Array) {
  const res = await fetch(`${server.url}/api/sheets/${sheetId}/import/preview`, {
    method: 'POST',
    headers: { 'content-type': XLSX, origin: server.url, cookie: kikaku.cookieHeader()! },
    body,
  })
  return { status: res.status, body: (await res.json()) as ApiErrorBody }
}

describe('zip bombs and oversized workbooks', () => {
  const megabytes = (n: number) => new Uint8Array(n * 1024 * 1024)

  it.each([
    ['an entry inflating to 200 MB (a 200 KB upload)', [{ name: 'xl/worksheets/sheet1.xml', data: megabytes(200) }]],
    ['entries inflating to 10 MB together', Array.from({ length: 5 }, (_, i) => ({ name: `xl/s${i}.xml`, data: megabytes(2) }))],
    [
      'a worksheet of 100,000 rows',
      [{ name: 'xl/worksheets/sheet1.xml', data: new TextEncoder().encode(`<sheetData>${'<row><c t="inlineStr"><is><t>行</t></is></c></row>'.repeat(100_000)}</sheetData>`) }],
    ],
    ['an entry that lies about its size', [{ name: 'xl/worksheets/sheet1.xml', data: megabytes(8), declaredSize: 1000 }]],
    ['thousands of entries', Array.from({ length: 3000 }, (_, i) => ({ name: `x${i}`, data: new Uint8Array(1) }))],
  ])('refuses %s before parsing it (400 invalid_file), quickly and without the memory', async (_label, entries) => {
    const archive = zip(entries as Entry[])
    expect(archive.byteLength).toBeLessThan(10 * 1024 * 1024)
    const rssBefore = process.memoryUsage().rss
    const res = await preview(archive)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_file')
    expect(res.body.error.message).toMatch(/大きすぎる|壊れて/)
    const grewMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024
    console.log(`${_label}: ${(archive.byteLength / 1024).toFixed(0)} KiB upload, RSS +${grewMb.toFixed(0)} MiB`)
    expect(grewMb).toBeLessThan(150)
  })
})
