import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import Document from '@tiptap/extension-document'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import { type Editor, Extension } from '@tiptap/core'
import { Plugin, Selection } from '@tiptap/pm/state'
import type { EditorView } from '@tiptap/pm/view'
import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect, useRef } from 'react'
import type * as Y from 'yjs'
import { CommentHighlights } from '../comments/CommentHighlights'
import type { SheetSession } from '../sync/useSheetSession'
import { rowLists } from '@hoshin/sheet'
import { type Cell, type Direction, useFieldNav } from './fieldNav'
import { ImeSafeCollaboration } from './ImeSafeCollaboration'

export interface FieldRef {
  list: string
  rowId: string | null
  field: string
}

interface Props {
  session: SheetSession
  fragment: Y.XmlFragment
  label: string
  field: FieldRef
  /**
   * What Enter does (outside an IME composition; ProseMirror runs no shortcut while one composes):
   * `item` splits a numbered list's item at the cursor, the rest going to a new item after it, as in Word;
   * `down` moves to the same column of the next row, as in Excel (Shift+Enter or Alt+Enter starts a new
   * line). Unset, Enter starts a new line.
   */
  enter?: 'item' | 'down'
  /** A new item after this one holding `rest` (the text after the cursor); the cursor goes there. */
  onSplit?: (rest: string) => void
  /** Backspace at the start of an empty item: the item goes, the cursor to the end of the one before. */
  onRemoveEmpty?: () => void
  className?: string
  /** Read-only whatever the session allows (the approved plan while its evaluation is written). */
  readOnly?: boolean
}

/** The cursor sits at the field's edge in `direction`, so an arrow key there leaves the field. */
function atEdge(editor: Editor, direction: Direction): boolean {
  const { state, view } = editor
  const { selection, doc } = state
  if (!selection.empty) return false
  switch (direction) {
    case 'up':
      return selection.$head.index(0) === 0 && view.endOfTextblock('up')
    case 'down':
      return selection.$head.index(0) === doc.childCount - 1 && view.endOfTextblock('down')
    case 'left':
      return selection.from === Selection.atStart(doc).from
    case 'right':
      return selection.to === Selection.atEnd(doc).to
    default:
      return false
  }
}

/**
 * Makes ProseMirror read the browser's selection before a key is handled. A key that only moves the
 * cursor (an arrow, Home/End) moves the browser's selection at once, but ProseMirror takes it over only at
 * the next `selectionchange` event, which Chrome may deliver after the following keydown: a quick ←← Enter
 * then split the item one character off, and an arrow at the field's edge did not leave it. ProseMirror
 * flushes its DOM observer at keydown only when a flush is already scheduled, hence this (a flush with
 * nothing new in the DOM does nothing).
 */
function readDomSelection(view: EditorView): void {
  if (!view.composing) (view as EditorView & { domObserver?: { flush(): void } }).domObserver?.flush()
}

const ReadSelectionFirst = Extension.create({
  name: 'readSelectionFirst',
  priority: 10_000,
  addProseMirrorPlugins() {
    return [
      new Plugin({
        props: {
          handleKeyDown: (view) => {
            readDomSelection(view)
            return false
          },
          // And once the key's own move is done: a selection made with Shift+arrows and then commented
          // with the mouse (選択範囲にコメント) is the one on screen.
          handleDOMEvents: {
            keyup: (view) => {
              readDomSelection(view)
              return false
            },
          },
        },
      }),
    ]
  },
})

/** The first field of this page that takes typing: what bench/open-sheet.mjs times from navigation (issue 18). */
function markEditable(): void {
  if (performance.getEntriesByName('hoshin:editable').length === 0) performance.mark('hoshin:editable')
}

/**
 * One text field of the sheet: a Tiptap editor bound to its Y.XmlFragment, with the carets of the
 * others in it. Undo (Ctrl+Z) is this person's own typing in this field only.
 */
export function CollabText(props: Props) {
  const { session, fragment, label, field, className } = props
  const readOnly = props.readOnly === true || session.readOnly !== null
  const nav = useFieldNav()
  // The shortcuts are made once per editor; they read the latest props through this.
  const latest = useRef({ props, nav, readOnly })
  latest.current = { props, nav, readOnly }
  const editor = useEditor(
    {
      extensions: [
        ReadSelectionFirst,
        Document,
        Paragraph,
        Text,
        ImeSafeCollaboration.configure({ fragment, gate: session.gate }),
        CommentHighlights.configure({ doc: session.doc, fragment, rowId: field.rowId ?? 'situation', field: field.field }),
        CollaborationCaret.configure({
          provider: session.provider,
          user: session.provider.awareness.getLocalState()?.user ?? {},
        }),
        Extension.create({
          name: 'hoshinKeys',
          addKeyboardShortcuts() {
            const cell = () => {
              const { props: p, nav: n } = latest.current
              return n && p.field.rowId && p.field.list !== 'situation'
                ? { nav: n, cell: { list: p.field.list as Cell['list'], rowId: p.field.rowId, field: p.field.field } }
                : undefined
            }
            const arrow = (direction: Direction) => () => {
              const here = cell()
              return !!here && atEdge(this.editor, direction) && here.nav.move(here.cell, direction)
            }
            const newLine = () => this.editor.commands.splitBlock()
            return {
              Enter: () => {
                const { props: p, readOnly: ro } = latest.current
                if (ro) return false
                if (p.enter === 'down') {
                  const here = cell()
                  here?.nav.move(here.cell, 'down')
                  return true
                }
                if (p.enter === 'item' && p.onSplit) {
                  const { state } = this.editor
                  const end = Selection.atEnd(state.doc).to
                  const rest = state.doc.textBetween(state.selection.to, end, '\n')
                  this.editor.chain().deleteRange({ from: state.selection.from, to: end }).run()
                  p.onSplit(rest)
                  return true
                }
                return false
              },
              'Shift-Enter': newLine,
              'Alt-Enter': newLine,
              Backspace: () => {
                const { props: p, readOnly: ro } = latest.current
                const { doc } = this.editor.state
                if (ro || !p.onRemoveEmpty || doc.textContent !== '' || doc.childCount > 1) return false
                p.onRemoveEmpty()
                return true
              },
              ArrowUp: arrow('up'),
              ArrowDown: arrow('down'),
              ArrowLeft: arrow('left'),
              ArrowRight: arrow('right'),
            }
          },
        }),
      ],
      editable: !readOnly,
      editorProps: {
        attributes: {
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': label,
          class: `field ${className ?? ''}`,
          spellcheck: 'false',
        },
      },
      onFocus: () => session.provider.awareness.setLocalStateField('editing', field),
      onSelectionUpdate: ({ editor: e }) => {
        const { from, to } = e.state.selection
        // Comments are on the sheet's own fields (not an indicator's or an evaluation's).
        const commentable = field.list === 'situation' || (!!field.rowId && (rowLists as readonly string[]).includes(field.list))
        if (!commentable) {
          // 選択範囲にコメント must not comment on words selected earlier in another field.
          session.selection.current = null
          return
        }
        if (from === to) return
        // Offsets in the field's plain text: paragraphs joined by "\n", as the comment API counts.
        const start = e.state.doc.textBetween(0, from, '\n').length
        const end = e.state.doc.textBetween(0, to, '\n').length
        if (end <= start) return
        session.selection.current = {
          rowId: field.rowId ?? 'situation',
          field: field.field as 'text',
          start,
          end,
          label,
          quote: e.state.doc.textBetween(from, to, '\n'),
        }
      },
      onBlur: () => {
        const editing = session.provider.awareness.getLocalState()?.editing as FieldRef | undefined
        if (editing && editing.rowId === field.rowId && editing.field === field.field && editing.list === field.list) {
          session.provider.awareness.setLocalStateField('editing', null)
        }
      },
    },
    [fragment, session.provider],
  )

  useEffect(() => {
    editor?.setEditable(!readOnly)
    if (editor && !readOnly) markEditable()
  }, [editor, readOnly])

  // While mounted, this field can be given the cursor (a row just added, an arrow key from a neighbour).
  const { list, rowId, field: name } = field
  useEffect(() => {
    if (!editor || !nav || !rowId || list === 'situation') return
    return nav.register({ list: list as Cell['list'], rowId, field: name }, (at) => {
      editor.commands.focus(at, { scrollIntoView: true })
    })
  }, [editor, nav, list, rowId, name])

  useEffect(() => {
    editor?.setOptions({
      editorProps: {
        attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': label, class: `field ${className ?? ''}`, spellcheck: 'false' },
      },
    })
  }, [editor, label, className])

  return <EditorContent editor={editor} />
}
