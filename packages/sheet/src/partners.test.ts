import { describe, expect, it } from 'vitest'
import { demoSheets } from './demo/index.js'
import { partnerEntry, partnerLabel, withPartnerNames } from './partners.js'

const departments = [
  { id: 'kikaku-zaisei', name: '企画財政課' },
  { id: 'd_x1', name: '建設課' },
]

describe('連携課 entries [S12]', () => {
  it('[S12] an id reads as its department’s name; specials and unknown entries as written', () => {
    expect(partnerLabel('d_x1', departments)).toBe('建設課')
    expect(partnerLabel('全課', departments)).toBe('全課')
    expect(partnerLabel('関係課', departments)).toBe('関係課')
    expect(partnerLabel('旧名の課', departments)).toBe('旧名の課')
  })

  it('[S12] what people write (a name or an id) is stored as the id', () => {
    expect(partnerEntry('建設課', departments)).toBe('d_x1')
    expect(partnerEntry(' d_x1 ', departments)).toBe('d_x1')
    expect(partnerEntry('全課', departments)).toBe('全課')
    expect(partnerEntry('未来課', departments)).toBeUndefined()
  })

  it('[S12] a renamed department is named anew everywhere its id appears', () => {
    const somu = demoSheets.find((s) => s.department.id === 'somu')!
    expect(somu.measures.some((m) => m.partners.includes('kikaku-zaisei'))).toBe(true)
    const named = withPartnerNames(somu, [{ id: 'kikaku-zaisei', name: '企画政策課' }])
    expect(named.measures.flatMap((m) => m.partners)).toContain('企画政策課')
    expect(named.measures.flatMap((m) => m.partners)).not.toContain('kikaku-zaisei')
  })
})
