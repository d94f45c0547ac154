import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api } from './client'

afterEach(() => {
  vi.unstubAllGlobals()
})

// fetch is the browser's, not ours: stubbing it tests only this thin wrapper's mapping.
function respond(status: number, body: unknown) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status })))
}

describe('api client', () => {
  it('returns the JSON body on success', async () => {
    respond(200, { ok: true })
    expect(await api('/api/health')).toEqual({ ok: true })
  })

  it('turns an error body into ApiError with the stable code and the server message', async () => {
    respond(429, { error: { code: 'account_locked', message: 'ロックされています' } })
    const error = await api('/api/auth/login', { method: 'POST', json: {} }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 429, code: 'account_locked', message: 'ロックされています' })
  })

  it('reports an unreadable error and a network failure', async () => {
    respond(502, undefined)
    await expect(api('/api/me')).rejects.toMatchObject({ status: 502, code: 'internal_error' })
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))))
    await expect(api('/api/me')).rejects.toMatchObject({ status: 0, code: 'network' })
  })
})
