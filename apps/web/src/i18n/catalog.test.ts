import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@hoshin/protocol'
import { ja } from './catalog'
import { en } from './catalog-en'
import { initialLocale } from './I18nProvider'

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

  it('is Japanese by default: English only when the person chose it on this PC', () => {
    const stored = (value: string | null) => ({ getItem: (key: string) => (key === 'hoshin.locale' ? value : null) })
    expect(initialLocale(stored(null))).toBe('ja')
    expect(initialLocale(stored('en'))).toBe('en')
    expect(initialLocale(stored('ja'))).toBe('ja')
    expect(initialLocale(stored('fr'))).toBe('ja')
    expect(initialLocale(undefined)).toBe('ja')
    const broken = {
      getItem(): string | null {
        throw new Error('SecurityError: storage disabled')
      },
    }
    expect(initialLocale(broken)).toBe('ja')
  })
})
