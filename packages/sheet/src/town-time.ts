/**
 * Dates as the town reads them: a moment (ISO string) seen in the town's time zone (Asia/Tokyo unless the
 * server says otherwise), never in the zone of the machine that formats it. An approval at 07:19 JST is
 * 22:19 UTC the day before; the town calls it today. Shared by server (Excel footer, file names) and web.
 */
export const TOWN_TIME_ZONE = 'Asia/Tokyo'

export interface TownDay {
  year: number
  month: number
  day: number
}

/** The calendar day a moment falls on in `timeZone`. */
export function townDay(moment: string | Date, timeZone: string = TOWN_TIME_ZONE): TownDay {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(
    typeof moment === 'string' ? new Date(moment) : moment,
  )
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return { year: part('year'), month: part('month'), day: part('day') }
}

/** 2026-05-29T22:19:00Z → 2026年5月30日 (in Asia/Tokyo). */
export function townDateJa(moment: string | Date, timeZone: string = TOWN_TIME_ZONE): string {
  const { year, month, day } = townDay(moment, timeZone)
  return `${year}年${month}月${day}日`
}

/** 2026-05-29T22:19:00Z → 20260530 (in Asia/Tokyo), for file names. */
export function townDateStamp(moment: string | Date, timeZone: string = TOWN_TIME_ZONE): string {
  const { year, month, day } = townDay(moment, timeZone)
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`
}

/** 2026-05-29T22:19:00Z → 2026-05-30 (in Asia/Tokyo): today's date for comparing with YYYY-MM-DD deadlines. */
export function townIsoDate(moment: string | Date, timeZone: string = TOWN_TIME_ZONE): string {
  const { year, month, day } = townDay(moment, timeZone)
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}
