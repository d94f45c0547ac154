import type { EvaluationRowView, SheetSummary, VersionResponse, VersionSummary } from '@hoshin/protocol'
import {
  budgetTotal,
  type EvaluationKind,
  evaluationKindLabels,
  evaluationStatusLabels,
  FORM_PROJECT_ROWS,
  fiscalYearLabel,
  formatBudget,
  formatIndicatorNumber,
  type Indicator,
  type Sheet,
  SHEET_FORMAT_V1,
  type SheetHeaderInput,
  type SheetV1,
  sheetHeaderFields,
  townDateJa,
  upgradeSheetV1,
} from '@hoshin/sheet'
import { type ReactNode, useEffect, useId, useState } from 'react'
import { Navigate, useLocation, useParams, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { townTimeZone } from '../../app/town-zone'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useDepartmentNames } from '../../editor/useDepartmentNames'
import { useI18n } from '../../i18n/I18nProvider'
import { PrintKpi, PrintPlanLinks } from '../plan/PrintPlanLinks'
import { useAuth } from '../auth/AuthProvider'

/** The day in the town's time zone, whatever this PC's clock zone is. */
function day(iso: string): string {
  return townDateJa(iso, townTimeZone())
}

/** A string for CSS `content`, quotes and backslashes escaped. */
function cssString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** The footer of an approved version: 承認済 v2（2026年5月29日）. */
export function versionFooter(v: { number: number; approvedAt: string }): string {
  return `承認済 v${v.number}（${day(v.approvedAt)}）`
}

/** The header of an approved version: its 課長 and 職員数 as recorded at approval (the approver for older ones). */
export function versionHeader(v: VersionSummary): SheetHeaderInput {
  return { headName: v.headName ?? v.approvedBy.name, staffCount: v.staffCount, approvedAt: v.approvedAt }
}

/**
 * Whether this browser prints CSS page-margin boxes (`@bottom-left { content: … }`). Chromium shipped them in
 * 131, together with the `CSSMarginRule` interface of the CSSOM; Edge and Chrome before 131 (still on many
 * LGWAN PCs) and Firefox have neither, and silently print no footer at all. Feature detection, not the
 * browser's version: a build with the interface is a build with the boxes.
 */
export function supportsPageMarginBoxes(): boolean {
  return typeof window !== 'undefined' && 'CSSMarginRule' in window
}

/**
 * A4 landscape with this footer at the bottom left and page numbers at the bottom right.
 *
 * Without page-margin boxes the footer is a running element instead (PrintFrame): an element with
 * `position: fixed` is printed by Blink (Chrome, Edge) at the same place on every page, so it carries the
 * department and the state at the foot of each page. It cannot sit in the page margin (a negative offset is
 * clipped, on the first page at least), so it sits at the bottom of the page area, over a strip that a
 * table footer keeps free on every page: a `tfoot` repeats at the foot of each printed page of its table,
 * and the whole print is one table whose footer is an empty spacer as tall as the running footer. Those
 * browsers cannot count pages in CSS anywhere but in margin boxes (`counter(page)` is 0 elsewhere), so the
 * page x/y comes from their own print header and footer (「ヘッダーとフッター」, on by default; "1/3" at the
 * bottom right): the document's title is set to the footer while the page is shown, so their header names
 * the department and state too. Where margin boxes print, they are used and nothing else is added.
 */
export function PrintStyle({ footer }: { footer: string }) {
  const [boxes] = useState(supportsPageMarginBoxes)
  useEffect(() => {
    if (boxes) return
    const before = document.title
    document.title = footer
    return () => {
      document.title = before
    }
  }, [boxes, footer])
  if (boxes) {
    return (
      <style>{`@page { size: A4 landscape; margin: 12mm 10mm 14mm;
        @bottom-left { content: ${cssString(footer)}; font-size: 8pt; }
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }`}</style>
    )
  }
  return (
    <>
      <style>{'@page { size: A4 landscape; margin: 12mm 10mm 14mm; }'}</style>
      <div className="print-running-footer" data-testid="print-running-footer">
        {footer}
      </div>
    </>
  )
}

/**
 * What is printed, with the strip PrintStyle's running footer needs at the foot of every page when the
 * browser has no page-margin boxes (a repeated table footer); as it is elsewhere.
 */
export function PrintFrame({ children }: { children: ReactNode }) {
  const [boxes] = useState(supportsPageMarginBoxes)
  if (boxes) return <>{children}</>
  return (
    <table className="print-frame" role="presentation">
      <tfoot>
        <tr>
          <td>
            <div className="print-frame-spacer" />
          </td>
        </tr>
      </tfoot>
      <tbody>
        <tr>
          <td>{children}</td>
        </tr>
      </tbody>
    </table>
  )
}

/** A sheet in today's format: an approved version is served as stored, maybe as v1 without indicators ([S19]). */
export function currentSheet(sheet: Sheet | SheetV1): Sheet {
  return sheet.format === SHEET_FORMAT_V1 ? upgradeSheetV1(sheet as SheetV1) : (sheet as Sheet)
}

/** Multi-line text as lines (the model joins paragraphs with "\n"). */
function Lines({ text }: { text: string }) {
  return (
    <>
      {text.split('\n').map((line, i) => (
        <span key={i} className="line">
          {line}
        </span>
      ))}
    </>
  )
}

function Names({ names }: { names: readonly string[] }) {
  return (
    <>
      {names.map((name) => (
        <span key={name} className="line">
          {name}
        </span>
      ))}
    </>
  )
}

/** 2025-09-30 → 2025年9月30日: an actual's day, a calendar date (no time zone). */
export function dayOf(date: string | null): string {
  if (!date) return ''
  const [y, m, d] = date.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/** 45（令和6年度）: the baseline with its year, as Tottori's 工程表 prints it. */
function baselineText(indicator: Indicator): string {
  const value = formatIndicatorNumber(indicator.baseline)
  if (indicator.baselineYear === null) return value
  return `${value}（${fiscalYearLabel(indicator.baselineYear)}）`
}

/** What the print shows of an evaluation: its kind and one row per measure and project ([S20]). */
export interface PrintedEvaluation {
  kind: EvaluationKind
  rows: readonly EvaluationRowView[]
}

/**
 * A row's 成果指標 as a small table under the row (指標名, 単位, 基準値（年度）, 目標値, 長期目標), with the
 * 実績値 and its day beside each when an evaluation is printed.
 */
function IndicatorTable({ rowName, indicators, evaluation, year }: { rowName: string; indicators: readonly Indicator[]; evaluation?: EvaluationRowView | null; year: number }) {
  const actuals = new Map((evaluation?.actuals ?? []).map((a) => [a.indicatorId, a]))
  return (
    <table className="print-indicators">
      <caption className="visually-hidden">「{rowName}」の成果指標</caption>
      <thead>
        <tr>
          <th scope="col">成果指標</th>
          <th scope="col" className="unit-col">
            単位
          </th>
          <th scope="col" className="number">
            基準値（年度）
          </th>
          <th scope="col" className="number">
            目標値
          </th>
          <th scope="col" className="number">
            長期目標
          </th>
          {evaluation !== undefined && (
            <>
              <th scope="col" className="number">
                実績値
              </th>
              <th scope="col" className="date">
                時点
              </th>
            </>
          )}
        </tr>
      </thead>
      <tbody>
        {indicators.map((indicator) => {
          const actual = actuals.get(indicator.id)
          return (
            <tr key={indicator.id}>
              <th scope="row">
                <Lines text={indicator.name} />
                {indicator.kind === 'activity' && <span className="indicator-kind">（活動）</span>}
                <PrintKpi kpi={indicator.kpi} year={year} />
              </th>
              <td className="unit-col">{indicator.unit}</td>
              <td className="number">{baselineText(indicator)}</td>
              <td className="number">{formatIndicatorNumber(indicator.target)}</td>
              <td className="number">{formatIndicatorNumber(indicator.longTermTarget)}</td>
              {evaluation !== undefined && (
                <>
                  <td className="number actual">{formatIndicatorNumber(actual?.value ?? null)}</td>
                  <td className="date">{dayOf(actual?.date ?? null)}</td>
                </>
              )}
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** 評価, 実績, 課題・改善 of one row: cells beside the row's own. */
function EvaluationCells({ row }: { row: EvaluationRowView | null }) {
  return (
    <>
      <td className={`evaluation-status ${row?.status ? `status-${row.status}` : 'status-none'}`}>{row?.status ? evaluationStatusLabels[row.status] : '（未評価）'}</td>
      <td>
        <Lines text={row?.done ?? ''} />
      </td>
      <td>
        <Lines text={row?.next ?? ''} />
      </td>
    </>
  )
}

/**
 * The sheet as it prints: SheetView's five parts in the printed order with each measure's and project's
 * 成果指標 in a small table under its row ([S18]); given an evaluation, its 評価, 実績 and 課題・改善 beside
 * each row and the 実績値 beside each indicator (「方針（年度評価）」, [S20]). The document's words stay
 * Japanese in every language, as SheetView's do.
 */
export function PrintedSheet({
  sheet,
  evaluation,
  header,
  blankRows = false,
}: {
  sheet: Sheet
  evaluation?: PrintedEvaluation
  /** The form's header fields (課長名, 職員数, 予算規模, 承認日); none when not given. */
  header?: SheetHeaderInput
  /** Blank 事務事業 rows up to the form's 15, so the print matches the paper form. */
  blankRows?: boolean
}) {
  const { t } = useI18n()
  const partnerName = useDepartmentNames()
  const ids = { situation: useId(), issues: useId(), policies: useId(), measures: useId(), projects: useId() }
  const total = budgetTotal(sheet.projects)
  const rows = new Map((evaluation?.rows ?? []).map((r) => [r.rowId, r]))
  const evaluated = (rowId: string) => (evaluation ? (rows.get(rowId) ?? null) : undefined)
  const extra = evaluation ? 3 : 0
  const indicatorsRow = (rowId: string, name: string, indicators: readonly Indicator[] | undefined, span: number): ReactNode =>
    indicators?.length ? (
      <tr className="print-indicator-row">
        <td className="rank" />
        <td colSpan={span}>
          <IndicatorTable rowName={name} indicators={indicators} evaluation={evaluated(rowId)} year={sheet.fiscalYear} />
        </td>
      </tr>
    ) : null
  const evaluationHeads = evaluation ? (
    <>
      <th scope="col" className="evaluation-status">
        評価
      </th>
      <th scope="col" className="evaluation-text">
        実績
      </th>
      <th scope="col" className="evaluation-text">
        課題・改善
      </th>
    </>
  ) : null

  return (
    <article className={`sheet printed-sheet${evaluation ? ' printed-evaluation' : ''}`} lang="ja">
      <header className="sheet-title">
        <h1>
          <span>
            {fiscalYearLabel(sheet.fiscalYear)} 課等の方針{evaluation ? `（年度評価）　${evaluationKindLabels[evaluation.kind]}` : ''}
          </span>
          <span className="sheet-department">{sheet.department.name}</span>
        </h1>
        {header && (
          <dl className="print-header-fields" data-testid="print-header-fields">
            {sheetHeaderFields(sheet, header, townTimeZone()).map((field) => (
              <div key={field.label}>
                <dt>{field.label}</dt>
                <dd>{field.value}</dd>
              </div>
            ))}
          </dl>
        )}
      </header>

      <section aria-labelledby={ids.situation}>
        <h2 id={ids.situation}>■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）</h2>
        <div className="situation">
          {sheet.situation.split('\n').map((paragraph, i) => (
            <p key={i}>{paragraph}</p>
          ))}
        </div>
      </section>

      <section aria-labelledby={ids.issues}>
        <h2 id={ids.issues}>■解決すべき行政課題（現状の問題等点）</h2>
        <ol className="numbered">
          {sheet.issues.map((issue) => (
            <li key={issue.id}>
              <Lines text={issue.text} />
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby={ids.policies}>
        <h2 id={ids.policies}>■課題解決のための課等の方針（単年度方針と中長期方針）</h2>
        <div className="policies">
          <div>
            <h3>【単年度方針】</h3>
            <ol className="numbered">
              {sheet.policies.annual.map((policy) => (
                <li key={policy.id}>
                  <Lines text={policy.text} />
                </li>
              ))}
            </ol>
          </div>
          <div>
            <h3>【中長期方針】</h3>
            <ol className="numbered">
              {sheet.policies.longTerm.map((policy) => (
                <li key={policy.id}>
                  {policy.text}
                  <span aria-hidden="true">→</span>
                  <span className="visually-hidden">（成果）</span>
                  {policy.outcome}
                </li>
              ))}
            </ol>
          </div>
        </div>
      </section>

      <section aria-labelledby={ids.measures}>
        <h2 id={ids.measures}>■今年度の課における施策（重要度順）</h2>
        <table className="ranked">
          <caption className="visually-hidden">施策（重要度順）</caption>
          <thead>
            <tr>
              <th scope="col" className="rank">
                重要度順位
              </th>
              <th scope="col">施策名</th>
              <th scope="col">施策の内容</th>
              <th scope="col">担当係名</th>
              <th scope="col">連携課名</th>
              {evaluationHeads}
            </tr>
          </thead>
          {sheet.measures.map((m) => (
            <tbody key={m.id} className="print-row">
              <tr>
                <td className="rank">{m.rank}</td>
                <th scope="row">
                  <Lines text={m.name} />
                  <PrintPlanLinks links={m.planLinks} year={sheet.fiscalYear} />
                </th>
                <td>
                  <Lines text={m.content} />
                </td>
                <td>
                  <Names names={m.sections} />
                </td>
                <td>
                  <Names names={m.partners.map(partnerName)} />
                </td>
                {evaluation && <EvaluationCells row={rows.get(m.id) ?? null} />}
              </tr>
              {indicatorsRow(m.id, m.name, m.indicators, 4 + extra)}
            </tbody>
          ))}
        </table>
      </section>

      <section aria-labelledby={ids.projects}>
        <h2 id={ids.projects}>
          ■今年度の課における事務事業（重要度順）<span className="unit">（単位：千円）</span>
        </h2>
        <table className="ranked projects">
          <caption className="visually-hidden">事務事業（重要度順）（単位：千円）</caption>
          <thead>
            <tr>
              <th scope="col" className="rank">
                重要度順位
              </th>
              <th scope="col">事務事業名</th>
              <th scope="col">事務事業の内容</th>
              <th scope="col">担当係名</th>
              <th scope="col" className="budget">
                事業費
              </th>
              {evaluationHeads}
            </tr>
          </thead>
          {sheet.projects.map((p) => (
            <tbody key={p.id} className="print-row">
              <tr>
                <td className="rank">{p.rank}</td>
                <th scope="row">
                  <Lines text={p.name} />
                  <PrintPlanLinks links={p.planLinks} year={sheet.fiscalYear} />
                </th>
                <td>
                  <Lines text={p.content} />
                </td>
                <td>
                  <Names names={[...p.sections, ...p.partners.map(partnerName)]} />
                </td>
                <td className="budget">{p.budget === null ? '' : formatBudget(p.budget)}</td>
                {evaluation && <EvaluationCells row={rows.get(p.id) ?? null} />}
              </tr>
              {indicatorsRow(p.id, p.name, p.indicators, 4 + extra)}
            </tbody>
          ))}
          {blankRows && sheet.projects.length < FORM_PROJECT_ROWS && (
            // The paper form's empty rows (the seed's 14 and 15): numbered, nothing in them, silent for screen readers.
            <tbody className="print-blank-rows" aria-hidden="true">
              {Array.from({ length: FORM_PROJECT_ROWS - sheet.projects.length }, (_, i) => (
                <tr key={i} className="print-blank-row">
                  <td className="rank">{sheet.projects.length + i + 1}</td>
                  <td />
                  <td />
                  <td />
                  <td className="budget" />
                  {evaluation && <td colSpan={3} />}
                </tr>
              ))}
            </tbody>
          )}
          <tfoot>
            <tr>
              <th scope="row" colSpan={4} className="total-label">
                {t('sheet.total')}
              </th>
              <td className="budget total" data-testid="budget-total">
                {formatBudget(total)}
              </td>
              {evaluation && <td colSpan={3} />}
            </tr>
          </tfoot>
        </table>
      </section>
    </article>
  )
}

/**
 * The official print layout on A4 landscape: the sheet as the town publishes it, with the version (or
 * 作成中 and the date) and page numbers in the footer. "PDF" prints it with the browser's own
 * "PDF に保存": the same bundled fonts on every PC, and no PDF engine needed on the town's server.
 */
export function PrintPage() {
  const { id = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const version = params.get('version')
  const { t } = useI18n()
  const { state } = useAuth()
  const location = useLocation()
  const errorMessage = useErrorMessage()
  const [data, setData] = useState<{ sheet: Sheet; footer: string; header: SheetHeaderInput } | null>(null)
  // A print option: blank rows up to the form's 15 (kept in the address, so a town can bookmark it).
  const blankRows = params.get('blank') === '1'
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (state.status !== 'signedIn') return
    let cancelled = false
    const base = `/api/sheets/${encodeURIComponent(id)}`
    const load = version
      ? api<VersionResponse>(`${base}/versions/${encodeURIComponent(version)}`).then((v) => ({
          sheet: currentSheet(v.sheet as Sheet | SheetV1),
          footer: versionFooter(v),
          header: versionHeader(v),
        }))
      : Promise.all([api<SheetSummary>(base), api<Sheet>(`${base}/export.json`)]).then(([summary, sheet]) => {
          const approved = summary.status === 'approved' ? summary.latestVersion : null
          return {
            sheet: currentSheet(sheet),
            footer: approved ? versionFooter(approved) : `作成中（${day(new Date().toISOString())} 時点）`,
            header: approved ? versionHeader(approved) : { ...summary.header, approvedAt: null },
          }
        })
    load.then(
      (d) => !cancelled && setData(d),
      (e: unknown) => !cancelled && setError(e),
    )
    return () => {
      cancelled = true
    }
  }, [id, version, state.status])

  if (state.status === 'loading') return null
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  if (error) return <p role="alert">{errorMessage(error)}</p>
  if (!data) return <p>{t('loading')}</p>
  return (
    <main id="main" className="print-page">
      <PrintStyle footer={`${data.sheet.department.name}　${data.footer}`} />
      <p className="print-actions">
        <button type="button" className="primary" onClick={() => window.print()}>
          {t('print.pdf')}
        </button>
        <span className="muted">{t('print.hint')}</span>
        <label className="print-option">
          <input
            type="checkbox"
            checked={blankRows}
            onChange={(e) => {
              const checked = e.currentTarget.checked
              setParams(
                (p) => {
                  const next = new URLSearchParams(p)
                  if (checked) next.set('blank', '1')
                  else next.delete('blank')
                  return next
                },
                { replace: true },
              )
            }}
          />{' '}
          {t('print.blankRows')}
        </label>
        {!supportsPageMarginBoxes() && <span className="muted">{t('print.footerFallback')}</span>}
      </p>
      <PrintFrame>
        <PrintedSheet sheet={data.sheet} header={data.header} blankRows={blankRows} />
      </PrintFrame>
    </main>
  )
}
