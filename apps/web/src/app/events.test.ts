import { describe, expect, it } from 'vitest'
import { parseServerEvent } from './events'

describe('the event stream parser', () => {
  it('reads the kinds the app knows', () => {
    expect(parseServerEvent('{"kind":"notifications","unread":3}')).toEqual({ kind: 'notifications', unread: 3 })
    expect(parseServerEvent('{"kind":"board","year":2026}')).toEqual({ kind: 'board', year: 2026 })
    expect(parseServerEvent('{"kind":"session-ended"}')).toEqual({ kind: 'session-ended' })
  })

  it('ignores what it does not know instead of failing (a newer server, a keep-alive, junk)', () => {
    expect(parseServerEvent('{"kind":"evaluation"}')).toBeNull()
    expect(parseServerEvent('not json')).toBeNull()
    expect(parseServerEvent('null')).toBeNull()
    expect(parseServerEvent(undefined)).toBeNull()
  })
})
