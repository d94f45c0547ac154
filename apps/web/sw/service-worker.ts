/**
 * The service worker (built by vite.config.ts into /sw.js with the list of this build's files).
 * LGWAN PCs lose the network now and then: the app shell and the last-seen API answers stay available,
 * so a page reloaded while offline still opens the sheet from this PC's copy (y-indexeddb), and the
 * edits merge when the network is back. Nothing here talks to any other origin.
 */
declare const PRECACHE: string[]
declare const VERSION: string

const sw = self as unknown as ServiceWorkerGlobalScope
const SHELL = `hoshin-shell-${VERSION}`
const API = 'hoshin-api-v1'
const cachedApi = [/^\/api\/me$/, /^\/api\/departments$/, /^\/api\/sheets(\/[^/]+)?$/]

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(['/', ...PRECACHE]))
      .then(() => sw.skipWaiting()),
  )
})

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('hoshin-shell-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  )
})

async function networkFirst(request: Request, cacheName: string, fallback?: string): Promise<Response> {
  const cache = await caches.open(cacheName)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(fallback ?? request, response.clone())
    return response
  } catch {
    const cached = await cache.match(fallback ?? request)
    if (cached) return cached
    return new Response(JSON.stringify({ error: { code: 'offline', message: 'オフラインです。' } }), {
      status: 503,
      headers: { 'content-type': 'application/json' },
    })
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

sw.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== sw.location.origin) return
  if (request.mode === 'navigate') event.respondWith(networkFirst(request, SHELL, '/'))
  else if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request))
  else if (cachedApi.some((re) => re.test(url.pathname))) event.respondWith(networkFirst(request, API))
})
