import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@hoshin/protocol'
import { en, ja } from './catalog'

describe('the string catalog', () => {
  it('has the same keys in Japanese and English, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort())
    for (const catalog of [ja, en]) for (const value of Object.values(catalog)) expect(value.trim()).not.toBe('')
  })

  it('has a message for every API error code', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(ja).toHaveProperty(`error.${code}`)
    }
  })

  it('is Japanese by default', () => {
    expect(ja['auth.submit']).toBe('ログイン')
    expect(ja['status.approved']).toBe('承認済')
  })
})
