import { describe, expect, it } from 'vitest'
import { formatDateTime } from '../i18n/I18nProvider'
import { daysUntil, fiscalYearOf, formatDate, relativeTime } from './time'

describe('dates on the board', () => {
  it('counts days to a deadline on the town’s calendar dates: the day itself is 0, past days are negative', () => {
    const evening = new Date('2026-05-28T23:30:00+09:00')
    expect(daysUntil('2026-05-29', evening)).toBe(1)
    expect(daysUntil('2026-05-28', evening)).toBe(0)
    expect(daysUntil('2026-05-25', evening)).toBe(-3)
    // Across a month and the end of the year.
    expect(daysUntil('2027-01-02', new Date('2026-12-30T09:00:00+09:00'))).toBe(3)
    // 07:19 in Tokyo is still the day before in UTC (and on a PC set to another zone): the town's day counts.
    expect(daysUntil('2026-05-29', new Date('2026-05-28T22:19:00Z'))).toBe(0)
  })

  it('names the fiscal year by the April it starts in, on the town’s calendar', () => {
    expect(fiscalYearOf(new Date('2026-03-31T23:59:00+09:00'))).toBe(2025)
    expect(fiscalYearOf(new Date('2026-04-01T00:00:00+09:00'))).toBe(2026)
    expect(fiscalYearOf(new Date('2026-03-31T15:30:00Z'))).toBe(2026)
  })

  it('shows date and time in the town’s zone, whatever the PC’s', () => {
    expect(formatDateTime('2026-05-28T22:19:00Z', 'ja')).toBe('2026/05/29 7:19')
  })

  it('writes dates the Japanese way without shifting the day', () => {
    expect(formatDate('2026-05-29', 'ja')).toBe('2026年5月29日')
  })

  it('says how long ago, then falls back to the date after a week', () => {
    const now = Date.parse('2026-05-29T12:00:00Z')
    expect(relativeTime('2026-05-29T11:57:00Z', 'ja', now)).toBe('3 分前')
    expect(relativeTime('2026-05-28T12:00:00Z', 'ja', now)).toBe('昨日')
    expect(relativeTime('2026-05-01T12:00:00Z', 'ja', now)).toMatch(/^2026\/0?5\/0?1 /)
  })
})
