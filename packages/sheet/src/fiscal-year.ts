/**
 * 和暦 labels for a fiscal year, derived from its start year by arithmetic ([S10]).
 *
 * Formatting April 1 with the Japanese calendar is wrong for 2019: that date is 平成31年, but the fiscal
 * year 2019 is written 令和元年度 (the era changed on May 1, 2019, and fiscal years take the new era).
 * The first year of an era is 元年, not 1年.
 */
const eras = [
  { name: '令和', start: 2019 },
  { name: '平成', start: 1989 },
] as const

export type EraName = (typeof eras)[number]['name']

export function eraYear(startYear: number): { era: EraName; year: number } {
  if (!Number.isInteger(startYear)) throw new RangeError(`fiscal year must be an integer, got ${startYear}`)
  const era = eras.find((e) => startYear >= e.start)
  if (!era) throw new RangeError(`fiscal years before 1989 (平成元年度) are not supported, got ${startYear}`)
  return { era: era.name, year: startYear - era.start + 1 }
}

/** 2025 → 令和7年度, 2019 → 令和元年度; in English, FY2025. */
export function fiscalYearLabel(startYear: number, locale: 'ja' | 'en' = 'ja'): string {
  const { era, year } = eraYear(startYear)
  if (locale === 'en') return `FY${startYear}`
  return `${era}${year === 1 ? '元' : year}年度`
}
