// The planning board's overview (GET /api/fiscal-years/:year/overview) for a town of 30 departments with
// 5 years of sheets each (150 sheets, every one the demo sheet's 18 rows), answered from the stored
// projections. Prints the server-side time (the service call) and the whole HTTP round trip, and the
// 連携課 inbox of one department (read from the same projections).
//
//   npm run build && node apps/server/bench/overview.mjs
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'

const DEPARTMENTS = Number(process.env.DEPARTMENTS ?? 30)
const YEARS = Number(process.env.YEARS ?? 5)
const RUNS = Number(process.env.RUNS ?? 200)
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { loadConfig } = await import(path.join(dist, 'env.js'))
const { startServer } = await import(path.join(dist, 'server.js'))
const { hashPassword } = await import(path.join(dist, 'auth', 'passwords.js'))
const { demoSheets } = await import('@hoshin/sheet/demo')
const { sheetToDoc } = await import('@hoshin/sheet')

const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-overview-'))
const server = await startServer({ ...loadConfig({ HOSHIN_DATA_DIR: dataDir, HOSHIN_DEMO: '0' }), port: 0, host: '127.0.0.1', logLevel: 'silent' })
const { services } = server
try {
  const template = demoSheets[0]
  const setupStart = performance.now()
  for (let d = 0; d < DEPARTMENTS; d++) {
    const department = await services.stores.org.createDepartment(`第${d + 1}課`)
    for (let y = 0; y < YEARS; y++) {
      const sheet = { ...template, department, fiscalYear: 2022 + y }
      const doc = sheetToDoc(sheet)
      await services.stores.sheets.create({ departmentId: department.id, fiscalYear: sheet.fiscalYear, state: Y.encodeStateAsUpdate(doc) })
      doc.destroy()
    }
  }
  await services.projector.backfill()
  const setupMs = performance.now() - setupStart
  await services.stores.users.create({ username: 'planner', displayName: '企画', role: 'planning', departmentId: null, sectionId: null, passwordHash: await hashPassword('bench-password') })
  const actor = { id: 'x', username: 'planner', displayName: '企画', role: 'planning', department: null, section: null }
  const year = 2022 + YEARS - 1
  const first = (await services.stores.org.listDepartments())[0]
  const staff = { id: 'y', username: 'staff', displayName: '職員', role: 'staff', department: { id: first.id, name: first.name }, section: null }

  const time = async (fn) => {
    const ms = []
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now()
      await fn()
      ms.push(performance.now() - t)
    }
    ms.sort((a, b) => a - b)
    const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2)
    return `p50 ${at(0.5)} / p95 ${at(0.95)} / max ${ms.at(-1).toFixed(2)} ms`
  }
  const serverSide = await time(() => services.years.overview(actor, year, services.evaluations))
  const inbox = await time(() => services.years.partnerRows(staff, year))
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { origin: server.url, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'planner', password: 'bench-password' }),
  })
  const cookie = login.headers.getSetCookie()[0].split(';')[0]
  const overview = await (await fetch(`${server.url}/api/fiscal-years/${year}/overview`, { headers: { cookie } })).json()
  const http = await time(async () => (await fetch(`${server.url}/api/fiscal-years/${year}/overview`, { headers: { cookie } })).arrayBuffer())

  console.log(`Hoshin board overview: ${DEPARTMENTS} departments × ${YEARS} years (${DEPARTMENTS * YEARS} sheets), ${RUNS} requests`)
  console.log(`  set-up (sheets + projections)  ${setupMs.toFixed(0)} ms`)
  console.log(`  lines in the year's overview   ${overview.sheets.length} (town total ${overview.budgetTotal.toLocaleString('ja-JP')} 千円)`)
  console.log(`  at the server (service call)   ${serverSide}   (target < 50 ms)`)
  console.log(`  over HTTP (session check too)  ${http}`)
  console.log(`  連携課 inbox (service call)     ${inbox}`)
} finally {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
}
