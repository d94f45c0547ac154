import { describe, expect, it } from 'vitest'
import { generatePassword, passwordsCsv } from './passwords'

describe('initial passwords', () => {
  it('generates long, unambiguous, different passwords', () => {
    const a = generatePassword()
    const b = generatePassword()
    expect(a).toHaveLength(14)
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[a-km-zA-HJ-NP-Z2-9]+$/)
  })

  it('writes a CSV that Japanese Excel opens as UTF-8: BOM, CRLF, quoted when needed', () => {
    const csv = passwordsCsv(['ユーザー名', '初期パスワード'], [
      ['yamada', 'abc'],
      ['sato', 'x,"y"'],
    ])
    expect(csv.charCodeAt(0)).toBe(0xfeff)
    expect(csv.slice(1)).toBe('ユーザー名,初期パスワード\r\nyamada,abc\r\nsato,"x,""y"""\r\n')
  })
})
