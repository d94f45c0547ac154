import { townDay } from '@hoshin/sheet'
import type { Locale } from '../i18n/catalog'
import { formatDateTime } from '../i18n/I18nProvider'
import { townTimeZone } from './town-zone'

const DAY = 86_400_000

/** "3分前", "昨日", "2 hours ago": up to a week back; older times are shown as a date. */
export function relativeTime(iso: string, locale: Locale, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000)
  const format = new Intl.RelativeTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { numeric: 'auto' })
  const abs = Math.abs(seconds)
  if (abs < 60) return format.format(0, 'second')
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute')
  if (abs < DAY / 1000) return format.format(Math.round(seconds / 3600), 'hour')
  if (abs < (7 * DAY) / 1000) return format.format(Math.round(seconds / (DAY / 1000)), 'day')
  return formatDateTime(iso, locale)
}

/**
 * Whole days from today to a YYYY-MM-DD date in the town's calendar (not this PC's): 0 on the day itself,
 * negative once past. Counted on calendar dates, not 24-hour spans, so a deadline "tomorrow" is 1 all day long.
 */
export function daysUntil(date: string, now = new Date()): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const today = townDay(now, townTimeZone())
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(today.year, today.month - 1, today.day)) / DAY)
}

/** 2026年5月29日 / 29 May 2026, for a YYYY-MM-DD date (no time zone shift). */
export function formatDate(date: string, locale: Locale): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  if (locale === 'ja') return `${y}年${m}月${d}日`
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
}

/** The fiscal year a moment falls in, in the town's calendar: April to March, named by the year it starts. */
export function fiscalYearOf(now = new Date()): number {
  const { year, month } = townDay(now, townTimeZone())
  return month >= 4 ? year : year - 1
}
