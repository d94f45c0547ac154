import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, parseAst, transformWithOxc } from 'vite'

/** Builds sw/service-worker.ts into /sw.js, listing this build's scripts and styles for offline use. */
function serviceWorker(): Plugin {
  return {
    name: 'hoshin-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => /\.(js|css)$/.test(f))
        .map((f) => `/${f}`)
      const source = readFileSync(fileURLToPath(new URL('./sw/service-worker.ts', import.meta.url)), 'utf8')
      const { code } = await transformWithOxc(source, 'sw.ts', { lang: 'ts' })
      const version = Date.now().toString(36)
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const PRECACHE = ${JSON.stringify(files)};\nconst VERSION = ${JSON.stringify(version)};\n${code}`,
      })
    },
  }
}

/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy beside every script, style sheet, page and SVG of the
 * build, which the server hands to browsers that accept them (serveStatic's `precompressed`): a sheet's
 * first load is ~910 kB of JavaScript as built and ~250 kB as Brotli, on LGWAN lines that are often
 * shared and slow. Compressed once here at the highest levels instead of on every request. Fonts (woff2)
 * are compressed already; small files are not worth a second request path.
 */
function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'hoshin-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    writeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
          const file = path.join(dir, entry.name)
          return entry.isDirectory() ? walk(file) : [file]
        })
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|webmanifest)$/.test(file) || statSync(file).size < 1024) continue
        const source = readFileSync(file)
        writeFileSync(`${file}.br`, brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length } }))
        writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }))
      }
    },
  }
}

/**
 * The shared packages define their zod schemas at the top of their modules, for the server to check what
 * it is sent; the web app never parses with them. Here, in those packages only, each top-level value built
 * from zod's `z` or from such a schema (`id.optional()`, `{ ...sheetSchema.shape }`) is wrapped in a call
 * marked pure, so the build drops the schemas no page uses, and zod with them (issue 18: ~24 kB gzip of
 * the sheet page's first load). What a page does use is built as before.
 */
function pureSharedSchemas(): Plugin {
  type Node = { type: string; start: number; end: number; [key: string]: unknown }
  const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
  /** Whether an expression names one of `names` outside the functions it defines. */
  function uses(node: Node, names: Set<string>): boolean {
    if (node.type.includes('Function')) return false
    if (node.type === 'Identifier') return names.has(node.name as string)
    return Object.entries(node).some(([key, value]) => {
      if (key === 'property' && node.type === 'MemberExpression' && !node.computed) return false
      if (key === 'key' && node.type === 'Property' && !node.computed && !node.shorthand) return false
      return (Array.isArray(value) ? value : [value]).some((child) => isNode(child) && uses(child, names))
    })
  }
  return {
    name: 'hoshin-pure-shared-schemas',
    apply: 'build',
    transform: {
      filter: { id: /[\\/]packages[\\/](sheet|protocol)[\\/]dist[\\/].*\.js$/, code: 'zod' },
      handler(code) {
        const schemas = new Set(['z'])
        const wraps: Node[] = []
        for (const statement of parseAst(code).body as unknown as Node[]) {
          const declaration = (statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement) as Node | null
          if (declaration?.type !== 'VariableDeclaration') continue
          for (const { id, init } of declaration.declarations as { id: Node; init: unknown }[]) {
            if (!isNode(init) || !uses(init, schemas)) continue
            wraps.push(init)
            if (id.type === 'Identifier') schemas.add(id.name as string)
          }
        }
        if (wraps.length === 0) return null
        let out = ''
        let from = 0
        for (const init of wraps) {
          out += `${code.slice(from, init.start)}/* @__PURE__ */ (() => (${code.slice(init.start, init.end)}))()`
          from = init.end
        }
        return { code: out + code.slice(from), map: null }
      },
    },
  }
}

// In development the API and the collaboration socket come from the server on :3000 (npm start).
export default defineConfig({
  plugins: [react(), pureSharedSchemas(), serviceWorker(), precompress()],
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/collab': { target: 'ws://localhost:3000', ws: true },
    },
  },
  build: {
    // Fonts are bundled as files, never inlined or fetched from elsewhere.
    assetsInlineLimit: 0,
    sourcemap: true,
    // dist/.vite/manifest.json: which chunks a page loads, read by bench/bundle-size.mjs.
    manifest: true,
    chunkSizeWarningLimit: 1500,
  },
})
