#!/usr/bin/env node
/**
 * The JavaScript a browser fetches to open a sheet (/sheets/:id) on first load, from the build's
 * manifest (dist/.vite/manifest.json): the entry chunk, the sheet page's lazily loaded chunk, and every
 * chunk either imports statically (Vite preloads those with them). Sizes are gzip (zlib level 6, what a
 * compressing proxy sends); the server itself sends them uncompressed, so raw bytes are shown beside.
 * Issue 18's target: at most 200 kB gzip. Run after `vite build`: node bench/bundle-size.mjs [--json]
 * ROUTE=src/features/…Page.tsx measures another page's first load instead.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const LIMIT_KB = 200
const route = process.env.ROUTE ?? 'src/features/sheets/SheetPage.tsx'

let manifest
try {
  manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'))
} catch {
  console.error('No dist/.vite/manifest.json: build the web app first (npx turbo run build --filter=@hoshin/web).')
  process.exit(1)
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
if (!entryKey) throw new Error('the manifest names no entry chunk')

/** The chunk and, recursively, what it imports statically, in load order, each once. */
function withStaticImports(key, seen = new Set()) {
  if (seen.has(key)) return seen
  seen.add(key)
  for (const dep of manifest[key]?.imports ?? []) withStaticImports(dep, seen)
  return seen
}

const keys = withStaticImports(entryKey)
// Before the split the page was part of the entry chunk and has no manifest entry of its own.
const routeChunk = manifest[route]?.file
if (manifest[route] && !keys.has(route)) withStaticImports(route, keys)

const rows = [...keys].map((key) => {
  const { file } = manifest[key]
  const bytes = readFileSync(path.join(dist, file))
  return { file, raw: bytes.length, gzip: gzipSync(bytes).length }
})
const total = rows.reduce((sum, r) => ({ raw: sum.raw + r.raw, gzip: sum.gzip + r.gzip }), { raw: 0, gzip: 0 })
const allJs = Object.values(manifest)
  .map((c) => c.file)
  .filter((f, i, all) => f.endsWith('.js') && all.indexOf(f) === i)
  .reduce((sum, f) => sum + gzipSync(readFileSync(path.join(dist, f))).length, 0)

const kB = (n) => (n / 1000).toFixed(1)
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ route, chunks: rows, total, allJsGzip: allJs, limitKb: LIMIT_KB }))
} else {
  console.log(`First-load JavaScript of ${route}${routeChunk ? '' : ' (inside the entry chunk)'}:`)
  for (const r of rows) console.log(`  ${r.file.padEnd(44)} ${kB(r.raw).padStart(8)} kB  ${kB(r.gzip).padStart(7)} kB gzip`)
  console.log(`  ${'total'.padEnd(44)} ${kB(total.raw).padStart(8)} kB  ${kB(total.gzip).padStart(7)} kB gzip (target ≤ ${LIMIT_KB} kB: ${total.gzip <= LIMIT_KB * 1000 ? 'met' : 'not met'})`)
  console.log(`  all JavaScript of the build: ${kB(allJs)} kB gzip, the rest loaded on demand`)
}
