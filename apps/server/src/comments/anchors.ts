import { readFieldText, type RowListName, rowLists, rowMap, situationFragment } from '@hoshin/sheet'
import { fromBase64, toBase64 } from 'lib0/buffer'
import * as Y from 'yjs'

/**
 * Text-range anchors: both ends are Yjs relative positions, so a thread stays on its words while others
 * type before, inside or after them, and goes "detached" when the words are deleted.
 */
export interface TextAnchor {
  rowId: string
  field: string
  start: string
  end: string
}

/** Which row list a row id lives in (ids are unique across the sheet). */
export function findRow(doc: Y.Doc, rowId: string): { list: RowListName; row: Y.Map<unknown> } | undefined {
  for (const list of rowLists) {
    const row = rowMap(doc, list).get(rowId)
    if (row) return { list, row }
  }
  return undefined
}

export function fieldFragment(doc: Y.Doc, rowId: string, field: string): Y.XmlFragment | undefined {
  if (rowId === 'situation') return field === 'text' ? situationFragment(doc) : undefined
  const value = findRow(doc, rowId)?.row.get(field)
  return value instanceof Y.XmlFragment ? value : undefined
}

function paragraphs(fragment: Y.XmlFragment): Y.XmlElement[] {
  return fragment.toArray().filter((n): n is Y.XmlElement => n instanceof Y.XmlElement)
}

function paragraphText(p: Y.XmlElement): Y.XmlText | undefined {
  return p.toArray().find((n): n is Y.XmlText => n instanceof Y.XmlText)
}

/** A relative position at a plain-text offset of a field (paragraphs joined by "\n"). */
export function relativeAt(fragment: Y.XmlFragment, offset: number, assoc: number): Y.RelativePosition {
  let remaining = offset
  const list = paragraphs(fragment)
  for (const [i, p] of list.entries()) {
    const text = paragraphText(p)
    const length = text?.length ?? 0
    if (remaining <= length || i === list.length - 1) {
      return text
        ? Y.createRelativePositionFromTypeIndex(text, Math.min(remaining, length), assoc)
        : Y.createRelativePositionFromTypeIndex(p, 0, assoc)
    }
    remaining -= length + 1
  }
  return Y.createRelativePositionFromTypeIndex(fragment, 0, assoc)
}

/** The plain-text offset a relative position points at now, or null when its words are gone. */
export function offsetOf(doc: Y.Doc, fragment: Y.XmlFragment, position: Y.RelativePosition): number | null {
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc)
  if (!absolute) return null
  const type = absolute.type
  const paragraph = type instanceof Y.XmlText ? type.parent : type
  if (!(paragraph instanceof Y.XmlElement) || paragraph.parent !== fragment) return null
  let offset = 0
  for (const p of paragraphs(fragment)) {
    if (p === paragraph) return offset + (type instanceof Y.XmlText ? absolute.index : 0)
    offset += (paragraphText(p)?.length ?? 0) + 1
  }
  return null
}

export function encodeAnchor(rowId: string, field: string, fragment: Y.XmlFragment, start: number, end: number): TextAnchor {
  return {
    rowId,
    field,
    // The start sticks to the first selected character and the end to the last one, so text typed
    // right at either edge stays outside the range; text typed inside is in it.
    start: toBase64(Y.encodeRelativePosition(relativeAt(fragment, start, 0))),
    end: toBase64(Y.encodeRelativePosition(relativeAt(fragment, end, -1))),
  }
}

/** Where the anchored words are now, or null when detached (the field, its row or all its words were deleted). */
export function resolveAnchor(doc: Y.Doc, anchor: TextAnchor): { start: number; end: number; text: string } | null {
  const fragment = fieldFragment(doc, anchor.rowId, anchor.field)
  if (!fragment) return null
  const start = offsetOf(doc, fragment, Y.decodeRelativePosition(fromBase64(anchor.start)))
  const end = offsetOf(doc, fragment, Y.decodeRelativePosition(fromBase64(anchor.end)))
  if (start === null || end === null || end <= start) return null
  return { start, end, text: readFieldText(fragment).slice(start, end) }
}
