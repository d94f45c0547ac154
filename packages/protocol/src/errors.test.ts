import { describe, expect, it } from 'vitest'
import { ErrorCode, isApiErrorBody } from './errors.js'

describe('API error bodies', () => {
  it('recognises { error: { code, message } } and nothing else', () => {
    expect(isApiErrorBody({ error: { code: ErrorCode.NotFound, message: '見つかりません' } })).toBe(true)
    for (const value of [null, 'error', {}, { error: null }, { error: { message: 'x' } }, { error: { code: 404 } }]) {
      expect(isApiErrorBody(value)).toBe(false)
    }
  })

  it('has unique, stable snake_case codes', () => {
    const codes = Object.values(ErrorCode)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
  })
})
