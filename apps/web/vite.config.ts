import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// In development the API and the collaboration socket come from the server on :3000 (npm start).
export default defineConfig({
  plugins: [react()],
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
  },
})
