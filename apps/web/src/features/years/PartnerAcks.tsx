import type { PartnerAcksResponse } from '@hoshin/protocol'
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react'
import { api } from '../../api/client'
import { useI18n } from '../../i18n/I18nProvider'

/** For the asking department: which partner departments acknowledged (了承) each row, by row id. */
const PartnerAcksContext = createContext<Map<string, string[]>>(new Map())

/** Loads the sheet's acknowledgements, again whenever the tab comes back into view (they change rarely). */
export function PartnerAcksProvider({ sheetId, children }: { sheetId: string; children: ReactNode }) {
  const [acks, setAcks] = useState<Map<string, string[]>>(new Map())
  useEffect(() => {
    let cancelled = false
    const load = () =>
      api<PartnerAcksResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/partner-acks`).then(
        (res) => {
          if (cancelled) return
          const byRow = new Map<string, string[]>()
          for (const ack of res.acks) byRow.set(ack.rowId, [...(byRow.get(ack.rowId) ?? []), ack.department.name])
          setAcks(byRow)
        },
        () => undefined,
      )
    void load()
    const onVisible = () => document.visibilityState === 'visible' && void load()
    document.addEventListener('visibilitychange', onVisible)
    return () => {
      cancelled = true
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [sheetId])
  return <PartnerAcksContext.Provider value={acks}>{children}</PartnerAcksContext.Provider>
}

/** Under a row's 連携課: the partners that have acknowledged it. */
export function PartnerAckNote({ rowId }: { rowId: string }) {
  const { t } = useI18n()
  const names = useContext(PartnerAcksContext).get(rowId)
  if (!names?.length) return null
  return (
    <span className="partner-acks">
      ✓ {t('partners.acknowledgedBy')}: {names.join('、')}
    </span>
  )
}
