import { deleteRow, insertRow, moveRow, type RowInit, type RowListName, rowLists, rowMap } from '@hoshin/sheet'
import type * as Y from 'yjs'
import { ROW_ORIGIN } from '../sync/useSheetSession'

/** Row operations as this person's undoable changes (the row undo tracks ROW_ORIGIN). */
export const rowOps = {
  insert(doc: Y.Doc, list: RowListName, init: RowInit, position: { after?: string } | 'end'): string {
    let id = ''
    doc.transact(() => {
      id = insertRow(doc, list, init, position)
    }, ROW_ORIGIN)
    return id
  },
  move(doc: Y.Doc, list: RowListName, id: string, position: { before?: string; after?: string }): void {
    doc.transact(() => moveRow(doc, list, id, position), ROW_ORIGIN)
  },
  remove(doc: Y.Doc, list: RowListName, id: string): void {
    doc.transact(() => deleteRow(doc, list, id), ROW_ORIGIN)
  },
  setBudget(doc: Y.Doc, id: string, budget: number | null): void {
    doc.transact(() => rowMap(doc, 'projects').get(id)?.set('budget', budget), ROW_ORIGIN)
  },
  setNames(doc: Y.Doc, array: Y.Array<string>, names: string[]): void {
    doc.transact(() => {
      array.delete(0, array.length)
      array.insert(0, names)
    }, ROW_ORIGIN)
  },
}

/** The document's words for each list, used in labels ("施策 3 施策の内容"). */
export const listNames: Record<RowListName, string> = {
  issues: '行政課題',
  annualPolicies: '単年度方針',
  longTermPolicies: '中長期方針',
  measures: '施策',
  projects: '事務事業',
}

export const fieldNames: Record<string, string> = {
  text: '',
  outcome: '成果',
  name: '名',
  content: 'の内容',
  sections: '担当係名',
  partners: '連携課名',
  budget: '事業費',
}

/** "施策 3 施策の内容", "事務事業 5 事務事業名", "行政課題 2", "中長期方針 1 成果". */
export function fieldLabel(list: RowListName, rank: number, field: string): string {
  const base = listNames[list]
  switch (field) {
    case 'text':
      return `${base} ${rank}`
    case 'name':
      return `${base} ${rank} ${base}名`
    case 'content':
      return `${base} ${rank} ${base}の内容`
    default:
      return `${base} ${rank} ${fieldNames[field] ?? field}`
  }
}

/** The list a row id lives in (ids are unique across the sheet). */
export function findRowList(doc: Y.Doc, id: string): RowListName | undefined {
  return rowLists.find((list) => rowMap(doc, list).has(id))
}
