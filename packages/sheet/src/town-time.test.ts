import { describe, expect, it } from 'vitest'
import { townDateJa, townDateStamp, townDay, townIsoDate } from './town-time.js'

describe('town dates', () => {
  it('an approval at 07:19 JST is that day in Tokyo, though it is the day before in UTC and in Los Angeles', () => {
    const approvedAt = '2026-05-28T22:19:00.000Z' // 2026-05-29 07:19 JST
    expect(townDay(approvedAt)).toEqual({ year: 2026, month: 5, day: 29 })
    expect(townDateJa(approvedAt)).toBe('2026年5月29日')
    expect(townDateStamp(approvedAt)).toBe('20260529')
    expect(townIsoDate(approvedAt)).toBe('2026-05-29')
    expect(townDateJa(approvedAt, 'America/Los_Angeles')).toBe('2026年5月28日')
  })
})
