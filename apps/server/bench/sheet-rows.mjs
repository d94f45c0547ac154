// Where compare.mjs's clients type: rows of a sheet's `issues` list, the shape @hoshin/sheet gives them
// ([S4]: a Y.Map per row with an order key and its text as a Y.XmlFragment of paragraphs). Hoshin's server
// takes changes only under a sheet's root types ([S19]) and refuses an update to an invented one (a
// top-level `bench` text or `stamps` map), so every server under test is given the same sheet-shaped edits.
// Each writer adds a row of its own (its id as the key: no two clients ever make the same row) before the
// measured run; an edit is then one character into that row's text and the send time into its `stamp`.
import * as Y from 'yjs'

export const ROWS = 'issues'

/** Adds the row `id` (empty text) and returns its Y.Map and the Y.XmlText one types into. */
export function addRow(doc, id) {
  let row
  let text
  doc.transact(() => {
    row = new Y.Map()
    doc.getMap(ROWS).set(id, row)
    row.set('order', 'a0')
    const fragment = new Y.XmlFragment()
    row.set('text', fragment)
    const paragraph = new Y.XmlElement('paragraph')
    fragment.insert(0, [paragraph])
    text = new Y.XmlText()
    paragraph.insert(0, [text])
  })
  return { row, text }
}

/** The Y.XmlText of the row `id` as this client's copy has it (undefined until the row has arrived). */
export function rowText(doc, id) {
  return doc.getMap(ROWS).get(id)?.get('text')?.get(0)?.get(0)
}

/**
 * Calls `arrived(rowId, sentAt)` for each stamp another client sets in its row (one per edit that reaches
 * this client; a row's arrival itself is not an edit).
 */
export function observeStamps(doc, arrived) {
  const rows = doc.getMap(ROWS)
  rows.observeDeep((events, transaction) => {
    if (transaction.local) return
    for (const event of events) {
      if (event.target === rows || !(event.target instanceof Y.Map) || !event.keysChanged.has('stamp')) continue
      const id = event.path[0]
      arrived(id, event.target.get('stamp'))
    }
  })
}
