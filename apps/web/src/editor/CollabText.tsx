import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import Document from '@tiptap/extension-document'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import { Extension } from '@tiptap/core'
import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect } from 'react'
import type * as Y from 'yjs'
import { CommentHighlights } from '../comments/CommentHighlights'
import type { SheetSession } from '../sync/useSheetSession'
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
  /** Enter (outside an IME composition) adds an item after this one, as in a numbered list. */
  onEnter?: () => void
  className?: string
}

/**
 * One text field of the sheet: a Tiptap editor bound to its Y.XmlFragment, with the carets of the
 * others in it. Undo (Ctrl+Z) is this person's own typing in this field only.
 */
export function CollabText({ session, fragment, label, field, onEnter, className }: Props) {
  const readOnly = session.readOnly !== null
  const editor = useEditor(
    {
      extensions: [
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
            // ProseMirror runs no shortcut while an IME composes, so a conversion's Enter never gets here.
            const shortcuts: Record<string, () => boolean> = {}
            if (onEnter) {
              shortcuts.Enter = () => {
                onEnter()
                return true
              }
            }
            return shortcuts
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
        if (from === to || !field.rowId && field.list !== 'situation') return
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
  }, [editor, readOnly])

  useEffect(() => {
    editor?.setOptions({
      editorProps: {
        attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': label, class: `field ${className ?? ''}`, spellcheck: 'false' },
      },
    })
  }, [editor, label, className])

  return <EditorContent editor={editor} />
}
