import { useId } from 'react'
import type * as Y from 'yjs'
import { useI18n } from '../i18n/I18nProvider'
import { useYStrings } from './useY'
import { rowOps } from './rows'

interface Props {
  doc: Y.Doc
  array: Y.Array<string> | undefined
  options: string[]
  label: string
  readOnly: boolean
  /** How a stored value reads (連携課 store department ids, [S12]); values read as themselves by default. */
  labelOf?: (value: string) => string
}

/** A multi-choice cell (担当係名, 連携課名): the chosen names one per line, a checklist to change them. */
export function NamesPicker({ doc, array, options, label, readOnly, labelOf = (value) => value }: Props) {
  const { t } = useI18n()
  const chosen = useYStrings(array)
  const listId = useId()
  // Names chosen earlier that are no longer in the directory stay visible and removable.
  const all = [...options, ...chosen.filter((name) => !options.includes(name))]

  const names = (
    <span className="names">
      {chosen.length ? (
        chosen.map((name) => (
          <span key={name} className="line">
            {labelOf(name)}
          </span>
        ))
      ) : (
        <span className="muted">{t('editor.none')}</span>
      )}
    </span>
  )
  if (readOnly || !array) return names

  function toggle(name: string, on: boolean) {
    if (!array) return
    // Keep the order people chose; a new name goes last.
    const next = on ? [...chosen.filter((n) => n !== name), name] : chosen.filter((n) => n !== name)
    rowOps.setNames(doc, array, next)
  }

  return (
    <details className="picker">
      <summary aria-label={`${label}: ${chosen.map(labelOf).join('、') || t('editor.none')}`}>{names}</summary>
      <fieldset id={listId}>
        <legend>{label}</legend>
        {all.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={chosen.includes(name)} onChange={(e) => toggle(name, e.currentTarget.checked)} />
            {labelOf(name)}
          </label>
        ))}
      </fieldset>
    </details>
  )
}
