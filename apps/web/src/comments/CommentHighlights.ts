import { Extension } from '@tiptap/core'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import { ySyncPluginKey } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { threadStore } from './threadStore'

interface Options {
  doc: Y.Doc | null
  fragment: Y.XmlFragment | null
  /** The thread target this field is: a row id ("situation" for the narrative) and the field's name. */
  rowId: string
  field: string
}

const key = new PluginKey<DecorationSet>('commentHighlights')

/**
 * Where a stored anchor is in the field's ProseMirror document (paragraphs of text, as the server counts
 * them), or null when its words are gone. y-tiptap's relativePositionToAbsolutePosition is not used: it
 * declares any position at the very start of the first paragraph "misresolved" and returns null, so words
 * commented from the start of a field were never highlighted.
 */
export function anchorPosition(doc: Y.Doc, fragment: Y.XmlFragment, position: Y.RelativePosition): number | null {
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc)
  if (!absolute) return null
  const { type, index } = absolute
  const paragraph = type instanceof Y.XmlText ? type.parent : type
  if (!(paragraph instanceof Y.XmlElement) || paragraph.parent !== fragment) return null
  let pos = 0
  for (const node of fragment.toArray()) {
    // Inside a paragraph: its opening tag, then its text.
    if (node === paragraph) return pos + 1 + (type instanceof Y.XmlText ? index : 0)
    if (node instanceof Y.XmlElement) pos += 2 + node.toArray().reduce((sum, child) => sum + (child instanceof Y.XmlText ? child.length : 0), 0)
  }
  return null
}

function decode(base64: string): Y.RelativePosition {
  return Y.decodeRelativePosition(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))
}

/**
 * Open threads on words of this field, drawn as highlights from their stored anchors (Yjs relative
 * positions) resolved against the live Y.Doc, so they stay on their words while anyone types. A click on
 * a highlight opens its thread.
 *
 * Between two resolutions the highlights are mapped through each edit: a local keystroke reaches Yjs only
 * after ProseMirror has applied it (and an IME composition only when it ends), so resolving then would be
 * one edit behind. Once Yjs has the change (the fragment's observer), they are resolved again.
 */
export const CommentHighlights = Extension.create<Options>({
  name: 'commentHighlights',

  addOptions() {
    return { doc: null, fragment: null, rowId: '', field: '' }
  },

  addProseMirrorPlugins() {
    const { doc, fragment, rowId, field } = this.options
    if (!doc || !fragment) return []
    const store = threadStore(doc)

    /** The open threads on words of this field (most fields have none, and are left alone). */
    const mine = () =>
      store.threads.filter(
        ({ state, positions, target }) => state === 'open' && positions && target.kind === 'text' && target.id === rowId && target.field === field,
      )
    const keyOf = (threads: ReturnType<typeof mine>) => threads.map((t) => `${t.id}:${t.unread}`).join(',')

    const resolve = (state: EditorView['state']): DecorationSet => {
      const binding = ySyncPluginKey.getState(state)?.binding
      if (!binding) return DecorationSet.empty
      const decorations: Decoration[] = []
      for (const thread of mine()) {
        const { positions } = thread
        if (!positions) continue
        const from = anchorPosition(doc, fragment, decode(positions.start))
        const to = anchorPosition(doc, fragment, decode(positions.end))
        if (from === null || to === null || to <= from || to > state.doc.content.size) continue
        decorations.push(
          Decoration.inline(
            from,
            to,
            { class: `comment-highlight${thread.unread ? ' unread' : ''}`, 'data-thread-id': thread.id },
            // Typed right at either edge stays outside, as the stored anchor does.
            { inclusiveStart: false, inclusiveEnd: false, threadId: thread.id },
          ),
        )
      }
      return DecorationSet.create(state.doc, decorations)
    }

    return [
      new Plugin<DecorationSet>({
        key,
        state: {
          init: () => DecorationSet.empty,
          // The sync plugin's own transactions (first render, remote changes) come after Yjs: resolve.
          apply: (tr, set, _old, state) => (tr.getMeta(key) || tr.getMeta(ySyncPluginKey) ? resolve(state) : set.map(tr.mapping, tr.doc)),
        },
        props: {
          decorations: (state) => key.getState(state),
          handleClick: (view, pos) => {
            const [hit] = key.getState(view.state)?.find(pos, pos) ?? []
            const threadId = hit?.spec.threadId as string | undefined
            if (!threadId || !store.open) return false
            store.open(threadId)
            // The caret still goes where clicked; the panel takes focus.
            return false
          },
        },
        view: (view) => {
          let scheduled = false
          let destroyed = false
          const redraw = () => {
            if (scheduled) return
            scheduled = true
            // After the sync plugin has finished its own update, never in the middle of a dispatch.
            queueMicrotask(() => {
              scheduled = false
              if (destroyed || view.composing) return
              view.dispatch(view.state.tr.setMeta(key, true).setMeta('addToHistory', false))
            })
          }
          let drawn = keyOf(mine())
          // Only when this field's threads changed: a comment elsewhere costs the other fields nothing.
          const onThreads = () => {
            const now = keyOf(mine())
            if (now === drawn) return
            drawn = now
            redraw()
          }
          // Only while there is something to draw.
          const onText = () => drawn && redraw()
          store.listeners.add(onThreads)
          fragment.observeDeep(onText)
          view.dom.addEventListener('compositionend', onText)
          // The binding renders the fragment just after the view is made.
          if (drawn) setTimeout(redraw, 0)
          return {
            destroy: () => {
              destroyed = true
              store.listeners.delete(onThreads)
              fragment.unobserveDeep(onText)
              view.dom.removeEventListener('compositionend', onText)
            },
          }
        },
      }),
    ]
  },
})
