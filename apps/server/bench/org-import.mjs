// The organisation CSV import for a town of 1,000 staff (30 departments × 4 sections): decoding and
// planning the preview, then applying it in one transaction (initial passwords hashed with argon2id).
//
//   npm run build && node apps/server/bench/org-import.mjs
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const USERS = Number(process.env.USERS ?? 1000)
const DEPARTMENTS = 30
const SECTIONS = 4
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { loadConfig } = await import(path.join(dist, 'env.js'))
const { openServices } = await import(path.join(dist, 'server.js'))

const lines = ['課名,係名,ユーザー名,氏名,役割']
for (let d = 0; d < DEPARTMENTS; d++) for (let s = 0; s < SECTIONS; s++) lines.push(`第${d + 1}課,第${s + 1}係,,,`)
for (let i = 0; i < USERS; i++) {
  const d = i % DEPARTMENTS
  const role = i < DEPARTMENTS ? '課長' : i % 10 === 0 ? '係長' : '係員'
  lines.push(`第${d + 1}課,${role === '課長' ? '' : `第${(i % SECTIONS) + 1}係`},user${i},職員　${i},${role}`)
}
const csv = new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`)

const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-org-'))
const { services, db } = await openServices({ ...loadConfig({ HOSHIN_DATA_DIR: dataDir }), logLevel: 'silent' })
try {
  const actor = { id: 'bench', username: 'bench', displayName: 'bench', role: 'admin', department: null, section: null }
  let t = performance.now()
  const { plan, apply } = await services.org.planOrgImport(csv)
  const previewMs = performance.now() - t
  t = performance.now()
  const applied = await apply(actor)
  const applyMs = performance.now() - t
  t = performance.now()
  const again = await services.org.planOrgImport(csv)
  const replanMs = performance.now() - t
  console.log(`Hoshin organisation import: ${USERS} users, ${DEPARTMENTS} departments × ${SECTIONS} sections (${(csv.byteLength / 1024).toFixed(0)} KiB CSV)`)
  console.log(`  preview (decode, check, plan)  ${previewMs.toFixed(0)} ms, ${plan.changes.length} changes, ok=${plan.ok}`)
  console.log(`  apply (hash ${applied.passwords.length} passwords + 1 transaction)  ${applyMs.toFixed(0)} ms`)
  console.log(`  preview of the same file again (no changes: ${again.plan.changes.length})  ${replanMs.toFixed(0)} ms`)
} finally {
  await db.close()
  await rm(dataDir, { recursive: true, force: true })
}
