import { evaluationRootNames } from '@hoshin/sheet'
import * as Y from 'yjs'

/** The plan's root types ([S4] in packages/sheet/SPEC.md), editable while the sheet is not approved. */
export const PLAN_ROOTS: ReadonlySet<string> = new Set(['situation', 'issues', 'annualPolicies', 'longTermPolicies', 'measures', 'projects'])
/** Every root type a client may ever write: the plan's and the two evaluations' ([S20]); `meta` is the server's. */
const CLIENT_ROOTS: ReadonlySet<string> = new Set([...PLAN_ROOTS, ...evaluationRootNames])

type Decoded = ReturnType<typeof Y.decodeUpdate>
type DecodedItem = { parent: string | Y.ID | null; origin: Y.ID | null; rightOrigin: Y.ID | null; id: Y.ID; length: number }

/**
 * (What follows is why an update is refused.) An update a client sends may only touch what a sheet has: content under the six editable root
 * types, and no change to `meta` (the department and year a sheet belongs to). An invented root type
 * (`probe`) would be stored and synced to every reader; a changed `meta` would move the sheet. Items are
 * followed to their root through their parent, or through the neighbour they were inserted next to (the
 * encoding names a parent only when an item has no neighbours), in the document or in the update itself.
 * What cannot be resolved yet is left alone: Yjs holds it back as pending and the server drops it.
 */
/**
 * The root types an update a client sent changes, or null when it touches anything a sheet does not have
 * (an invented root, `meta`). What cannot be resolved yet is not counted (see below).
 */
export function rootsTouched(doc: Y.Doc, decoded: Decoded): Set<string> | null {
  const touched = new Set<string>()
  // The update's items per client, in clock order (as the encoding keeps them): an id is found by a
  // binary search over ranges. One entry per clock would make a 2 MiB string two million map entries.
  const items = decoded.structs.filter((struct) => struct instanceof Y.Item) as unknown as DecodedItem[]
  const byClient = new Map<number, DecodedItem[]>()
  for (const item of items) {
    const list = byClient.get(item.id.client)
    if (list) list.push(item)
    else byClient.set(item.id.client, [item])
  }
  const inUpdate = (id: Y.ID): DecodedItem | undefined => {
    const list = byClient.get(id.client)
    if (!list) return undefined
    let low = 0
    let high = list.length - 1
    while (low <= high) {
      const mid = (low + high) >> 1
      const item = list[mid]!
      if (id.clock < item.id.clock) high = mid - 1
      else if (id.clock >= item.id.clock + item.length) low = mid + 1
      else return item
    }
    return undefined
  }
  const rootOfStored = (id: Y.ID, { live = false } = {}): string | null | undefined => {
    let struct: unknown
    try {
      struct = Y.getItem(doc.store, id)
    } catch {
      return undefined
    }
    // Garbage-collected content has no parent any more: nothing to tell from it.
    if (!(struct instanceof Y.Item)) return undefined
    const item = struct
    // A sync step 2 repeats the client's whole delete set: what is deleted already changes nothing.
    if (live && item.deleted) return undefined
    let type = item.parent as Y.AbstractType<unknown> | null
    while (type?._item) type = type._item.parent as Y.AbstractType<unknown>
    return type ? Y.findRootTypeKey(type) : null
  }
  const rootOf = (item: DecodedItem, depth = 0): string | null | undefined => {
    if (depth > 1000) return null
    if (typeof item.parent === 'string') return item.parent
    const via = item.parent ?? item.origin ?? item.rightOrigin
    if (!via) return null
    const holder = inUpdate(via)
    if (holder && holder !== item) {
      // A nested type's item, or a neighbour sent along: its root is this item's root.
      return rootOf(holder, depth + 1)
    }
    return rootOfStored(via)
  }
  for (const item of items) {
    const root = rootOf(item)
    if (root === undefined) continue
    if (root === null || !CLIENT_ROOTS.has(root)) return null
    touched.add(root)
  }
  // Deletions: nothing of `meta` may go.
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      const root = rootOfStored({ client, clock: range.clock } as Y.ID, { live: true })
      if (root === undefined || root === null) continue
      if (!CLIENT_ROOTS.has(root)) return null
      touched.add(root)
    }
  }
  return touched
}
