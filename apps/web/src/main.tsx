import '@fontsource/biz-udpgothic/400.css'
import '@fontsource/biz-udpgothic/700.css'
import './styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App'
import { whenIdle } from './app/lazyPage'
import { loadCatalog } from './i18n/catalog'
import { initialLocale } from './i18n/I18nProvider'

const root = document.getElementById('root')
if (!root) throw new Error('#root is missing from index.html')
const render = () =>
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
// English, when chosen on this PC, is a chunk of its own (issue 18): the first render waits for it, so
// that nothing shows in Japanese first. Japanese (the default) renders at once.
const strings = loadCatalog(initialLocale())
if (strings instanceof Promise) void strings.catch(() => undefined).then(render)
else render()

// Offline support (the app shell and the last API answers); only for the production build.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // Registered once the page has loaded and the browser is idle: installing fetches every chunk of the
  // build for offline use, which must not compete with opening the sheet (issue 18).
  window.addEventListener('load', () => whenIdle(() => void navigator.serviceWorker.register('/sw.js').catch(() => undefined)), { once: true })
  // On the first visit the worker takes over after the page has already asked for its data, so those
  // answers are not kept for offline use: ask once more through the worker (a sheet reloaded offline
  // needs its summary, the directory and who is signed in).
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    const sheet = /^\/sheets\/([^/]+)$/.exec(location.pathname)?.[1]
    for (const path of ['/api/me', '/api/departments', '/api/sheets', ...(sheet ? [`/api/sheets/${sheet}`] : [])]) {
      void fetch(path, { credentials: 'same-origin' }).catch(() => undefined)
    }
  })
}
