import { isApiErrorBody, type PlanPreviewResponse, type PlanResponse } from '@hoshin/protocol'
import { ApiError } from '../../api/client'

/**
 * Sends a plan file as it is (CSV in UTF-8 or Shift_JIS, or .xlsx) to preview it, or to apply it at the
 * revision the preview was made against. A file refused on apply comes back as its line errors.
 */
export async function sendPlanFile(planId: string, file: Blob, step: { preview: true } | { revision: number }): Promise<PlanPreviewResponse | PlanResponse> {
  const url = 'preview' in step ? `/api/plans/${encodeURIComponent(planId)}/import/preview` : `/api/plans/${encodeURIComponent(planId)}/import?revision=${step.revision}`
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/octet-stream' },
      body: file,
    })
  } catch {
    throw new ApiError(0, 'network', '')
  }
  const body: unknown = await response.json().catch(() => null)
  if (response.ok) return body as PlanPreviewResponse | PlanResponse
  if (isApiErrorBody(body)) {
    if (body.error.code === 'invalid_csv' && body.error.errors) {
      return { ok: false, errors: body.error.errors, changes: [], counts: { goals: 0, measures: 0, kpis: 0 }, revision: -1 }
    }
    throw new ApiError(response.status, body.error.code, body.error.message)
  }
  throw new ApiError(response.status, 'internal_error', '')
}
