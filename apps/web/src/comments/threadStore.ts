import type { ThreadView } from '@hoshin/protocol'
import type * as Y from 'yjs'

/**
 * The sheet's threads, shared with the text fields' highlight plugins (which live inside Tiptap, outside
 * React's tree), and the way a click on a highlight asks the page to open its thread. One per Y.Doc.
 */
export interface ThreadStore {
  threads: readonly ThreadView[]
  listeners: Set<() => void>
  open: ((threadId: string) => void) | null
}

const stores = new WeakMap<Y.Doc, ThreadStore>()

export function threadStore(doc: Y.Doc): ThreadStore {
  let store = stores.get(doc)
  if (!store) {
    store = { threads: [], listeners: new Set(), open: null }
    stores.set(doc, store)
  }
  return store
}

export function publishThreads(doc: Y.Doc, threads: readonly ThreadView[]): void {
  const store = threadStore(doc)
  store.threads = threads
  for (const listener of store.listeners) listener()
}
