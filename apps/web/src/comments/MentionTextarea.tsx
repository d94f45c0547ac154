import type { MentionCandidate } from '@hoshin/protocol'
import { type KeyboardEvent, type TextareaHTMLAttributes, useId, useRef, useState } from 'react'
import { useI18n } from '../i18n/I18nProvider'
import { mentionAt, mentionable, suggest } from './mentions'

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onKeyDown'> & { sheetId: string }

/**
 * A comment box with @-autocomplete: typing "@" lists who may be mentioned on this sheet (the ARIA
 * combobox pattern on a textarea: arrow keys, Enter or Tab to choose, Escape to close, or the mouse).
 * Choosing inserts "@token", which the server resolves to exactly that person or section. No key is
 * acted on while an IME composes: the Enter that confirms a conversion is the IME's.
 */
export function MentionTextarea({ sheetId, ...props }: Props) {
  const { t } = useI18n()
  const ref = useRef<HTMLTextAreaElement>(null)
  const listId = useId()
  const [all, setAll] = useState<MentionCandidate[] | null>(null)
  const [open, setOpen] = useState<{ start: number; options: MentionCandidate[] } | null>(null)
  const [active, setActive] = useState(0)

  function update() {
    const box = ref.current
    if (!box) return
    const at = box.selectionStart === box.selectionEnd ? mentionAt(box.value, box.selectionStart) : null
    if (!at) return setOpen(null)
    if (!all) {
      void mentionable(sheetId).then(
        (candidates) => {
          setAll(candidates)
          // Typed on while the list was loading: show what matches now.
          const now = ref.current && mentionAt(ref.current.value, ref.current.selectionStart)
          if (now) setOpen({ start: now.start, options: suggest(candidates, now.query) })
        },
        () => undefined,
      )
      return
    }
    const options = suggest(all, at.query)
    setOpen(options.length ? { start: at.start, options } : null)
    setActive(0)
  }

  function choose(candidate: MentionCandidate) {
    const box = ref.current
    if (!box || !open) return
    const end = box.selectionStart
    box.setRangeText(`@${candidate.token} `, open.start, end, 'end')
    setOpen(null)
    box.focus()
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (!open || event.nativeEvent.isComposing || event.keyCode === 229) return
    const count = open.options.length
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      setActive((i) => (i + (event.key === 'ArrowDown' ? 1 : count - 1)) % count)
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault()
      const chosen = open.options[active]
      if (chosen) choose(chosen)
    } else if (event.key === 'Escape') {
      // Closes the list only, not the panel around it.
      event.preventDefault()
      event.stopPropagation()
      setOpen(null)
    }
  }

  const optionId = (i: number) => `${listId}-${i}`
  return (
    <div className="mention-box">
      <textarea
        {...props}
        ref={ref}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? optionId(active) : undefined}
        onKeyDown={onKeyDown}
        onInput={update}
        onClick={update}
        onCompositionEnd={update}
        onBlur={() => setOpen(null)}
      />
      {open && (
        <div id={listId} role="listbox" className="mention-list" aria-label={t('comments.mention.list')}>
          {open.options.map((c, i) => (
            // The focus stays in the box (aria-activedescendant points here); the keys are the box's.
            // biome-ignore lint/a11y/useKeyWithClickEvents: chosen by keyboard through the textarea's keys
            <div
              key={`${c.kind}:${c.id}`}
              id={optionId(i)}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              // Keep the focus (and the caret) in the box while choosing with the mouse.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(c)}
            >
              <span className="mention-name">{c.name}</span>
              <span className="mention-detail">
                {c.kind === 'section' ? `${t('comments.mention.section')}・${c.place ?? ''}` : `@${c.username}${c.place ? `・${c.place}` : ''}`}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  )
}
