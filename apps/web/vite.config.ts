import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, transformWithOxc } from 'vite'

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

// In development the API and the collaboration socket come from the server on :3000 (npm start).
export default defineConfig({
  plugins: [react(), serviceWorker()],
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
    chunkSizeWarningLimit: 1500,
  },
})
