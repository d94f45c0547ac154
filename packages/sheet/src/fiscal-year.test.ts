import { describe, expect, it } from 'vitest'
import { eraYear, fiscalYearLabel } from './fiscal-year.js'

describe('[S10] fiscal-year labels', () => {
  it.each([
    [2019, '令和元年度'],
    [2020, '令和2年度'],
    [2025, '令和7年度'],
    [2018, '平成30年度'],
    [1989, '平成元年度'],
  ])('%i → %s', (year, label) => {
    expect(fiscalYearLabel(year)).toBe(label)
  })

  it('is not April 1 formatted with the Japanese calendar (that gives 平成31 for 2019)', () => {
    expect(eraYear(2019)).toEqual({ era: '令和', year: 1 })
  })

  it('has an English form', () => {
    expect(fiscalYearLabel(2025, 'en')).toBe('FY2025')
  })

  it('refuses years it cannot label', () => {
    expect(() => fiscalYearLabel(1988)).toThrow(RangeError)
    expect(() => fiscalYearLabel(2025.5)).toThrow(RangeError)
  })
})
