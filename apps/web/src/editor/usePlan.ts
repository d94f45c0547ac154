import type { PlanForYearResponse, PlanView } from '@hoshin/protocol'
import { useEffect, useState } from 'react'
import { api } from '../api/client'

const cache = new Map<number, Promise<PlanView | null>>()

/** The 総合計画 covering a fiscal year (null: none), fetched once per page for every picker of the sheet. */
export function usePlanForYear(year: number | undefined): PlanView | null | undefined {
  const [plan, setPlan] = useState<PlanView | null | undefined>(undefined)
  useEffect(() => {
    if (!year) return
    let live = true
    let request = cache.get(year)
    if (!request) {
      request = api<PlanForYearResponse>(`/api/plans/for-year/${year}`).then(
        (r) => r.plan,
        () => {
          cache.delete(year)
          return null
        },
      )
      cache.set(year, request)
    }
    void request.then((p) => live && setPlan(p))
    return () => {
      live = false
    }
  }, [year])
  return plan
}

/** Search as staff type: full-width digits and hyphens (１－２), any case, number or name. */
export function planMatch(query: string, ...texts: string[]): boolean {
  const norm = (s: string) => s.normalize('NFKC').replace(/[‐‑‒–—−ー－]/g, '-').toLowerCase().replace(/\s+/g, '')
  const q = norm(query)
  return !q || texts.some((text) => norm(text).includes(q))
}
