import {
  budgetTotal,
  type EvaluationKind,
  evaluationKindLabels,
  type EvaluationRow,
  evaluationStatusLabels,
  fiscalYearLabel,
  formatBudget,
  formatIndicatorNumber,
  type Indicator,
  type Sheet,
  townDateJa,
  townIsoDate,
} from '@hoshin/sheet'

/**
 * The sheet as the town publishes it on its website: one self-contained HTML page per approved version,
 * for the town's CMS as it is. JIS X 8341-3 AA applies there, so the page is plain, ordered markup — one
 * h1, the five parts as h2 in the printed order, data tables with th/scope and captions — with no script
 * and nothing loaded from anywhere (styles in one <style> element, fonts the PC's own), and the version's
 * SHA-256 in the footer so anyone can check it against the approved JSON. Pure: strings in, string out.
 */

/** The five parts' headings, as the printed sheet and the Excel export write them. */
export const partHeadings = {
  situation: '■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）',
  issues: '■解決すべき行政課題（現状の問題等点）',
  policies: '■課題解決のための課等の方針（単年度方針と中長期方針）',
  measures: '■今年度の課における施策（重要度順）',
  projects: '■今年度の課における事務事業（重要度順）（単位：千円）',
} as const

export interface PublishedVersion {
  number: number
  sha256: string
  approvedAt: string
  /** The form's header fields as they were at approval (課長名, 職員数), when the version carries them. */
  headName?: string | null
  staffCount?: number | null
}

/** An approved 中間評価 or 年度末評価 of the version: its rows and its own hash ([S20]). */
export interface PublishedEvaluation {
  kind: EvaluationKind
  rows: readonly EvaluationRow[]
  sha256: string
  approvedAt: string
}

export interface PublicationInput {
  /** The approved content, its 連携課 already as names (withPartnerNames). */
  sheet: Sheet
  version: PublishedVersion
  department: { id: string; name: string }
  fiscalYear: number
  /** Approved evaluations of this version, 中間評価 before 年度末評価. */
  evaluations?: readonly PublishedEvaluation[]
  /** The town's time zone (HOSHIN_TIME_ZONE): approval days are the town's. */
  timeZone: string
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Every text that reaches the page goes through here, attribute values included. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!)
}

/**
 * Inline styles only: no url(), no @import, no web font (LGWAN, and a CMS page must not depend on this
 * server). BIZ UDPGothic is named first for PCs that have it installed, as town PCs often do.
 */
const STYLE = `
:root { color: #1a1a1a; background: #ffffff; }
body { margin: 0 auto; max-width: 80rem; padding: 1rem 1.5rem 2rem; font-family: "BIZ UDPGothic", "BIZ UDPゴシック", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif; font-size: 1rem; line-height: 1.7; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0.75rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 0.75rem; padding-bottom: 0.2rem; border-bottom: 2px solid #1f4e79; }
h3 { font-size: 1rem; margin: 1rem 0 0.25rem; }
p { margin: 0 0 0.5rem; }
ol { margin: 0; padding-left: 2em; }
li { margin: 0.15rem 0; }
a { color: #0b57d0; }
table { border-collapse: collapse; width: 100%; margin: 0.25rem 0 0.5rem; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border: 1px solid #6b7280; padding: 0.35rem 0.5rem; vertical-align: top; text-align: left; }
thead th { background: #e8eef5; font-weight: bold; }
tbody th { font-weight: bold; }
tfoot th, tfoot td { font-weight: bold; background: #f3f4f6; }
.rank { text-align: center; white-space: nowrap; width: 4.5em; }
.number { text-align: right; white-space: nowrap; }
.line { display: block; }
.names { min-width: 6.5em; }
.indicators { margin: 0; font-size: 0.92rem; }
.indicators caption { font-size: 0.92rem; }
.summary { display: flex; flex-wrap: wrap; gap: 0.25rem 2rem; margin: 0 0 1rem; }
.summary div { display: flex; gap: 0.5rem; }
.summary dt { font-weight: bold; }
.summary dd { margin: 0; }
footer { margin-top: 2.5rem; padding-top: 0.75rem; border-top: 1px solid #6b7280; font-size: 0.9rem; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.5rem 0; }
footer dt { font-weight: bold; }
footer dd { margin: 0; }
code { font-family: "BIZ UDGothic", "Consolas", monospace; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`
}

/** Multi-line text ([S2]: paragraphs joined by "\n") as one block per line. */
function lines(text: string): string {
  return text
    .split('\n')
    .map((line) => `<span class="line">${escapeHtml(line)}</span>`)
    .join('')
}

function names(list: readonly string[]): string {
  return list.map((name) => `<span class="line">${escapeHtml(name)}</span>`).join('')
}

/** An approval day as the town reads it, machine-readable too. */
function day(moment: string, timeZone: string): string {
  return `<time datetime="${townIsoDate(moment, timeZone)}">${escapeHtml(townDateJa(moment, timeZone))}</time>`
}

/** 2025-09-30 → 2025年9月30日 (an actual's day is a calendar date, no time zone). */
function calendarDay(date: string | null): string {
  if (!date) return ''
  const [y, m, d] = date.split('-').map(Number)
  return `<time datetime="${escapeHtml(date)}">${y}年${m}月${d}日</time>`
}

function baselineText(indicator: Indicator): string {
  const value = formatIndicatorNumber(indicator.baseline)
  if (indicator.baselineYear === null) return value
  return `${value}（${fiscalYearLabel(indicator.baselineYear)}）`
}

const th = (text: string, className?: string) => `<th scope="col"${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</th>`

/** A row's 成果指標 under it, with each evaluation's 実績値 and its day beside each indicator. */
function indicatorTable(rowName: string, rowId: string, indicators: readonly Indicator[], evaluations: readonly PublishedEvaluation[]): string {
  const actuals = evaluations.map((e) => new Map((e.rows.find((r) => r.rowId === rowId)?.actuals ?? []).map((a) => [a.indicatorId, a])))
  const head = [
    th('成果指標'),
    th('単位'),
    th('基準値（年度）', 'number'),
    th('目標値', 'number'),
    th('長期目標', 'number'),
    ...evaluations.flatMap((e) => [th(`実績値（${evaluationKindLabels[e.kind]}）`, 'number'), th(`時点（${evaluationKindLabels[e.kind]}）`)]),
  ].join('')
  const body = indicators
    .map((indicator) => {
      const cells = [
        `<th scope="row">${lines(indicator.name)}${indicator.kind === 'activity' ? '（活動）' : ''}</th>`,
        `<td>${escapeHtml(indicator.unit)}</td>`,
        `<td class="number">${escapeHtml(baselineText(indicator))}</td>`,
        `<td class="number">${escapeHtml(formatIndicatorNumber(indicator.target))}</td>`,
        `<td class="number">${escapeHtml(formatIndicatorNumber(indicator.longTermTarget))}</td>`,
        ...actuals.flatMap((byId) => {
          const actual = byId.get(indicator.id)
          return [`<td class="number">${escapeHtml(formatIndicatorNumber(actual?.value ?? null))}</td>`, `<td>${calendarDay(actual?.date ?? null)}</td>`]
        }),
      ]
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  return `<table class="indicators">
<caption>「${escapeHtml(rowName)}」の成果指標</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>`
}

function evaluationHeads(evaluations: readonly PublishedEvaluation[]): string {
  return evaluations
    .map((e) => {
      const kind = evaluationKindLabels[e.kind]
      return th(`評価（${kind}）`) + th(`実績（${kind}）`) + th(`課題・改善（${kind}）`)
    })
    .join('')
}

function evaluationCells(rowId: string, evaluations: readonly PublishedEvaluation[]): string {
  return evaluations
    .map((e) => {
      const row = e.rows.find((r) => r.rowId === rowId)
      const status = row?.status ? evaluationStatusLabels[row.status] : '（未評価）'
      return `<td>${escapeHtml(status)}</td><td>${lines(row?.done ?? '')}</td><td>${lines(row?.next ?? '')}</td>`
    })
    .join('')
}

interface RankedRow {
  id: string
  rank: number
  name: string
  indicators: readonly Indicator[]
}

/** One ranked row, then its 成果指標 in a row of their own below it. */
function rankedRow(row: RankedRow, cells: string, columns: number, evaluations: readonly PublishedEvaluation[]): string {
  const main = `<tr><td class="rank">${row.rank}</td><th scope="row">${lines(row.name)}</th>${cells}${evaluationCells(row.id, evaluations)}</tr>`
  if (!row.indicators.length) return main
  return `${main}\n<tr><td class="rank"></td><td colspan="${columns - 1}">${indicatorTable(row.name, row.id, row.indicators, evaluations)}</td></tr>`
}

/** One department's approved sheet as a public page. */
export function publicationHtml(input: PublicationInput): string {
  const { sheet, version, department, fiscalYear, timeZone } = input
  const evaluations = input.evaluations ?? []
  const yearLabel = fiscalYearLabel(fiscalYear)
  const title = `${yearLabel} ${department.name} 課等の方針`
  const evaluationColumns = evaluations.length * 3

  const situation = sheet.situation
    .split('\n')
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('\n')
  const list = (items: readonly { text: string }[]) => `<ol>\n${items.map((item) => `<li>${lines(item.text)}</li>`).join('\n')}\n</ol>`
  const longTerm = `<ol>\n${sheet.policies.longTerm
    .map((p) => `<li>${escapeHtml(p.text)}<span aria-hidden="true"> → </span><span class="visually-hidden">（成果）</span>${escapeHtml(p.outcome)}</li>`)
    .join('\n')}\n</ol>`

  const measureColumns = 5 + evaluationColumns
  const measures = sheet.measures
    .map((m) => `<tbody>\n${rankedRow(m, `<td>${lines(m.content)}</td><td>${names(m.sections)}</td><td>${names(m.partners)}</td>`, measureColumns, evaluations)}\n</tbody>`)
    .join('\n')
  const projectColumns = 5 + evaluationColumns
  // As the print view: a project's 連携課 (the seed's 関係課) follow its sections in the 担当係名 column ([S12]).
  const projects = sheet.projects
    .map(
      (p) =>
        `<tbody>\n${rankedRow(
          p,
          `<td>${lines(p.content)}</td><td>${names([...p.sections, ...p.partners])}</td><td class="number">${p.budget === null ? '' : escapeHtml(formatBudget(p.budget))}</td>`,
          projectColumns,
          evaluations,
        )}\n</tbody>`,
    )
    .join('\n')
  const total = formatBudget(budgetTotal(sheet.projects))
  const evaluationNote = evaluations.length
    ? `<div><dt>評価</dt><dd>${evaluations.map((e) => `${escapeHtml(evaluationKindLabels[e.kind])}（${day(e.approvedAt, timeZone)} 承認）`).join('、')}</dd></div>`
    : ''

  const body = `<header>
<h1>${escapeHtml(title)}</h1>
<dl class="summary">
<div><dt>年度</dt><dd>${escapeHtml(yearLabel)}（${fiscalYear}年度）</dd></div>
<div><dt>課等名</dt><dd>${escapeHtml(department.name)}</dd></div>
${version.headName ? `<div><dt>課長名</dt><dd>${escapeHtml(version.headName)}</dd></div>\n` : ''}${typeof version.staffCount === 'number' ? `<div><dt>職員数</dt><dd>${version.staffCount}人</dd></div>\n` : ''}<div><dt>事業費の合計</dt><dd>${escapeHtml(total)} 千円</dd></div>
<div><dt>承認日</dt><dd>${day(version.approvedAt, timeZone)}</dd></div>
${evaluationNote}
</dl>
</header>
<main>
<section aria-labelledby="situation">
<h2 id="situation">${escapeHtml(partHeadings.situation)}</h2>
${situation}
</section>
<section aria-labelledby="issues">
<h2 id="issues">${escapeHtml(partHeadings.issues)}</h2>
${list(sheet.issues)}
</section>
<section aria-labelledby="policies">
<h2 id="policies">${escapeHtml(partHeadings.policies)}</h2>
<h3>【単年度方針】</h3>
${list(sheet.policies.annual)}
<h3>【中長期方針】</h3>
${longTerm}
</section>
<section aria-labelledby="measures">
<h2 id="measures">${escapeHtml(partHeadings.measures)}</h2>
<table>
<caption>施策（重要度順）</caption>
<thead><tr>${th('重要度順位', 'rank')}${th('施策名')}${th('施策の内容')}${th('担当係名', 'names')}${th('連携課名', 'names')}${evaluationHeads(evaluations)}</tr></thead>
${measures}
</table>
</section>
<section aria-labelledby="projects">
<h2 id="projects">${escapeHtml(partHeadings.projects)}</h2>
<table>
<caption>事務事業（重要度順）（単位：千円）</caption>
<thead><tr>${th('重要度順位', 'rank')}${th('事務事業名')}${th('事務事業の内容')}${th('担当係名', 'names')}${th('事業費（千円）', 'number')}${evaluationHeads(evaluations)}</tr></thead>
${projects}
<tfoot><tr><th scope="row" colspan="4">合計</th><td class="number">${escapeHtml(total)}</td>${evaluationColumns ? `<td colspan="${evaluationColumns}"></td>` : ''}</tr></tfoot>
</table>
</section>
</main>
<footer>
<p>${escapeHtml(department.name)}　${escapeHtml(yearLabel)} 課等の方針　承認済 第${version.number}版（${day(version.approvedAt, timeZone)} 承認）</p>
<dl>
<dt>承認日</dt><dd>${day(version.approvedAt, timeZone)}</dd>
<dt>版</dt><dd>v${version.number}</dd>
<dt>SHA-256</dt><dd><code>${escapeHtml(version.sha256)}</code></dd>
${evaluations
  .map((e) => {
    const kind = escapeHtml(evaluationKindLabels[e.kind])
    return `<dt>${kind}の承認日</dt><dd>${day(e.approvedAt, timeZone)}</dd>\n<dt>${kind}の SHA-256</dt><dd><code>${escapeHtml(e.sha256)}</code></dd>`
  })
  .join('\n')}
</dl>
<p>SHA-256 は承認された内容（正規化した JSON）から計算した値です。公開された内容が承認版と同じであることの確認に使えます。</p>
</footer>`
  return page(title, body)
}

export interface PublishedPage {
  department: { id: string; name: string }
  /** The page's file name in the bundle, linked relatively. */
  href: string
  version: PublishedVersion
}

/** The index of a fiscal year's bundle: every published department, in the town's order, linked by relative href. */
export function publicationIndexHtml(input: { fiscalYear: number; pages: readonly PublishedPage[]; generatedAt: string; timeZone: string }): string {
  const { fiscalYear, pages, generatedAt, timeZone } = input
  const yearLabel = fiscalYearLabel(fiscalYear)
  const title = `${yearLabel} 課等の方針`
  const rows = pages
    .map(
      (p) =>
        `<tr><th scope="row"><a href="${escapeHtml(p.href)}">${escapeHtml(p.department.name)}</a></th><td>v${p.version.number}</td><td>${day(p.version.approvedAt, timeZone)}</td><td><code>${escapeHtml(p.version.sha256)}</code></td></tr>`,
    )
    .join('\n')
  const body = `<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(yearLabel)}（${fiscalYear}年度）の各課等の方針です。課等名を選ぶと、その課等の方針を開きます。</p>
</header>
<main>
<table>
<caption>各課等の方針（${pages.length}課等）</caption>
<thead><tr>${th('課等名')}${th('版')}${th('承認日')}${th('SHA-256')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>
<footer>
<p>作成日 ${day(generatedAt, timeZone)}。SHA-256 は各課等の承認された内容（正規化した JSON）から計算した値です。</p>
</footer>`
  return page(title, body)
}
