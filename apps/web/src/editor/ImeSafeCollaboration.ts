import Collaboration from '@tiptap/extension-collaboration'
import type { Plugin } from '@tiptap/pm/state'
import type { EditorView } from '@tiptap/pm/view'
import type { CompositionGate } from '../sync/compositionGate'

/**
 * Tiptap's Collaboration, made safe for Japanese IME input (y-prosemirror has no composition handling):
 * - while this field composes, its ProseMirror → Yjs sync waits, so peers never receive the half-typed
 *   reading; the committed text is written once the composition ends;
 * - while any field composes, the CompositionGate holds incoming remote updates, and releases them only
 *   after the committed text is in Yjs, so a remote edit never lands under an open composition.
 */
export const ImeSafeCollaboration = Collaboration.extend<{ gate: CompositionGate | null } & Record<string, unknown>>({
  addOptions() {
    return { ...this.parent?.(), gate: null }
  },

  addProseMirrorPlugins() {
    const plugins = (this.parent?.() ?? []) as Plugin[]
    const gate = this.options.gate as CompositionGate | null
    const sync = plugins[0]
    const makeView = sync?.spec.view
    if (!sync || !makeView) return plugins
    sync.spec.view = (view: EditorView) => {
      const inner = makeView(view)
      let held = false
      let composing = false
      const flush = () => {
        if (view.composing) return
        if (held) {
          held = false
          inner.update?.(view, view.state)
        }
        if (composing) {
          composing = false
          gate?.end()
        }
      }
      const onStart = () => {
        if (composing) return
        composing = true
        gate?.start()
      }
      // ProseMirror reads the committed text a moment after compositionend; release after that.
      const onEnd = () => setTimeout(flush, 50)
      const onUpdate = () => gate?.touch()
      // Leaving the field ends any composition, even one whose compositionend never came.
      const onBlur = () => {
        if (!composing) return
        composing = false
        gate?.release()
        if (held) {
          held = false
          inner.update?.(view, view.state)
        }
      }
      view.dom.addEventListener('compositionstart', onStart)
      view.dom.addEventListener('compositionupdate', onUpdate)
      view.dom.addEventListener('compositionend', onEnd)
      view.dom.addEventListener('blur', onBlur)
      return {
        update: (v: EditorView, prev) => {
          if (v.composing) {
            held = true
            return
          }
          inner.update?.(v, prev)
        },
        destroy: () => {
          view.dom.removeEventListener('compositionstart', onStart)
          view.dom.removeEventListener('compositionend', onEnd)
          view.dom.removeEventListener('compositionupdate', onUpdate)
          view.dom.removeEventListener('blur', onBlur)
          if (composing) gate?.end()
          inner.destroy?.()
        },
      }
    }
    return plugins
  },
})
