import { describe, expect, it } from 'vitest'
import { ja, type MessageKey } from '../../i18n/catalog'
import { en } from '../../i18n/catalog-en'
import { actionLabel, detailLabel } from './auditLabels'

const tJa = (key: MessageKey) => ja[key]
const tEn = (key: MessageKey) => en[key]
const hash = 'ab12cd34ef56'.padEnd(64, '0')

describe('the audit trail in words', () => {
  it('names every evaluation step and its refusal, never the raw action', () => {
    const actions = ['open', 'submit', 'return', 'approve'].flatMap((a) => [`evaluation.${a}`, `evaluation.${a}.refused`])
    const words = actions.map((a) => actionLabel(a, tJa))
    expect(words).toEqual([
      '評価の開始',
      '評価の開始（権限がなく拒否）',
      '評価の確認依頼',
      '評価の確認依頼（権限がなく拒否）',
      '評価の差し戻し',
      '評価の差し戻し（権限がなく拒否）',
      '評価の承認',
      '評価の承認（権限がなく拒否）',
    ])
    for (const action of [...actions, 'evaluation.export', 'sheet.import.undo']) {
      expect(actionLabel(action, tJa)).not.toMatch(/[a-z]/)
      expect(actionLabel(action, tEn)).not.toContain('evaluation.')
    }
    expect(actionLabel('evaluation.approve.refused', tEn)).toBe('Evaluation approved (refused: no permission)')
    // Unknown actions stay as stored, so that nothing is hidden.
    expect(actionLabel('something.new', tJa)).toBe('something.new')
  })

  it('says the kind in Japanese, with the reason, the hash head or the format', () => {
    expect(detailLabel('evaluation.open', 'midyear', tJa)).toBe('中間評価')
    expect(detailLabel('evaluation.submit.refused', 'yearend', tJa)).toBe('年度末評価')
    expect(detailLabel('evaluation.return', 'midyear: 実績値の時点を直してください: 9月末', tJa)).toBe('中間評価（理由: 実績値の時点を直してください: 9月末）')
    expect(detailLabel('evaluation.approve', `yearend sha256=${hash}`, tJa)).toBe('年度末評価（SHA-256 ab12cd34ef56…）')
    expect(detailLabel('evaluation.export', 'xlsx midyear', tJa)).toBe('中間評価（Excel）')
    expect(detailLabel('evaluation.export', 'json yearend', tJa)).toBe('年度末評価（JSON）')
    expect(detailLabel('evaluation.open', 'midyear', tEn)).toBe('Mid-year evaluation')
    // The plan's own details are read as before.
    expect(detailLabel('sheet.version', `v2 sha256=${hash}`, tJa)).toBe('v2（SHA-256 ab12cd34ef56…）')
    expect(detailLabel('sheet.reopen', 'revision 3', tJa)).toBe('改訂 3')
    expect(detailLabel('sheet.return', '表現を直してください', tJa)).toBe('表現を直してください')
    expect(detailLabel('evaluation.open', null, tJa)).toBe('')
  })
})
