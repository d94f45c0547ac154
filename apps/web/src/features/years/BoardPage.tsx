import type { EvaluationKindValue, FiscalYearsResponse, OverviewResponse, OverviewSheet, SheetStatus } from '@hoshin/protocol'
import { fiscalYearLabel, formatBudget } from '@hoshin/sheet'
import { useCallback, useEffect, useRef, useState } from 'react'
import { Link, Navigate, useNavigate, useParams } from 'react-router'
import { ApiError, api } from '../../api/client'
import { useServerEvent, useStreamOpen } from '../../app/events'
import { daysUntil, fiscalYearOf, formatDate, relativeTime } from '../../app/time'
import { useErrorMessage } from '../../app/useErrorMessage'
import type { MessageKey } from '../../i18n/catalog'
import { formatDateTime, useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import {
  defaultEvaluationKind,
  EvaluationChart,
  EvaluationKindSwitch,
  EvaluationProgress,
  EvaluationTotal,
  emptyEvaluationTotals,
  evaluationOrder,
} from './EvaluationBoard'
import { OpenYearForm } from './OpenYearForm'
import { ReviewSetting } from './ReviewSetting'
import { StatusChart } from './StatusChart'

export const isFiscalYear = (year: number) => Number.isInteger(year) && year >= 1989 && year <= 2200

type SortKey = 'department' | 'status' | 'deadline' | 'edited' | 'evaluation' | 'openThreads' | 'measures' | 'projects' | 'budgetTotal'
type Sort = { key: SortKey; dir: 'asc' | 'desc' }

const statusOrder: Record<SheetStatus, number> = { draft: 0, submitted: 1, approved: 2 }

/** What each column sorts by; an approved sheet has nothing left due, so it sorts after every open one. */
function sortValue(sheet: OverviewSheet, key: SortKey, kind: EvaluationKindValue): string | number {
  switch (key) {
    case 'evaluation':
      return evaluationOrder(sheet.evaluations[kind])
    case 'department':
      return sheet.department.name
    case 'status':
      return statusOrder[sheet.status]
    case 'deadline':
      return sheet.status === 'approved' ? Number.POSITIVE_INFINITY : statusOrder[sheet.status]
    case 'edited':
      return sheet.editedAt ?? ''
    default:
      return sheet[key]
  }
}

function sorted(sheets: OverviewSheet[], sort: Sort, kind: EvaluationKindValue): OverviewSheet[] {
  const factor = sort.dir === 'asc' ? 1 : -1
  return [...sheets].sort((a, b) => {
    const x = sortValue(a, sort.key, kind)
    const y = sortValue(b, sort.key, kind)
    const order = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y, 'ja') : Number(x) - Number(y)
    return order * factor || a.department.name.localeCompare(b.department.name, 'ja')
  })
}

/** あと 12 日 / 今日まで / 3日超過 for a deadline; null when there is none. */
function useDueText() {
  const { t } = useI18n()
  return (deadline: string | null): { text: string; late: boolean } | null => {
    if (!deadline) return null
    const days = daysUntil(deadline)
    if (days > 0) return { text: t('board.daysLeft').replace('{n}', String(days)), late: false }
    if (days === 0) return { text: t('board.dueToday'), late: false }
    return { text: t('board.daysLate').replace('{n}', String(-days)), late: true }
  }
}

function SortHeader({ label, column, sort, onSort }: { label: string; column: SortKey; sort: Sort; onSort: (key: SortKey) => void }) {
  const active = sort.key === column
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  )
}

function BoardTable({ overview, shown, year, kind }: { overview: OverviewResponse; shown: OverviewSheet[]; year: number; kind: EvaluationKindValue }) {
  const { t, locale } = useI18n()
  const due = useDueText()
  const [sort, setSort] = useState<Sort>({ key: 'department', dir: 'asc' })
  const onSort = (key: SortKey) => setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }))
  const all = overview.sheets
  const sum = (pick: (s: OverviewSheet) => number) => all.reduce((n, s) => n + pick(s), 0)
  const yearDue = due(overview.deadline)
  const open = all.filter((s) => s.status !== 'approved').length
  const header = (key: SortKey, label: MessageKey) => <SortHeader label={t(label)} column={key} sort={sort} onSort={onSort} />
  // The evaluation the switch above shows: its step and rows rated, for each department.
  const evaluationColumn = `boardEval.kind.${kind}` as const

  return (
    <table className="board-table">
      <caption>{t('board.caption').replace('{year}', fiscalYearLabel(year, locale))}</caption>
      <thead>
        <tr>
          {header('department', 'board.department')}
          {header('status', 'board.status')}
          {overview.reviewStep && <th scope="col">{t('board.review')}</th>}
          {header('deadline', 'board.due')}
          {header('edited', 'board.edited')}
          {header('openThreads', 'board.openThreads')}
          {header('measures', 'board.measures')}
          {header('projects', 'board.projects')}
          {header('budgetTotal', 'board.budget')}
          {header('evaluation', evaluationColumn)}
        </tr>
      </thead>
      <tbody>
        {sorted(shown, sort, kind).map((sheet) => {
          const sheetDue = sheet.status === 'approved' ? null : yearDue
          return (
            <tr key={sheet.id}>
              <th scope="row">
                <Link to={`/sheets/${encodeURIComponent(sheet.id)}`}>{sheet.department.name}</Link>
              </th>
              <td>
                <span className={`status status-${sheet.status}`}>{t(`status.${sheet.status}`)}</span>
              </td>
              {overview.reviewStep && (
                <td className="board-review">
                  {sheet.review && (
                    <>
                      <span className={`review-state review-state-${sheet.review.state}`}>{t(`review.state.${sheet.review.state}`)}</span>
                      {sheet.review.reportedOn && <span className="muted"> {formatDate(sheet.review.reportedOn, locale)}</span>}
                    </>
                  )}
                </td>
              )}
              <td className={sheetDue?.late ? 'late' : undefined}>
                {sheet.status === 'approved' ? (
                  <span className="muted">{t('board.done')}</span>
                ) : (
                  (sheetDue?.text ?? <span className="muted">{t('board.noDeadline')}</span>)
                )}
              </td>
              <td>
                {sheet.editedAt ? (
                  <>
                    <time dateTime={sheet.editedAt} title={formatDateTime(sheet.editedAt, locale, 'medium')}>
                      {relativeTime(sheet.editedAt, locale)}
                    </time>
                    {sheet.editedBy && <span className="edited-by">{sheet.editedBy.name}</span>}
                  </>
                ) : (
                  <span className="muted">{t('board.notEdited')}</span>
                )}
              </td>
              <td className="number">{sheet.openThreads}</td>
              <td className="number">{sheet.measures}</td>
              <td className="number">{sheet.projects}</td>
              <td className="number budget">{formatBudget(sheet.budgetTotal)}</td>
              <td className="board-evaluation">
                <EvaluationProgress evaluation={sheet.evaluations[kind]} />
              </td>
            </tr>
          )
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">{t('board.townTotal').replace('{n}', String(all.length))}</th>
          <td>
            {t('status.approved')} {all.length - open} / {all.length}
          </td>
          {overview.reviewStep && (
            <td className="board-review">
              {t('review.state.reported')} {all.filter((s) => s.review?.state === 'reported').length} / {all.length}
            </td>
          )}
          <td className={yearDue?.late && open > 0 ? 'late' : undefined}>
            {yearDue?.late && open > 0 ? t('board.lateDepartments').replace('{n}', String(open)) : ''}
          </td>
          <td />
          <td className="number">{sum((s) => s.openThreads)}</td>
          <td className="number">{sum((s) => s.measures)}</td>
          <td className="number">{sum((s) => s.projects)}</td>
          <td className="number budget" data-testid="board-budget-total">
            {formatBudget(overview.budgetTotal)}
          </td>
          <td className="board-evaluation">
            <EvaluationTotal overview={overview} kind={kind} />
          </td>
        </tr>
      </tfoot>
    </table>
  )
}

/**
 * The planning department's board for one fiscal year (`/years/:year`): every department's sheet with
 * its step, the deadline, the last edit, open threads, counts and budget, live through the event stream.
 * A 課長 sees their own department's line and the town's totals.
 */
export function BoardPage() {
  const { year: param = '' } = useParams()
  const year = Number(param)
  const { t, locale } = useI18n()
  const { state } = useAuth()
  const navigate = useNavigate()
  const errorMessage = useErrorMessage()
  const due = useDueText()
  const [overview, setOverview] = useState<OverviewResponse | null>(null)
  const [error, setError] = useState<unknown>(null)
  // What the last 年度を開始 did: kept here, since the form moves once the year has sheets.
  const [opened, setOpened] = useState<string | null>(null)
  // 中間評価 or 年度末評価 on the chart and in the table; until chosen, the one under way.
  const [chosenKind, setKind] = useState<EvaluationKindValue | null>(null)
  const latest = useRef(0)
  const valid = isFiscalYear(year)

  const load = useCallback(() => {
    if (!valid) return
    const request = ++latest.current
    api<OverviewResponse>(`/api/fiscal-years/${year}/overview`).then(
      (next) => {
        if (request !== latest.current) return
        setOverview(next)
        setError(null)
      },
      (e: unknown) => {
        if (request !== latest.current) return
        // A year nobody opened yet is an empty board, not an error: planning opens it from here.
        if (e instanceof ApiError && e.status === 404) setOverview({ year, deadline: null, budgetTotal: 0, sheets: [], evaluationTotals: emptyEvaluationTotals(), reviewStep: false })
        else setError(e)
      },
    )
  }, [year, valid])

  useEffect(() => {
    setOverview(null)
    setError(null)
    load()
  }, [load])
  useServerEvent('board', (event) => {
    if (event.year === year) load()
  })
  useStreamOpen(load)

  if (state.status !== 'signedIn') return null
  const { user } = state
  const canOpen = user.role === 'planning' || user.role === 'admin'
  if (!valid) return <Navigate to="/years" replace />
  const label = fiscalYearLabel(year, locale)
  const yearDue = overview ? due(overview.deadline) : null
  const shown = overview ? (user.role === 'head' ? overview.sheets.filter((s) => s.department.id === user.department?.id) : overview.sheets) : []
  const kind = chosenKind ?? (overview ? defaultEvaluationKind(overview) : 'midyear')

  return (
    <main id="main" className="board">
      <nav className="year-nav" aria-label={t('board.yearNav')}>
        {isFiscalYear(year - 1) && <Link to={`/years/${year - 1}`}>← {fiscalYearLabel(year - 1, locale)}</Link>}
        {isFiscalYear(year + 1) && <Link to={`/years/${year + 1}`}>{fiscalYearLabel(year + 1, locale)} →</Link>}
      </nav>
      <h1>
        {label} {t('board.title')}
      </h1>
      {error ? (
        <p role="alert">{errorMessage(error)}</p>
      ) : !overview ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          {/* Before the year is opened there is no deadline to speak of. */}
          <p className="deadline" hidden={overview.sheets.length === 0 && !overview.deadline}>
            {overview.deadline ? (
              <>
                {t('board.deadline')}: <strong>{formatDate(overview.deadline, locale)}</strong>
                <span className={yearDue?.late ? 'late' : undefined}>（{yearDue?.text}）</span>
              </>
            ) : (
              t('board.noDeadline')
            )}
          </p>
          {overview.sheets.length === 0 ? (
            <p className="notice">{t('board.empty').replace('{year}', label)}</p>
          ) : (
            <>
              <div className="board-summary">
                <StatusChart statuses={overview.sheets.map((s) => s.status)} />
                <div className="board-evaluation-summary">
                  <EvaluationKindSwitch kind={kind} onChange={setKind} />
                  <EvaluationChart kind={kind} totals={overview.evaluationTotals[kind]} />
                </div>
                <ul className="board-links">
                  <li>
                    <a href={`/api/fiscal-years/${year}/export.xlsx`} download>
                      {t('board.excel')}
                    </a>
                  </li>
                  <li>
                    <Link to={`/years/${year}/print`}>{t('board.printBundle')}</Link>
                  </li>
                  {user.department && user.role !== 'admin' && user.role !== 'planning' && (
                    <li>
                      <Link to={`/partners?year=${year}`}>{t('partners.nav')}</Link>
                    </li>
                  )}
                </ul>
              </div>
              <BoardTable overview={overview} shown={shown} year={year} kind={kind} />
            </>
          )}
          {opened && (
            <p role="status" className="open-year-done">
              {opened}
            </p>
          )}
          {canOpen && <ReviewSetting onChanged={load} />}
          {canOpen &&
            (overview.sheets.length === 0 ? (
              <section className="open-year-section" aria-label={t('years.open')}>
                <h2>{t('years.open')}</h2>
                <OpenYearForm defaultYear={year} onOpened={(r, message) => {
                    setOpened(message)
                    if (r.year === year) load()
                    else navigate(`/years/${r.year}`)
                  }} />
              </section>
            ) : (
              <details className="open-year-section">
                <summary>{t('years.openMore')}</summary>
                <OpenYearForm defaultYear={year} onOpened={(r, message) => {
                    setOpened(message)
                    if (r.year === year) load()
                    else navigate(`/years/${r.year}`)
                  }} />
              </details>
            ))}
        </>
      )}
    </main>
  )
}

/** `/years`: the latest year someone opened, or this fiscal year when none is. */
export function YearsIndex() {
  const [target, setTarget] = useState<number | null>(null)
  useEffect(() => {
    let cancelled = false
    api<FiscalYearsResponse>('/api/fiscal-years').then(
      // The year under way unless a later one is already open (planning prepares next year in winter).
      ({ years }) => !cancelled && setTarget(years.reduce((max, y) => Math.max(max, y.year), fiscalYearOf())),
      () => !cancelled && setTarget(fiscalYearOf()),
    )
    return () => {
      cancelled = true
    }
  }, [])
  return target ? <Navigate to={`/years/${target}`} replace /> : null
}
