import { rowMap, sheetToDoc, writeFieldText } from '@hoshin/sheet'
import { kikakuZaisei2025 } from '@hoshin/sheet/demo'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { anchorPosition } from './CommentHighlights'

describe('where a comment’s stored anchor is in the field', () => {
  const doc = sheetToDoc(kikakuZaisei2025)
  const id = [...rowMap(doc, 'measures').keys()][0]!
  const fragment = rowMap(doc, 'measures').get(id)!.get('content') as Y.XmlFragment
  /** As the server anchors a comment: at a plain-text offset of the paragraph's text. */
  const at = (paragraph: number, offset: number, assoc: number) => {
    const p = fragment.get(paragraph) as Y.XmlElement
    return Y.decodeRelativePosition(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(p.get(0) as Y.XmlText, offset, assoc)))
  }

  it('finds words at the very start of a field (y-tiptap’s resolver gives null there)', () => {
    expect(anchorPosition(doc, fragment, at(0, 0, 0))).toBe(1)
    expect(anchorPosition(doc, fragment, at(0, 4, -1))).toBe(5)
  })

  it('counts earlier paragraphs with their tags, and says null once the words are deleted', () => {
    writeFieldText(fragment, 'ab\ncdef')
    // 「ab」 is 4 positions with its tags; then the second paragraph's tag, then one character.
    expect(anchorPosition(doc, fragment, at(1, 1, 0))).toBe(4 + 1 + 1)
    const gone = at(0, 0, 0)
    writeFieldText(fragment, 'xyz')
    expect(anchorPosition(doc, fragment, gone)).toBe(null)
  })
})
