// The server side of a cold open (scenario 3 of compare.mjs, which times it at the client): a sheet with
// 10,000 edits of history, stored and compacted as the server stores it, then opened 20 times through the
// DocumentRegistry: load from SQLite + apply (open), and encoding the sync step 2 a fresh client gets.
//
//   npm run build && node apps/server/bench/cold-open.mjs
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'

const EDITS = Number(process.env.EDITS ?? 10_000)
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { loadConfig } = await import(path.join(dist, 'env.js'))
const { openServices } = await import(path.join(dist, 'server.js'))
const { seedDemo } = await import(path.join(dist, 'seed', 'demo.js'))

const dataDir = await mkdtemp(path.join(tmpdir(), 'hoshin-cold-'))
const { services, db } = await openServices({ ...loadConfig({ HOSHIN_DATA_DIR: dataDir }), logLevel: 'silent' })
await seedDemo(services)
const { id } = await services.stores.sheets.create({ departmentId: 'somu', fiscalYear: 2100, state: Y.encodeStateAsUpdate(new Y.Doc()) })

// The history, as separate edits through the live document (inserts at random places, every fourth a deletion).
await services.documents.change(id, (doc) => {
  const text = doc.getText('history')
  let seed = 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let i = 0; i < EDITS; i++) {
    if (i % 4 === 3 && text.length > 0) text.delete(Math.floor(random() * text.length), 1)
    else text.insert(Math.floor(random() * (text.length + 1)), 'あいうえおかきくけこ'[i % 10])
  }
})

const empty = Y.encodeStateVector(new Y.Doc())
const opens = []
const encodes = []
for (let i = 0; i < 20; i++) {
  let started = performance.now()
  const document = await services.documents.open(id)
  opens.push(performance.now() - started)
  started = performance.now()
  Y.encodeStateAsUpdate(document.doc, empty)
  encodes.push(performance.now() - started)
  await services.documents.change(id, () => undefined) // nobody is connected: stores and unloads
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
const max = (list) => Math.max(...list)
const state = Y.encodeStateAsUpdate((await services.documents.open(id)).doc).byteLength
console.log(`Cold open, server side: a sheet with ${EDITS} edits of history (state ${(state / 1024).toFixed(0)} KiB), 20 opens`)
console.log(`  load + apply       p50 ${median(opens).toFixed(1)} ms, max ${max(opens).toFixed(1)} ms`)
console.log(`  sync step 2 encode p50 ${median(encodes).toFixed(1)} ms, max ${max(encodes).toFixed(1)} ms`)
await services.documents.closeAll()
await db.close()
await rm(dataDir, { recursive: true, force: true })
