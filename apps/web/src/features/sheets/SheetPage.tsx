import type { DepartmentsResponse, Me, SheetSummary } from '@hoshin/protocol'
import { Suspense, useEffect, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { api } from '../../api/client'
import { useErrorMessage } from '../../app/useErrorMessage'
import { lazyNamed, PartLoading } from '../../app/lazyPage'
import { sectionColor } from '../../editor/colors'
import { SheetEditor } from '../../editor/SheetEditor'
import { useI18n } from '../../i18n/I18nProvider'
import { useSheetSession, WORKFLOW_EVENT } from '../../sync/useSheetSession'
import { useAuth } from '../auth/AuthProvider'
import type { ActiveEvaluation } from '../evaluations/EvaluationFields'
import { EvaluationBar, openEvaluation, type SheetViewKind, useEvaluations } from '../evaluations/EvaluationBar'
import { PartnerAcksProvider } from '../years/PartnerAcks'
import { PreviousYearProvider, PreviousYearToggle, usePreviousYear } from '../years/PreviousYear'
import { useRowFromLink } from '../years/useRowFromLink'
import { OutputActions } from './OutputActions'
import { RejectedNotice, WorkflowBar } from './Workflow'

// 履歴 (versions, diff, audit) is loaded when first opened; hovering or focusing its button fetches it.
const History = lazyNamed(() => import('./History'), 'History')

function LiveSheet({
  sheetId,
  user,
  departments,
  planLocked,
  evaluation,
}: {
  sheetId: string
  user: Me
  departments: DepartmentsResponse['departments']
  planLocked: boolean
  evaluation: ActiveEvaluation | null
}) {
  const { t } = useI18n()
  const session = useSheetSession(sheetId, user.id, {
    name: user.displayName,
    section: user.section?.name ?? user.department?.name ?? '',
    color: sectionColor(user.section?.id, departments),
  })
  if (!session?.ready) return <p>{t('editor.loading')}</p>
  return <SheetEditor session={session} departments={departments} sheetId={sheetId} me={user} planLocked={planLocked} evaluation={evaluation} />
}

export function SheetPage() {
  const { id = '' } = useParams()
  const { t } = useI18n()
  const { state } = useAuth()
  const errorMessage = useErrorMessage()
  const [data, setData] = useState<{ summary: SheetSummary; departments: DepartmentsResponse['departments'] } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [showHistory, setShowHistory] = useState(false)
  const [showPrevious, setShowPrevious] = useState(false)
  const previous = usePreviousYear(id, showPrevious)
  useRowFromLink()
  const { evaluations, reload: reloadEvaluations } = useEvaluations(id)
  // A link may name the view (?evaluation=midyear, from a notification); otherwise, until the person picks
  // one, the page opens on the evaluation being written, if there is one.
  const linked = linkedView()
  const [view, setView] = useState<SheetViewKind>(linked ?? 'plan')
  const chosen = useRef(linked !== null)
  const firstOpen = openEvaluation(evaluations)
  useEffect(() => {
    if (!chosen.current && firstOpen) setView(firstOpen)
  }, [firstOpen])
  const shown = view === 'plan' ? undefined : evaluations?.find((e) => e.kind === view)
  const evaluation: ActiveEvaluation | null = shown ? { kind: shown.kind, status: shown.status, editable: shown.canEdit && shown.status !== 'approved' } : null

  useEffect(() => {
    // Approved, sent back, reopened by someone else: the banner and the buttons follow live.
    // ?refresh=1: the same visit, not a new opening in the view log.
    const refresh = () =>
      api<SheetSummary>(`/api/sheets/${encodeURIComponent(id)}?refresh=1`).then(
        (summary) => setData((d) => (d ? { ...d, summary } : d)),
        () => undefined,
      )
    window.addEventListener(WORKFLOW_EVENT, refresh)
    // A notice missed while reconnecting is caught up by a slow poll.
    const timer = setInterval(refresh, 10_000)
    return () => {
      clearInterval(timer)
      window.removeEventListener(WORKFLOW_EVENT, refresh)
    }
  }, [id])

  useEffect(() => {
    let cancelled = false
    Promise.all([api<SheetSummary>(`/api/sheets/${encodeURIComponent(id)}`), api<DepartmentsResponse>('/api/departments')]).then(
      ([summary, { departments }]) => !cancelled && setData({ summary, departments }),
      (e: unknown) => !cancelled && setError(e),
    )
    return () => {
      cancelled = true
    }
  }, [id])

  if (state.status !== 'signedIn') return null
  return (
    <main id="main">
      <p className="back">
        <Link to="/">← {t('sheet.back')}</Link>
      </p>
      {error ? (
        <p role="alert">{errorMessage(error)}</p>
      ) : !data ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <WorkflowBar
            summary={data.summary}
            onChanged={(summary) => setData({ ...data, summary })}
            evaluationOpen={openEvaluation(evaluations) !== null}
          />
          <EvaluationBar
            summary={data.summary}
            me={state.user}
            evaluations={evaluations}
            view={shown ? view : 'plan'}
            onView={(next) => {
              chosen.current = true
              setView(next)
            }}
            reload={reloadEvaluations}
          />
          <RejectedNotice sheetId={data.summary.id} />
          <OutputActions summary={data.summary} />
          <p>
            <button
              type="button"
              aria-expanded={showHistory}
              onClick={() => setShowHistory(!showHistory)}
              onPointerEnter={() => void History.preload().catch(() => undefined)}
              onFocus={() => void History.preload().catch(() => undefined)}
            >
              {t('history.title')}
            </button>
            {previous && <PreviousYearToggle previous={previous} on={showPrevious} onChange={setShowPrevious} />}
          </p>
          {showHistory && (
            <Suspense fallback={<PartLoading />}>
              <History
                sheetId={data.summary.id}
                canAudit={state.user.role === 'admin' || (state.user.role === 'head' && state.user.department?.id === data.summary.department.id)}
                hasPrevious={previous !== null}
              />
            </Suspense>
          )}
          <PreviousYearProvider value={showPrevious ? previous : null}>
            <PartnerAcksProvider sheetId={data.summary.id}>
              <LiveSheet
                sheetId={data.summary.id}
                user={state.user}
                departments={data.departments}
                planLocked={data.summary.status === 'approved'}
                evaluation={evaluation}
              />
            </PartnerAcksProvider>
          </PreviousYearProvider>
        </>
      )}
    </main>
  )
}

/** The view a link names: `?evaluation=midyear|yearend`. */
function linkedView(): SheetViewKind | null {
  const named = new URLSearchParams(window.location.search).get('evaluation')
  return named === 'midyear' || named === 'yearend' ? named : null
}
