import { type SheetStatus, sheetStatuses } from '@hoshin/protocol'
import { useId } from 'react'
import { useI18n } from '../../i18n/I18nProvider'

/**
 * How many sheets are at each step, as bars drawn with CSS. The numbers are written out beside each bar,
 * so the chart reads the same to a screen reader as a short list.
 */
export function StatusChart({ statuses }: { statuses: readonly SheetStatus[] }) {
  const { t } = useI18n()
  const titleId = useId()
  const total = statuses.length
  const counts = sheetStatuses.map((status) => ({ status, count: statuses.filter((s) => s === status).length }))
  return (
    <figure className="status-chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>{t('board.chart')}</figcaption>
      <ul>
        {counts.map(({ status, count }) => (
          <li key={status}>
            <span className="status-chart-label">{t(`status.${status}`)}</span>
            <span className="status-chart-track" aria-hidden="true">
              <span className={`status-chart-bar bar-${status}`} style={{ width: total ? `${(count / total) * 100}%` : '0' }} />
            </span>
            <span className="status-chart-count">
              {count}
              {t('board.unitDepartments')}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  )
}
