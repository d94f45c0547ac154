import { orderedRowIds, type RowListName, rowMap } from '@hoshin/sheet'
import { useCallback, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

/** Row ids of a list in display order; re-renders on insert, delete and reorder. */
export function useRowIds(doc: Y.Doc, list: RowListName): string[] {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const map = rowMap(doc, list)
      const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
        // Only the list's own keys (rows added/removed) and rows' order keys change the order.
        if (events.some((e) => e.target === map || (e.path.length === 1 && (e as Y.YMapEvent<unknown>).keysChanged?.has('order')))) {
          onChange()
        }
      }
      map.observeDeep(handler)
      return () => map.unobserveDeep(handler)
    },
    [doc, list],
  )
  const snapshot = useCallback(() => orderedRowIds(doc, list).join('\u0000'), [doc, list])
  const joined = useSyncExternalStore(subscribe, snapshot)
  return joined ? joined.split('\u0000') : []
}

/** A plain value in a Y.Map (a row's budget). */
export function useYValue<T>(map: Y.Map<unknown> | undefined, key: string): T | undefined {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!map) return () => undefined
      const handler = (event: Y.YMapEvent<unknown>) => {
        if (event.keysChanged.has(key)) onChange()
      }
      map.observe(handler)
      return () => map.unobserve(handler)
    },
    [map, key],
  )
  return useSyncExternalStore(subscribe, () => map?.get(key) as T | undefined)
}

/** The strings of a Y.Array (a row's sections or partners). */
export function useYStrings(array: Y.Array<string> | undefined): string[] {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!array) return () => undefined
      array.observe(onChange)
      return () => array.unobserve(onChange)
    },
    [array],
  )
  const joined = useSyncExternalStore(subscribe, () => (array ? array.toArray().join('\u0000') : ''))
  return joined ? joined.split('\u0000') : []
}

/** The 事業費 total of the projects table, live. */
export function useBudgetTotal(doc: Y.Doc): number {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const map = rowMap(doc, 'projects')
      map.observeDeep(onChange)
      return () => map.unobserveDeep(onChange)
    },
    [doc],
  )
  return useSyncExternalStore(subscribe, () => {
    let total = 0
    for (const row of rowMap(doc, 'projects').values()) {
      const budget = row.get('budget')
      if (typeof budget === 'number') total += budget
    }
    return total
  })
}
