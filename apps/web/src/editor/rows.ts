import {
  deleteIndicator,
  deleteRow,
  type IndicatorListName,
  type IndicatorValueField,
  insertIndicator,
  insertRow,
  moveRow,
  type RowInit,
  type RowListName,
  rowLists,
  rowMap,
  setIndicatorValue,
} from '@hoshin/sheet'
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
  /** A new indicator at the end of a row's list ([S18]); returns its id. */
  insertIndicator(doc: Y.Doc, list: IndicatorListName, rowId: string): string {
    let id = ''
    doc.transact(() => {
      id = insertIndicator(doc, list, rowId)
    }, ROW_ORIGIN)
    return id
  },
  removeIndicator(doc: Y.Doc, list: IndicatorListName, rowId: string, id: string): void {
    doc.transact(() => deleteIndicator(doc, list, rowId, id), ROW_ORIGIN)
  },
  /** One plain field of an indicator, set as a whole (as 事業費). */
  setIndicator(doc: Y.Doc, list: IndicatorListName, rowId: string, id: string, field: IndicatorValueField, value: string | number | null): void {
    doc.transact(() => setIndicatorValue(doc, list, rowId, id, field, value), ROW_ORIGIN)
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

/** The sheet's words for an indicator's fields ([S18]): its sub-table's column heads. */
export const indicatorFieldNames: Record<string, string> = {
  name: '指標名',
  unit: '単位',
  kind: '種別',
  baseline: '基準値',
  baselineYear: '基準年度',
  target: '目標値',
  longTermTarget: '長期目標値',
  source: '出典',
}

/** "施策 2 指標 1", the indicator's name in labels. */
export function indicatorLabel(list: RowListName, rank: number, number: number): string {
  return `${listNames[list]} ${rank} 指標 ${number}`
}

/** "施策 2 指標 1 目標値". */
export function indicatorFieldLabel(list: RowListName, rank: number, number: number, field: string): string {
  return `${indicatorLabel(list, rank, number)} ${indicatorFieldNames[field] ?? field}`
}
