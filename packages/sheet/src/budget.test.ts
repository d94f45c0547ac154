import { describe, expect, it } from 'vitest'
import { budgetTotal, formatBudget, parseBudget, parseBudgetCell } from './budget.js'

describe('[S11] budget parsing', () => {
  it.each([
    ['34010', 34010],
    ['34,010', 34010],
    ['３４，０１０', 34010],
    ['３４０１０', 34010],
    ['△54,317', -54317],
    ['▲54,317', -54317],
    ['△５４，３１７', -54317],
    ['-54317', -54317],
    ['−54,317', -54317],
    ['  227,434 ', 227434],
    ['　１，６７６　', 1676],
    ['0', 0],
    ['1,000,000', 1000000],
  ])('accepts %j as %i', (input, value) => {
    expect(parseBudget(input)).toEqual({ ok: true, value })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['abc', 'not_a_number'],
    ['1.5', 'not_a_number'],
    ['１２a', 'not_a_number'],
    ['12-3', 'not_a_number'],
    ['△', 'not_a_number'],
    ['--5', 'not_a_number'],
    ['ー100', 'not_a_number'],
    ['34 010', 'not_a_number'],
    ['3,4010', 'bad_grouping'],
    ['34,01', 'bad_grouping'],
    [',340', 'not_a_number'],
    ['99999999999999999999', 'too_large'],
  ])('refuses %j (%s) with a Japanese reason', (input, code) => {
    const result = parseBudget(input)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.code).toBe(code)
      expect(result.message).toMatch(/事業費|カンマ/)
    }
  })

  it('reads a blank 事業費 cell as no amount', () => {
    expect(parseBudgetCell('  ')).toEqual({ ok: true, value: null })
    expect(parseBudgetCell('４，３３０')).toEqual({ ok: true, value: 4330 })
    expect(parseBudgetCell('x').ok).toBe(false)
  })

  it('formats with commas and △ for negatives, and totals skipping blanks', () => {
    expect(formatBudget(34010)).toBe('34,010')
    expect(formatBudget(-54317)).toBe('△54,317')
    expect(formatBudget(0)).toBe('0')
    expect(formatBudget(394502)).toBe('394,502')
    expect(budgetTotal([{ budget: 10 }, { budget: null }, { budget: -3 }])).toBe(7)
  })
})
