import { formatBudget } from './budget.js'
import type { Sheet } from './schema.js'

/** One word-level piece of a text change: kept, removed or added. */
export interface TextPart {
  op: 'same' | 'del' | 'ins'
  text: string
}

/**
 * A change between two versions of a sheet, in the sheet's own terms ([S14]): which part, which row
 * (by its rank on each side), which field, from what to what, and a Japanese sentence for people.
 */
export interface SheetChange {
  part: 'situation' | 'issues' | 'annualPolicies' | 'longTermPolicies' | 'measures' | 'projects'
  kind: 'added' | 'removed' | 'moved' | 'changed'
  rowId?: string
  fromRank?: number
  toRank?: number
  field?: 'text' | 'outcome' | 'name' | 'content' | 'sections' | 'partners' | 'budget' | 'indicators' | 'planLinks'
  from?: string
  to?: string
  /** Word-level changes inside a text field. */
  parts?: TextPart[]
  /**
   * Where the change is, for people: the part, the row's rank and its name, and the field
   * (「事務事業 8 国勢調査他統計調査業務 ／ 事業費」). The rank tells two rows of the same name apart.
   */
  label: string
  /** `label`, then what changed: 「事務事業 8 国勢調査他統計調査業務 ／ 事業費: 10,182 → 12,000」. */
  summary: string
}

const partNames = {
  situation: '現状',
  issues: '行政課題',
  annualPolicies: '単年度方針',
  longTermPolicies: '中長期方針',
  measures: '施策',
  projects: '事務事業',
} as const

const fieldNames = {
  text: '内容',
  outcome: '成果',
  sections: '担当係名',
  partners: '連携課名',
  budget: '事業費',
  indicators: '成果指標',
  planLinks: '総合計画の施策',
} as const

/**
 * How a link to the comprehensive plan reads in a change ([S21]): 「1-2 移住定住の促進」. Without it (or for
 * an id the plan no longer has) the id itself is shown.
 */
export interface PlanLabels {
  measure?(id: string): string | undefined
  kpi?(id: string): string | undefined
}

/** A field's name as the sheet's column heads say it: 施策名, 事務事業の内容, 担当係名, 事業費. */
function fieldName(part: Exclude<SheetChange['part'], 'situation'>, field: NonNullable<SheetChange['field']>): string {
  if (field === 'name') return `${partNames[part]}名`
  if (field === 'content') return `${partNames[part]}の内容`
  return fieldNames[field]
}

/** Words of Japanese (and any) text, by Intl.Segmenter; punctuation and spaces are words of their own. */
function words(text: string): string[] {
  const segmenter = new Intl.Segmenter('ja', { granularity: 'word' })
  return Array.from(segmenter.segment(text), (s) => s.segment)
}

/** Word-level diff (longest common subsequence of words). */
export function diffText(from: string, to: string): TextPart[] {
  const a = words(from)
  const b = words(to)
  // Trim the common head and tail: edits are usually local, and the table below stays small.
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const x = a.slice(head, a.length - tail)
  const y = b.slice(head, b.length - tail)
  const table: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0))
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      table[i]![j] = x[i] === y[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  const parts: TextPart[] = []
  const push = (op: TextPart['op'], text: string) => {
    const last = parts.at(-1)
    if (last?.op === op) last.text += text
    else parts.push({ op, text })
  }
  if (head) push('same', a.slice(0, head).join(''))
  let i = 0
  let j = 0
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      push('same', x[i]!)
      i++
      j++
    } else if (j < y.length && (i === x.length || table[i]![j + 1]! >= table[i + 1]![j]!)) {
      push('ins', y[j]!)
      j++
    } else {
      push('del', x[i]!)
      i++
    }
  }
  if (tail) push('same', a.slice(a.length - tail).join(''))
  return parts
}

type Row = { id: string } & Partial<Record<'text' | 'outcome' | 'name' | 'content', string>> & {
  sections?: string[]
  partners?: string[]
  budget?: number | null
  planLinks?: string[]
}

function rowsOf(sheet: Sheet, part: Exclude<SheetChange['part'], 'situation'>): Row[] {
  if (part === 'annualPolicies') return sheet.policies.annual
  if (part === 'longTermPolicies') return sheet.policies.longTerm
  return sheet[part]
}

/** A row's name (or the first line of its text), cut short: the label must stay one readable line. */
function headline(row: Row): string {
  const line = ((row.name ?? row.text ?? '').split('\n')[0] ?? '').trim()
  return line.length > HEADLINE_MAX ? `${line.slice(0, HEADLINE_MAX)}…` : line
}

/** Characters of a row's name shown in a label (a 施策名 is rarely longer; a 行政課題 often is). */
const HEADLINE_MAX = 30

/** 「事務事業 8 国勢調査他統計調査業務」: part, rank and name; the rank alone tells equal names apart. */
function rowLabel(part: Exclude<SheetChange['part'], 'situation'>, rank: number, row: Row): string {
  const name = headline(row)
  return name ? `${partNames[part]} ${rank} ${name}` : `${partNames[part]} ${rank}`
}

const budgetText = (value: number | null | undefined) => (value === null || value === undefined ? '（空欄）' : formatBudget(value))

/** Field by field changes from `a` to `b` ([S14]). */
export function diffSheets(a: Sheet, b: Sheet, labels: PlanLabels = {}): SheetChange[] {
  const planName = (id: string) => labels.measure?.(id) ?? id
  const changes: SheetChange[] = []
  if (a.situation !== b.situation) {
    changes.push({
      part: 'situation',
      kind: 'changed',
      field: 'text',
      from: a.situation,
      to: b.situation,
      parts: diffText(a.situation, b.situation),
      label: '現状',
      summary: '現状: 文章が変更されました',
    })
  }
  for (const part of ['issues', 'annualPolicies', 'longTermPolicies', 'measures', 'projects'] as const) {
    const before = rowsOf(a, part)
    const after = rowsOf(b, part)
    const rankBefore = new Map(before.map((r, i) => [r.id, i + 1]))
    const rankAfter = new Map(after.map((r, i) => [r.id, i + 1]))
    for (const [i, row] of before.entries()) {
      if (!rankAfter.has(row.id)) {
        const label = rowLabel(part, i + 1, row)
        changes.push({ part, kind: 'removed', rowId: row.id, fromRank: i + 1, label, summary: `${label}: 削除` })
      }
    }
    for (const [j, row] of after.entries()) {
      const toRank = j + 1
      const fromRank = rankBefore.get(row.id)
      const label = rowLabel(part, toRank, row)
      if (fromRank === undefined) {
        changes.push({ part, kind: 'added', rowId: row.id, toRank, label, summary: `${label}: 追加` })
        continue
      }
      const old = before[fromRank - 1]!
      if (fromRank !== toRank) {
        changes.push({ part, kind: 'moved', rowId: row.id, fromRank, toRank, label, summary: `${label}: 順位 ${fromRank} → ${toRank}` })
      }
      const changed = (field: NonNullable<SheetChange['field']>, from: string, to: string, what: string, parts?: TextPart[]) => {
        const fieldLabel = `${label} ／ ${fieldName(part, field)}`
        changes.push({ part, kind: 'changed', rowId: row.id, fromRank, toRank, field, from, to, ...(parts ? { parts } : {}), label: fieldLabel, summary: `${fieldLabel}: ${what}` })
      }
      for (const field of ['name', 'text', 'outcome', 'content'] as const) {
        const x = old[field]
        const y = row[field]
        if (x === undefined || y === undefined || x === y) continue
        changed(field, x, y, `「${x}」→「${y}」`, diffText(x, y))
      }
      for (const field of ['sections', 'partners'] as const) {
        const x = (old[field] ?? []).join('、')
        const y = (row[field] ?? []).join('、')
        if (x !== y) changed(field, x, y, `${x || '（なし）'} → ${y || '（なし）'}`)
      }
      if (part === 'projects' && old.budget !== row.budget) {
        const x = budgetText(old.budget)
        const y = budgetText(row.budget)
        changed('budget', x, y, `${x} → ${y}`)
      }
      const linksBefore = old.planLinks ?? []
      const linksAfter = row.planLinks ?? []
      if (linksBefore.join('\u0000') !== linksAfter.join('\u0000')) {
        const x = linksBefore.map(planName).join('、')
        const y = linksAfter.map(planName).join('、')
        changed('planLinks', x, y, `${x || '（なし）'} → ${y || '（なし）'}`)
      }
    }
  }
  return changes
}
