import { newRowId, SHEET_FORMAT } from '@hoshin/sheet'

/**
 * What staff do to an exported file before they import it back: delete rows, add rows (without the hidden
 * id, or by copying a row, id and all), leave the rank column blank or stale. None of that is refused: the
 * rows are taken in the file's order and ranked 1..n, ids are kept where present and new where absent
 * (or where a copied row repeats one).
 */
export function rerank(raw: unknown): unknown {
  if (!isObject(raw)) return raw
  const out: Record<string, unknown> = { ...raw }
  const fix = (rows: unknown, ranked: boolean): unknown => {
    if (!Array.isArray(rows)) return rows
    const seen = new Set<string>()
    return rows.map((row, i) => {
      if (!isObject(row)) return row
      const fixed: Record<string, unknown> = { ...row }
      const id = typeof row.id === 'string' ? row.id.trim() : ''
      fixed.id = id && !seen.has(id) ? id : newRowId()
      seen.add(fixed.id as string)
      if (ranked) fixed.rank = i + 1
      // A row added by hand to a v2 file without the (empty) indicators list: it has none ([S18]).
      if (ranked && raw.format === SHEET_FORMAT && !('indicators' in row)) fixed.indicators = []
      // An indicator added by hand without an id (or copied with its id) gets a new one, as rows do.
      if (ranked && Array.isArray(row.indicators)) {
        const own = new Set<string>()
        fixed.indicators = row.indicators.map((indicator) => {
          if (!isObject(indicator)) return indicator
          const written = typeof indicator.id === 'string' ? indicator.id.trim() : ''
          const id = written && !own.has(written) ? written : newRowId()
          own.add(id)
          return { ...indicator, id }
        })
      }
      return fixed
    })
  }
  out.issues = fix(raw.issues, false)
  if (isObject(raw.policies)) out.policies = { ...raw.policies, annual: fix(raw.policies.annual, false), longTerm: fix(raw.policies.longTerm, false) }
  out.measures = fix(raw.measures, true)
  out.projects = fix(raw.projects, true)
  return out
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const parts: Record<string, string> = {
  issues: '解決すべき行政課題',
  annual: '単年度方針',
  longTerm: '中長期方針',
  measures: '施策',
  projects: '事務事業',
}

const columns: Record<string, Record<string, string>> = {
  issues: { text: '課題', id: '行の識別子' },
  annual: { text: '方針', id: '行の識別子' },
  longTerm: { text: '方針', outcome: '目指す姿', id: '行の識別子' },
  measures: { rank: '重要度順位', name: '施策名', content: '施策の内容', sections: '担当係名', partners: '連携課名', id: '行の識別子' },
  projects: { rank: '重要度順位', name: '事務事業名', content: '事務事業の内容', sections: '担当係名', partners: '連携課名', budget: '事業費', id: '行の識別子' },
}

const topLevel: Record<string, string> = {
  format: '形式（format）',
  department: '課',
  fiscalYear: '年度',
  situation: '現状',
  issues: '解決すべき行政課題',
  policies: '課等の方針',
  measures: '施策',
  projects: '事務事業',
}

/** A row's name as staff know it: the name, or the start of its text. */
function rowName(row: unknown): string {
  if (!isObject(row)) return ''
  const name = typeof row.name === 'string' && row.name.trim() ? row.name : typeof row.text === 'string' ? row.text : ''
  const flat = name.replace(/\s+/g, ' ').trim()
  return [...flat].length > 30 ? `${[...flat].slice(0, 30).join('')}…` : flat
}

/**
 * Where in the file a problem is, as staff count it: 事務事業 行 3「国勢調査他統計調査業務」の 事業費
 * (rows 1-based, with the row's name, the column in Japanese), for a path into the sheet such as
 * projects.2.budget. `sheet` is what was read (for the row's name).
 */
export function placeOf(sheet: unknown, path: readonly (string | number)[]): string {
  const [first, second, third, fourth] = path
  let list: string | undefined
  let index: unknown
  let field: unknown
  let rows: unknown
  if (first === 'policies' && (second === 'annual' || second === 'longTerm')) {
    list = second
    index = third
    field = fourth
    rows = isObject(sheet) && isObject(sheet.policies) ? sheet.policies[second] : undefined
  } else if (typeof first === 'string' && first in parts) {
    list = first
    index = second
    field = third
    rows = isObject(sheet) ? sheet[first] : undefined
  }
  if (!list || typeof index !== 'number') return topLevel[String(first)] ?? String(path.join('.') || '本文')
  const row = Array.isArray(rows) ? rows[index] : undefined
  const name = rowName(row)
  const place = `${parts[list]} 行 ${index + 1}${name ? `「${name}」` : ''}`
  if (field === 'indicators' && (list === 'measures' || list === 'projects')) {
    // 施策 行 3「子育て支援」の 成果指標 1「出生数」の 目標値 ([S18]).
    const [, , , n, column] = path
    if (typeof n !== 'number') return `${place}の 成果指標`
    const indicators = isObject(row) && Array.isArray(row.indicators) ? row.indicators : []
    const indicatorName = rowName(indicators[n])
    const head = typeof column === 'string' ? (indicatorColumns[column] ?? column) : ''
    return `${place}の 成果指標 ${n + 1}${indicatorName ? `「${indicatorName}」` : ' '}${head ? `の ${head}` : ''}`.trimEnd()
  }
  const column = typeof field === 'string' ? (columns[list]?.[field] ?? field) : ''
  return `${place}${column ? `の ${column}` : ''}`
}

/** The columns of an indicator ([S18]), as the 成果指標 worksheet heads them. */
export const indicatorColumns: Record<string, string> = {
  name: '指標名',
  unit: '単位',
  kind: '種別',
  baseline: '基準値',
  baselineYear: '基準年度',
  target: '目標値',
  longTermTarget: '長期目標値',
  source: '出典',
  id: '指標の識別子',
}

const indicatorNumbers = new Set(['baseline', 'target', 'longTermTarget'])

/** A problem with one indicator's field, when the path is one ([S18]). */
function indicatorProblem(issue: { code: string; path?: readonly PropertyKey[]; message?: string }): string | undefined {
  const path = issue.path ?? []
  if (path[2] !== 'indicators' || typeof path[3] !== 'number') return undefined
  const field = path[4]
  if (typeof field !== 'string') return issue.code === 'unrecognized_keys' ? '成果指標に知らない項目が含まれています。' : '成果指標の形式が正しくありません。'
  const column = indicatorColumns[field] ?? field
  if (indicatorNumbers.has(field)) {
    return issue.code === 'invalid_type' ? `${column}は数値で入力してください（例: 1,200 / 45.5 / △3）。` : `${column}が大きすぎるか、小さすぎます。`
  }
  switch (field) {
    case 'name':
      return issue.code === 'too_big' ? '指標名は200文字までです。' : '指標名を入力してください。'
    case 'unit':
      return issue.code === 'too_big' ? '単位は20文字までです。' : '単位は文字で入力してください。'
    case 'kind':
      return '種別は「成果」（outcome）か「活動」（activity）です。'
    case 'baselineYear':
      return '基準年度は西暦の年（例: 2024）で入力してください。'
    case 'source':
      return issue.code === 'too_big' ? '出典は1,000文字までです。' : '出典は文字で入力してください。'
    case 'id':
      return issue.code === 'custom' ? '同じ行に同じ識別子の成果指標が二つあります。' : '指標の識別子が正しくありません。'
    default:
      return undefined
  }
}

/** A schema problem in words staff understand (zod's own messages are English and technical). */
export function problemOf(issue: { code: string; path?: readonly PropertyKey[]; expected?: unknown; message?: string } | undefined): string {
  const indicator = issue && indicatorProblem(issue)
  if (indicator) return indicator
  if (issue?.path?.at(-1) === 'budget') {
    // zod says invalid_type both for text and for a fraction (expected "int").
    return issue.code === 'invalid_type' && issue.expected !== 'int'
      ? '事業費は数字で入力してください（例: 34,010 / △54,317）。'
      : '事業費は千円単位の整数で、大きすぎない額にしてください。'
  }
  switch (issue?.code) {
    case 'too_big':
      return '長すぎるか、多すぎます。'
    case 'too_small':
      return '入力されていないか、小さすぎます。'
    case 'invalid_type':
      return '形式が正しくありません（文字・数字の種類が違います）。'
    case 'unrecognized_keys':
      return '知らない項目が含まれています。'
    default:
      return '内容が正しくありません。'
  }
}
