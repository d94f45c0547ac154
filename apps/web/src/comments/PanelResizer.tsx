import { type KeyboardEvent, type PointerEvent, useEffect, useState } from 'react'
import { useI18n } from '../i18n/I18nProvider'

const MIN = 280
const STEP = 20
const STORAGE_KEY = 'hoshin:comments-width'

/** The widest the panel may be: the sheet keeps at least 60% of the window. */
const maxWidth = () => Math.max(MIN, Math.round(window.innerWidth * 0.4))

function stored(): number | null {
  const value = Number(localStorage.getItem(STORAGE_KEY))
  return Number.isFinite(value) && value >= MIN ? value : null
}

/**
 * The panel's left edge, to drag (or move with the arrow keys) for a wider or narrower panel; the sheet
 * reflows beside it. The width is kept for next time on this PC.
 */
export function PanelResizer() {
  const { t } = useI18n()
  const [width, setWidth] = useState<number | null>(stored)

  useEffect(() => {
    const root = document.documentElement.style
    if (width === null) root.removeProperty('--comments-width')
    else root.setProperty('--comments-width', `${Math.min(width, maxWidth())}px`)
    return () => {
      root.removeProperty('--comments-width')
    }
  }, [width])

  const set = (next: number) => {
    const clamped = Math.round(Math.min(maxWidth(), Math.max(MIN, next)))
    setWidth(clamped)
    localStorage.setItem(STORAGE_KEY, String(clamped))
  }
  const current = () => (width === null ? (document.querySelector('.comments-drawer')?.getBoundingClientRect().width ?? MIN) : Math.min(width, maxWidth()))

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // The panel is on the right: moving its edge left makes it wider.
    if (event.key === 'ArrowLeft') set(current() + STEP)
    else if (event.key === 'ArrowRight') set(current() - STEP)
    else if (event.key === 'Home') set(MIN)
    else if (event.key === 'End') set(maxWidth())
    else return
    event.preventDefault()
  }

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.preventDefault()
    const handle = event.currentTarget
    handle.setPointerCapture(event.pointerId)
    const move = (e: globalThis.PointerEvent) => set(window.innerWidth - e.clientX)
    const up = () => {
      handle.removeEventListener('pointermove', move)
      handle.removeEventListener('pointerup', up)
    }
    handle.addEventListener('pointermove', move)
    handle.addEventListener('pointerup', up)
  }

  return (
    // biome-ignore lint/a11y/useSemanticElements: a window splitter is a focusable separator; <hr> cannot take the keys
    <div
      className="comments-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label={t('comments.resize')}
      aria-valuemin={MIN}
      aria-valuemax={maxWidth()}
      aria-valuenow={Math.round(current())}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
    />
  )
}
