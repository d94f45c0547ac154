import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import Document from '@tiptap/extension-document'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import { type Editor, Extension } from '@tiptap/core'
import { Plugin, Selection, TextSelection } from '@tiptap/pm/state'
import type { EditorView } from '@tiptap/pm/view'
import { EditorContent, useEditor } from '@tiptap/react'
import { type MutableRefObject, useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react'
import { flushSync } from 'react-dom'
import * as Y from 'yjs'
import { CommentHighlights } from '../comments/CommentHighlights'
import type { SheetSession } from '../sync/useSheetSession'
import { rowLists } from '@hoshin/sheet'
import { type Cell, type Direction, type Edge, useFieldNav } from './fieldNav'
import { ImeSafeCollaboration } from './ImeSafeCollaboration'
import { useFieldMounter } from './lazyFields'

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

/** Where the caret goes when a field's editor mounts because it was focused, clicked or given the cursor. */
type Handover = { at: Edge; scroll: boolean } | { x: number; y: number } | null

/**
 * One text field of the sheet: a Tiptap editor bound to its Y.XmlFragment, with the carets of the
 * others in it. Undo (Ctrl+Z) is this person's own typing in this field only.
 *
 * In the sheet editor the editor is created lazily (issue 18, see lazyFields.ts): until then the field is
 * its text as plain markup in the same box, focusable where the editor would be, live with remote edits;
 * a hover, click, focus or the cursor sent to it (Tab, arrows, a new row) mounts the editor at once and
 * hands it the focus.
 */
export function CollabText(props: Props) {
  const mounter = useFieldMounter()
  const [live, setLive] = useState(mounter === null)
  // Each request for the caret counts, so that one arriving just after the editor mounted still lands.
  const [requests, setRequests] = useState(0)
  const handover = useRef<Handover>(null)
  if (live) return <CollabEditor {...props} handover={handover} requests={requests} />
  return (
    <FieldPlaceholder
      {...props}
      onMount={(h, sync) => {
        if (h) handover.current = h
        const update = () => {
          setLive(true)
          if (h) setRequests((n) => n + 1)
        }
        if (sync) flushSync(update)
        else update()
      }}
    />
  )
}

/** The text of a field's paragraphs, as its editor will show them. */
function paragraphsOf(fragment: Y.XmlFragment): string[] {
  const paragraphs: string[] = []
  for (const node of fragment.toArray()) {
    if (!(node instanceof Y.XmlElement)) continue
    let text = ''
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) for (const op of child.toDelta() as { insert?: unknown }[]) if (typeof op.insert === 'string') text += op.insert
    }
    paragraphs.push(text)
  }
  // An empty field is one empty paragraph in ProseMirror.
  return paragraphs.length ? paragraphs : ['']
}

function useParagraphs(fragment: Y.XmlFragment): string[] {
  const subscribe = useCallback(
    (onChange: () => void) => {
      fragment.observeDeep(onChange)
      return () => fragment.unobserveDeep(onChange)
    },
    [fragment],
  )
  return useSyncExternalStore(subscribe, () => paragraphsOf(fragment).join('\u0000')).split('\u0000')
}

/**
 * A field before its editor: the markup ProseMirror will render (same element, classes and attributes,
 * so the box and the typography do not move when the editor replaces it), read-only, and a Tab stop
 * where the editor is one.
 */
function FieldPlaceholder(props: Props & { onMount: (handover: Handover, sync: boolean) => void }) {
  const { session, fragment, label, field, className, onMount } = props
  const readOnly = props.readOnly === true || session.readOnly !== null
  const paragraphs = useParagraphs(fragment)
  const mounter = useFieldMounter()
  const nav = useFieldNav()
  const element = useRef<HTMLDivElement>(null)
  const latest = useRef(onMount)
  latest.current = onMount
  const mountingNow = useRef(false)

  // One of the sheet's first fields, or a row just added that the cursor waits for: the editor now,
  // before the first paint (and the editor takes the cursor as it registers); otherwise when its turn comes.
  const { list, rowId, field: name } = field
  useLayoutEffect(() => {
    if (!mounter || !element.current) return
    const awaited = !!nav && !!rowId && list !== 'situation' && nav.awaits({ list: list as Cell['list'], rowId, field: name })
    // Then the editor registers for the cursor, not this.
    mountingNow.current = awaited
    const watching = awaited || mounter.watch(element.current, () => latest.current(null, false))
    if (watching === true) latest.current(null, false)
    else return watching
  }, [mounter, nav, list, rowId, name])

  // The cursor sent here (arrow keys, Enter, Tab from a one-line cell): mount and take it, as the editor does.
  useEffect(() => {
    if (!nav || !rowId || list === 'situation' || mountingNow.current) return
    let registering = true
    const unregister = nav.register({ list: list as Cell['list'], rowId, field: name }, (at) => {
      // A request that waited is answered inside register(), inside this effect, where React cannot
      // render synchronously: right after it, then, before the next key.
      if (registering) queueMicrotask(() => latest.current({ at, scroll: true }, true))
      else latest.current({ at, scroll: true }, true)
    })
    registering = false
    return unregister
  }, [nav, list, rowId, name])

  return (
    <div>
      {/* biome-ignore lint/a11y/useSemanticElements: the editor's own element and role (a contenteditable textbox), not a form control. */}
      <div
        ref={element}
        className={`tiptap ProseMirror field ${className ?? ''}`}
        role="textbox"
        aria-multiline="true"
        aria-label={label}
        aria-readonly={readOnly ? 'true' : undefined}
        spellCheck={false}
        translate="no"
        // A read-only editor is no Tab stop (contenteditable=false); an editable one is.
        tabIndex={readOnly ? -1 : 0}
        data-placeholder-field=""
        // The mouse on its way to a click: the editor is there before the button goes down, and the
        // browser puts the caret (or starts a selection) in it as usual. Not while a button is held (a
        // selection dragged across fields): the text under it must stay where it is.
        // (Rendered at once, flushSync: a pointerover's update would otherwise wait for a later task.)
        onPointerOver={(e) => {
          if (e.buttons === 0) onMount(null, true)
        }}
        onPointerDown={(e) => onMount({ x: e.clientX, y: e.clientY }, true)}
        onFocus={() => onMount({ at: 'start', scroll: false }, true)}
      >
        {paragraphs.map((text, index) => (
          <p key={index}>{text === '' ? <br className="ProseMirror-trailingBreak" /> : text}</p>
        ))}
      </div>
    </div>
  )
}

/** The editor of CollabText; `handover`, when set, is where the caret goes once it is mounted. */
function CollabEditor(props: Props & { handover: MutableRefObject<Handover>; requests: number }) {
  const { session, fragment, label, field, className, handover, requests } = props
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

  // Mounted because the field was focused, clicked or sent the cursor: the caret goes there now, before
  // the next key (Tiptap's focus command waits for a frame, and a key typed meanwhile would be lost).
  useLayoutEffect(() => {
    const wanted = handover.current
    if (!editor || editor.isDestroyed || !wanted) return
    handover.current = null
    const { view } = editor
    const { doc } = view.state
    let selection: Selection = Selection.atStart(doc)
    if ('at' in wanted) {
      if (wanted.at === 'end') selection = Selection.atEnd(doc)
    } else {
      const hit = view.posAtCoords({ left: wanted.x, top: wanted.y })
      if (hit) selection = TextSelection.near(doc.resolve(hit.pos))
    }
    const tr = view.state.tr.setSelection(selection)
    view.dispatch('at' in wanted && wanted.scroll ? tr.scrollIntoView() : tr)
    view.focus()
  }, [editor, handover, requests])

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
