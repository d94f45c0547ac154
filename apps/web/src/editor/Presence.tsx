import { evaluationKindLabels, evaluationRoots, orderedIndicatorIds, orderedRowIds, type RowListName, rowLists, rowMap } from '@hoshin/sheet'
import { useEffect, useState } from 'react'
import type { MessageKey } from '../i18n/catalog'
import { useI18n } from '../i18n/I18nProvider'
import type { SheetSession } from '../sync/useSheetSession'
import type { FieldRef } from './CollabText'
import { indicatorRow } from './fieldNav'
import { fieldLabel, findRowList, indicatorFieldLabel, listNames } from './rows'

const evaluationFieldNames: Record<string, string> = { status: '評価', done: '実績', next: '課題・改善' }

interface Person {
  clientId: number
  name: string
  section: string
  color: string
  editing: string | null
  self: boolean
}

function describe(session: SheetSession, editing: FieldRef | null | undefined): string | null {
  if (!editing) return null
  if (editing.list === 'situation') return '現状'
  const { doc } = session
  const rankOf = (list: RowListName, id: string) => orderedRowIds(doc, list).indexOf(id) + 1
  if (editing.list === 'indicators') {
    const parent = indicatorRow(doc, editing.rowId ?? '')
    if (!parent) return null
    const number = orderedIndicatorIds(rowMap(doc, parent.list).get(parent.rowId)).indexOf(editing.rowId ?? '') + 1
    return indicatorFieldLabel(parent.list, rankOf(parent.list, parent.rowId), number, editing.field)
  }
  const evaluation = (Object.keys(evaluationRoots) as (keyof typeof evaluationRoots)[]).find((k) => evaluationRoots[k] === editing.list)
  if (evaluation) {
    const list = findRowList(doc, editing.rowId ?? '')
    if (!list) return null
    const field = evaluationFieldNames[editing.field] ?? (editing.field.startsWith('date:') ? '実績値の時点' : '実績値')
    return `${evaluationKindLabels[evaluation]} ${listNames[list]} ${rankOf(list, editing.rowId ?? '')} ${field}`
  }
  // Never doc.getMap of a name this code does not know: that would make a root type.
  if (!(rowLists as readonly string[]).includes(editing.list)) return null
  const rank = rankOf(editing.list as RowListName, editing.rowId ?? '')
  return rank > 0 ? fieldLabel(editing.list as RowListName, rank, editing.field) : null
}

/** Who is in the sheet now (name, section, colour) and which field each is editing. */
export function Presence({ session }: { session: SheetSession }) {
  const { t } = useI18n()
  const [people, setPeople] = useState<Person[]>([])

  useEffect(() => {
    const awareness = session.provider.awareness
    const read = () => {
      const list: Person[] = []
      for (const [clientId, state] of awareness.getStates()) {
        const user = state.user as { name?: string; section?: string; color?: string } | undefined
        if (!user?.name) continue
        list.push({
          clientId,
          name: user.name,
          section: user.section ?? '',
          color: user.color ?? '#37474f',
          editing: describe(session, state.editing as FieldRef | null),
          self: clientId === awareness.clientID,
        })
      }
      list.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name, 'ja'))
      setPeople(list)
    }
    read()
    awareness.on('change', read)
    return () => awareness.off('change', read)
  }, [session])

  return (
    <section className="presence" aria-label={t('presence.title')}>
      <h2 className="visually-hidden">{t('presence.title')}</h2>
      <ul>
        {people.map((p) => (
          <li key={p.clientId} data-testid="presence-person">
            <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
            <span className="presence-name">
              {p.name}
              {p.self ? t('presence.you') : ''}
            </span>
            <span className="presence-section">{p.section}</span>
            {/* Always there and of one width: someone moving between fields must not reflow the bar (a
                button below it would move between mouse-down and mouse-up, and the click be lost). */}
            <span className="presence-editing" title={p.editing ? `${t('presence.editing')}: ${p.editing}` : undefined}>
              {p.editing && `${t('presence.editing')}: ${p.editing}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}

export function ConnectionBadge({ session }: { session: SheetSession }) {
  const { t } = useI18n()
  const key: MessageKey = `connection.${session.status}`
  return (
    <p className={`connection connection-${session.status}`} role="status" data-status={session.status}>
      <span aria-hidden="true">●</span> {t(key)}
    </p>
  )
}
