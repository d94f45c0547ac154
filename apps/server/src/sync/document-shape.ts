import * as Y from 'yjs'

/** The root types of a sheet document ([S4] in packages/sheet/SPEC.md); `meta` is written by the server only. */
const CLIENT_ROOTS: ReadonlySet<string> = new Set(['situation', 'issues', 'annualPolicies', 'longTermPolicies', 'measures', 'projects'])

type Decoded = ReturnType<typeof Y.decodeUpdate>
type DecodedItem = { parent: string | Y.ID | null; origin: Y.ID | null; rightOrigin: Y.ID | null; id: Y.ID; length: number }

const key = (id: Y.ID) => `${id.client}:${id.clock}`

/**
 * Whether an update a client sent only touches what a sheet has: content under the six editable root
 * types, and no change to `meta` (the department and year a sheet belongs to). An invented root type
 * (`probe`) would be stored and synced to every reader; a changed `meta` would move the sheet. Items are
 * followed to their root through their parent, or through the neighbour they were inserted next to (the
 * encoding names a parent only when an item has no neighbours), in the document or in the update itself.
 * What cannot be resolved yet is left alone: Yjs holds it back as pending and the server drops it.
 */
export function touchesOnlyClientRoots(doc: Y.Doc, decoded: Decoded): boolean {
  const local = new Map<string, DecodedItem>()
  for (const struct of decoded.structs) {
    if (struct.constructor.name !== 'Item') continue
    const item = struct as unknown as DecodedItem
    for (let i = 0; i < item.length; i++) local.set(key({ client: item.id.client, clock: item.id.clock + i } as Y.ID), item)
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
    const inUpdate = local.get(key(via))
    if (inUpdate && inUpdate !== item) {
      // A nested type's item: its content's root is the root of the item holding the type.
      return rootOf(inUpdate, depth + 1)
    }
    return rootOfStored(via)
  }
  for (const item of new Set(local.values())) {
    const root = rootOf(item)
    if (root === undefined) continue
    if (root === null || !CLIENT_ROOTS.has(root)) return false
  }
  // Deletions: nothing of `meta` may go.
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      const root = rootOfStored({ client, clock: range.clock } as Y.ID, { live: true })
      if (root !== undefined && root !== null && !CLIENT_ROOTS.has(root)) return false
    }
  }
  return true
}
