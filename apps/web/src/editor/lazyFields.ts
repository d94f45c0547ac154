import { createContext, useContext } from 'react'
import { flushSync } from 'react-dom'
import type { CompositionGate } from '../sync/compositionGate'

/**
 * When each text field of an open sheet gets its Tiptap editor (issue 18). Creating all of a sheet's ~54
 * editors at once was most of the main thread's work on opening it; so the fields in the first viewport
 * get theirs first, and the others show their text as plain markup of the same box (see CollabText)
 * until they come near the viewport (an IntersectionObserver with a generous margin) or the browser is
 * idle (a few per idle slice, in document order), whichever comes first. A field that is clicked,
 * hovered, focused or given the cursor mounts at once (CollabText does that itself).
 */
export class FieldMounter {
  private readonly waiting = new Map<Element, () => void>()
  /** Elements the margin's observer has reported once: its first report for each is the position on opening. */
  private readonly reported = new WeakSet<Element>()
  /** Fields that come into the viewport, and those that come within a viewport's height of it. */
  private readonly observers: IntersectionObserver[] = []
  private scheduled = false

  constructor(
    private readonly gate: CompositionGate | null,
    /** How many of the first fields get their editor at once. */
    private eager = 4,
    /** How many editors one idle slice may create at most. */
    private readonly perSlice = 4,
  ) {
    if (typeof IntersectionObserver !== 'function') return
    this.observers.push(
      new IntersectionObserver((entries) => this.intersected(entries, false)),
      new IntersectionObserver((entries) => this.intersected(entries, true), { rootMargin: '100% 0px 100% 0px' }),
    )
  }

  /**
   * Registers a field still without its editor. Returns true when it is one of the first: it mounts at
   * once, and nothing is registered. Otherwise `mount` is called when its turn comes; the returned
   * function (call it when the field unmounts or mounts by itself) forgets it.
   */
  watch(element: Element, mount: () => void): true | (() => void) {
    // The first fields of the sheet (fields register in document order) are on screen when it opens:
    // their editors come with the first render. Asking the layout which others are would lay the whole
    // sheet out before the first editor exists; the viewport's observer reports the rest of those on
    // screen right after the first layout.
    if (this.observers.length === 0 || typeof requestIdleCallback !== 'function' || this.eager-- > 0) return true
    this.waiting.set(element, mount)
    for (const observer of this.observers) observer.observe(element)
    this.schedule()
    return () => this.forget(element)
  }

  private forget(element: Element): void {
    if (!this.waiting.delete(element)) return
    for (const observer of this.observers) observer.unobserve(element)
  }

  private mount(element: Element): void {
    const mount = this.waiting.get(element)
    if (!mount) return
    this.forget(element)
    mount()
  }

  private intersected(entries: IntersectionObserverEntry[], margin: boolean): void {
    const now: Element[] = []
    for (const entry of entries) {
      const first = margin && !this.reported.has(entry.target)
      if (margin) this.reported.add(entry.target)
      // Near the viewport when the sheet opened (the margin's first report), but not in it: idle time
      // mounts those first (they are the next in document order), so that opening the sheet creates only
      // the editors on screen. Coming near it later (scrolling), they mount now.
      if (entry.isIntersecting && !first) now.push(entry.target)
    }
    if (now.length === 0) return
    // Outside React's own work (an observer's callback): the editors are there before the next frame.
    flushSync(() => {
      for (const element of now) this.mount(element)
    })
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // The timeout bounds how long a busy page waits: within a few seconds every field is an editor.
    requestIdleCallback((deadline) => this.slice(deadline), { timeout: 1500 })
  }

  private slice(deadline: IdleDeadline): void {
    this.scheduled = false
    if (this.waiting.size === 0) return
    // A new editor's DOM and layout must not land beside a composition in progress in another field.
    if (this.gate?.isComposing) {
      this.schedule()
      return
    }
    const order = [...this.waiting.keys()].filter((element) => element.isConnected).sort(documentOrder)
    let done = 0
    for (const element of order) {
      if (done >= this.perSlice || (done > 0 && deadline.timeRemaining() < 8)) break
      flushSync(() => this.mount(element))
      done++
    }
    if (this.waiting.size > 0) this.schedule()
  }
}

function documentOrder(a: Element, b: Element): number {
  return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1
}

export const FieldMounterContext = createContext<FieldMounter | null>(null)

/** The sheet's mounter, or null where every field mounts its editor at once (outside the sheet editor). */
export function useFieldMounter(): FieldMounter | null {
  return useContext(FieldMounterContext)
}
