import { describe, expect, it } from 'vitest'
import { hoshinMessage, storedMessage } from './messages.js'

describe('storedMessage', () => {
  it('is byte for byte the Hoshin message {"kind":"stored","seq":n}, up to the largest safe seq', () => {
    for (const seq of [1, 9, 10, 127, 128, 65_535, 1_000_000_007, Number.MAX_SAFE_INTEGER]) {
      expect([...storedMessage(seq)]).toEqual([...hoshinMessage({ kind: 'stored', seq })])
    }
  })
})
