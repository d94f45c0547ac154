import { type EvaluationResponse, evaluationKindValues, type VersionResponse } from '@hoshin/protocol'
import { type EvaluationKind, evaluationKindLabels, type Sheet, type SheetV1, townDateJa } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import { Navigate, useLocation, useParams } from 'react-router'
import { api } from '../../api/client'
import { townTimeZone } from '../../app/town-zone'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { currentSheet, PrintedSheet, PrintFrame, PrintStyle } from './PrintPage'

const stateNames = { draft: '作成中', submitted: '確認依頼中', approved: '承認済' } as const

/** 企画財政課　中間評価　承認済（2026年10月3日）, or 作成中（2026年9月30日 時点）. */
export function evaluationFooter(department: string, evaluation: Pick<EvaluationResponse, 'kind' | 'status' | 'version'>, now = new Date()): string {
  const zone = townTimeZone()
  const state =
    evaluation.status === 'approved' && evaluation.version
      ? `承認済（${townDateJa(evaluation.version.approvedAt, zone)}）`
      : `${stateNames[evaluation.status]}（${townDateJa(now, zone)} 時点）`
  return `${department}　${evaluationKindLabels[evaluation.kind]}　${state}`
}

/**
 * 「方針（年度評価）」 on A4 landscape ([S20]): the approved plan version the evaluation is of, with the
 * 評価 (計画以上…評価不能), 実績 and 課題・改善 beside each measure and project and the 実績値 with its day
 * beside each 成果指標; the footer names the department, the kind and its state. Also as Excel.
 */
export function EvaluationPrintPage() {
  const { id = '', kind = '' } = useParams()
  const { t } = useI18n()
  const { state } = useAuth()
  const location = useLocation()
  const errorMessage = useErrorMessage()
  const known = (evaluationKindValues as readonly string[]).includes(kind)
  const [data, setData] = useState<{ sheet: Sheet; evaluation: EvaluationResponse } | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (state.status !== 'signedIn' || !known) return
    let cancelled = false
    const base = `/api/sheets/${encodeURIComponent(id)}`
    api<EvaluationResponse>(`${base}/evaluations/${kind}`)
      .then(async (evaluation) => {
        // The plan as approved in the version evaluated, not as it may read after a revision.
        const version = await api<VersionResponse>(`${base}/versions/${evaluation.planVersion}`)
        return { sheet: currentSheet(version.sheet as Sheet | SheetV1), evaluation }
      })
      .then(
        (d) => !cancelled && setData(d),
        (e: unknown) => !cancelled && setError(e),
      )
    return () => {
      cancelled = true
    }
  }, [id, kind, known, state.status])

  if (state.status === 'loading') return null
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  if (!known) return <p role="alert">{t('print.evaluationUnknown')}</p>
  if (error) return <p role="alert">{errorMessage(error)}</p>
  if (!data) return <p>{t('loading')}</p>
  const { sheet, evaluation } = data
  return (
    <main id="main" className="print-page">
      <PrintStyle footer={evaluationFooter(sheet.department.name, evaluation)} />
      <p className="print-actions">
        <button type="button" className="primary" onClick={() => window.print()}>
          {t('print.pdf')}
        </button>
        <a href={`/api/sheets/${encodeURIComponent(id)}/evaluations/${kind}/export.xlsx`} download>
          {t('print.evaluationXlsx')}
        </a>
        <span className="muted">{t('print.hint')}</span>
      </p>
      <PrintFrame>
        <PrintedSheet sheet={sheet} evaluation={{ kind: evaluation.kind as EvaluationKind, rows: evaluation.rows }} />
      </PrintFrame>
    </main>
  )
}
