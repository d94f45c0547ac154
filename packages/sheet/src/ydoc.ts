import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing'
import * as Y from 'yjs'
import { type EvaluationRootName, evaluationRootNames } from './roots.js'
import { type Indicator, type IndicatorKind, type Sheet, SHEET_FORMAT } from './schema.js'

/** The five row lists of a sheet, each a top-level Y.Map keyed by row id ([S4]). */
export type RowListName = 'issues' | 'annualPolicies' | 'longTermPolicies' | 'measures' | 'projects'
export const rowLists: readonly RowListName[] = ['issues', 'annualPolicies', 'longTermPolicies', 'measures', 'projects']

/** Which fields of a row are collaborative text (Y.XmlFragment) and which are lists of names (Y.Array). */
export const rowFields = {
  issues: { text: ['text'], names: [] },
  annualPolicies: { text: ['text'], names: [] },
  longTermPolicies: { text: ['text', 'outcome'], names: [] },
  measures: { text: ['name', 'content'], names: ['sections', 'partners'] },
  projects: { text: ['name', 'content'], names: ['sections', 'partners'] },
} as const satisfies Record<RowListName, { text: readonly string[]; names: readonly string[] }>

export interface RowInit {
  text?: string
  outcome?: string
  name?: string
  content?: string
  sections?: string[]
  partners?: string[]
  budget?: number | null
  planLinks?: readonly string[]
  indicators?: readonly Indicator[]
}

export type RowPosition = { before?: string; after?: string } | 'end'

/**
 * The layout of the Y.Doc this code reads and writes ([S19]): `meta.layout`. 1 (no `layout` key) had no
 * indicators; 2 gives every measure and project an `indicators` map. A document of a later layout is
 * not this code's to write.
 */
export const LAYOUT = 2

/** The lists whose rows hold indicators ([S18]). */
export const indicatorLists = ['measures', 'projects'] as const satisfies readonly RowListName[]
export type IndicatorListName = (typeof indicatorLists)[number]
const holdsIndicators = (list: RowListName): list is IndicatorListName => list === 'measures' || list === 'projects'

/** An indicator's fields that are collaborative text (Y.XmlFragment); the others are plain values. */
export const indicatorTextFields = ['name', 'source'] as const
/** An indicator's plain-valued fields, each set as a whole (last writer wins, as 事業費). */
export const indicatorValueFields = ['unit', 'kind', 'baseline', 'baselineYear', 'target', 'longTermTarget'] as const
export type IndicatorValueField = (typeof indicatorValueFields)[number]

export type IndicatorInit = Partial<Omit<Indicator, 'id'>>

/** The paragraph node name y-prosemirror and Tiptap use ([S2]). */
const PARAGRAPH = 'paragraph'

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta')
}

export function situationFragment(doc: Y.Doc): Y.XmlFragment {
  return doc.getXmlFragment('situation')
}

export function rowMap(doc: Y.Doc, list: RowListName): Y.Map<Y.Map<unknown>> {
  return doc.getMap(list)
}

/** Replaces a field's content with `text`, one paragraph per line ([S2]). */
export function writeFieldText(fragment: Y.XmlFragment, text: string): void {
  const write = () => {
    if (fragment.length) fragment.delete(0, fragment.length)
    const paragraphs = text.split('\n').map(() => new Y.XmlElement(PARAGRAPH))
    fragment.insert(0, paragraphs)
    text.split('\n').forEach((line, i) => {
      if (line) paragraphs[i]!.insert(0, [new Y.XmlText(line)])
    })
  }
  if (fragment.doc) fragment.doc.transact(write)
  else write()
}

function inlineText(node: Y.XmlElement | Y.XmlText | Y.XmlFragment): string {
  if (node instanceof Y.XmlText) {
    return node
      .toDelta()
      .map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : ''))
      .join('')
  }
  if (node instanceof Y.XmlElement && node.nodeName === 'hardBreak') return '\n'
  return node
    .toArray()
    .map((child) => (child instanceof Y.XmlElement || child instanceof Y.XmlText ? inlineText(child) : ''))
    .join('')
}

/** A field's plain text: its paragraphs joined by "\n" ([S2]). */
export function readFieldText(fragment: Y.XmlFragment): string {
  return fragment
    .toArray()
    .map((child) => (child instanceof Y.XmlElement || child instanceof Y.XmlText ? inlineText(child) : ''))
    .join('\n')
}

/** A random row id (96 bits, base 36), unique without coordination between peers ([S4]). */
export function newRowId(): string {
  const bytes = new Uint8Array(12)
  ;(globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes)
  return `r${Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')}`
}

function orderOf(row: Y.Map<unknown> | undefined): string {
  const order = row?.get('order')
  return typeof order === 'string' ? order : ''
}

/** Row ids in display order: by order key, ties (concurrent inserts) broken by id, the same on every peer ([S5]). */
export function orderedRowIds(doc: Y.Doc, list: RowListName): string[] {
  const rows = rowMap(doc, list)
  return [...rows.entries()]
    .map(([id, row]) => ({ id, order: orderOf(row) }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id)
}

/** An order key that sorts between the neighbours of the wanted position ([S6]). */
function keyFor(doc: Y.Doc, list: RowListName, position: RowPosition, moving?: string): string {
  const rows = rowMap(doc, list)
  const ids = orderedRowIds(doc, list).filter((id) => id !== moving)
  let index = ids.length
  if (position !== 'end') {
    if (position.before !== undefined && ids.includes(position.before)) index = ids.indexOf(position.before)
    else if (position.after !== undefined && ids.includes(position.after)) index = ids.indexOf(position.after) + 1
  }
  const lowerId = ids[index - 1]
  const upperId = ids[index]
  const lower = lowerId === undefined ? null : orderOf(rows.get(lowerId)) || null
  let upper = upperId === undefined ? null : orderOf(rows.get(upperId)) || null
  if (lower !== null && upper !== null && lower >= upper) {
    // Two neighbours share a key (concurrent inserts): give the upper one a fresh key just above, then fit between.
    const aboveId = ids[index + 1]
    const above = aboveId === undefined ? null : orderOf(rows.get(aboveId)) || null
    upper = generateKeyBetween(lower, above !== null && above > lower ? above : null)
    rows.get(upperId!)!.set('order', upper)
  }
  return generateKeyBetween(lower, upper)
}

/** A row's indicators map ([S18]), or undefined when the row has none (a layout-1 row not yet migrated). */
export function indicatorMap(row: Y.Map<unknown> | undefined): Y.Map<Y.Map<unknown>> | undefined {
  const map = row?.get('indicators')
  return map instanceof Y.Map ? (map as Y.Map<Y.Map<unknown>>) : undefined
}

function fillIndicator(indicator: Y.Map<unknown>, init: IndicatorInit): void {
  for (const field of indicatorTextFields) {
    const fragment = new Y.XmlFragment()
    indicator.set(field, fragment)
    writeFieldText(fragment, init[field] ?? '')
  }
  indicator.set('unit', init.unit ?? '')
  indicator.set('kind', init.kind ?? 'outcome')
  indicator.set('baseline', init.baseline ?? null)
  indicator.set('baselineYear', init.baselineYear ?? null)
  indicator.set('target', init.target ?? null)
  indicator.set('longTermTarget', init.longTermTarget ?? null)
  if (init.kpi) indicator.set('kpi', init.kpi)
}

/** Most plan 施策 one row may link to ([S21]); a row addressing more is a row to split. */
export const MAX_PLAN_LINKS = 20

/**
 * Plan links as stored ([S21]): a plain array of ids set as a whole. Read tolerantly ([S9]): strings of an
 * id's length only, each once, at most MAX_PLAN_LINKS; anything else a peer wrote reads as no link.
 */
function linkIds(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  const out: string[] = []
  for (const v of value) {
    if (typeof v === 'string' && v.length >= 1 && v.length <= 100 && !out.includes(v)) out.push(v)
    if (out.length === MAX_PLAN_LINKS) break
  }
  return out
}

function kpiId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= 100 ? value : undefined
}

/** A row's plan 施策 links ([S21]). */
export function readPlanLinks(row: Y.Map<unknown> | undefined): string[] {
  return linkIds(row?.get('planLinks'))
}

/** Sets a measure's or project's plan links as a whole (last writer wins, as 事業費); [] removes them. */
export function setPlanLinks(doc: Y.Doc, list: IndicatorListName, rowId: string, ids: readonly string[]): void {
  const row = rowMap(doc, list).get(rowId)
  if (!row) return
  const wanted = linkIds([...ids])
  if (readPlanLinks(row).join('\u0000') === wanted.join('\u0000')) return
  if (wanted.length) row.set('planLinks', wanted)
  else if (row.has('planLinks')) row.delete('planLinks')
}

/** Sets (or with null removes) the KPI an indicator reports on ([S21]). */
export function setIndicatorKpi(doc: Y.Doc, list: IndicatorListName, rowId: string, id: string, kpi: string | null): void {
  const indicator = indicatorMap(rowMap(doc, list).get(rowId))?.get(id)
  if (!indicator) return
  const wanted = kpi === null ? undefined : kpiId(kpi)
  if (kpiId(indicator.get('kpi')) === wanted) return
  if (wanted) indicator.set('kpi', wanted)
  else if (indicator.has('kpi')) indicator.delete('kpi')
}

function orderedIds(map: Y.Map<Y.Map<unknown>>): string[] {
  return [...map.entries()]
    .map(([id, entry]) => ({ id, order: orderOf(entry) }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id)
}

/** A row's indicator ids in display order (by order key, ties by id, as rows [S5]). */
export function orderedIndicatorIds(row: Y.Map<unknown> | undefined): string[] {
  const map = indicatorMap(row)
  return map ? orderedIds(map) : []
}

/** Adds an indicator at the end of a row's list; returns its id. The row's map is made if it lacks one. */
export function insertIndicator(doc: Y.Doc, list: IndicatorListName, rowId: string, init: IndicatorInit = {}, id = newRowId()): string {
  doc.transact(() => {
    const row = rowMap(doc, list).get(rowId)
    if (!row) return
    let map = indicatorMap(row)
    if (!map) {
      map = new Y.Map()
      row.set('indicators', map)
    }
    const ids = orderedIds(map)
    const last = ids.length ? orderOf(map.get(ids.at(-1)!)) || null : null
    const indicator = new Y.Map<unknown>()
    map.set(id, indicator)
    indicator.set('order', generateKeyBetween(last, null))
    fillIndicator(indicator, init)
  })
  return id
}

/** Removes an indicator from its row. */
export function deleteIndicator(doc: Y.Doc, list: IndicatorListName, rowId: string, id: string): void {
  indicatorMap(rowMap(doc, list).get(rowId))?.delete(id)
}

/** Sets one plain field of an indicator (a number, the unit or the kind). */
export function setIndicatorValue(doc: Y.Doc, list: IndicatorListName, rowId: string, id: string, field: IndicatorValueField, value: string | number | null): void {
  const indicator = indicatorMap(rowMap(doc, list).get(rowId))?.get(id)
  if (indicator && indicator.get(field) !== value) indicator.set(field, value)
}

const indicatorNumber = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1e12 ? value : null)

/** A row's indicators as canonical JSON reads them; tolerant as [S9]. */
export function readIndicators(row: Y.Map<unknown> | undefined): Indicator[] {
  const map = indicatorMap(row)
  if (!map) return []
  return orderedIds(map).map((id) => {
    const entry = map.get(id)!
    const kind = entry.get('kind')
    const unit = entry.get('unit')
    const year = entry.get('baselineYear')
    const kpi = kpiId(entry.get('kpi'))
    return {
      id,
      ...(kpi ? { kpi } : {}),
      name: text(entry, 'name'),
      unit: typeof unit === 'string' ? unit : '',
      kind: (kind === 'activity' ? 'activity' : 'outcome') as IndicatorKind,
      baseline: indicatorNumber(entry.get('baseline')),
      baselineYear: typeof year === 'number' && Number.isInteger(year) && year >= 1989 && year <= 2200 ? year : null,
      target: indicatorNumber(entry.get('target')),
      longTermTarget: indicatorNumber(entry.get('longTermTarget')),
      source: text(entry, 'source'),
    }
  })
}

/** Makes a row's indicators say what `wanted` says, changing only what differs ([S15]). */
function applyIndicators(row: Y.Map<unknown>, wanted: readonly Indicator[]): void {
  let map = indicatorMap(row)
  if (!map) {
    map = new Y.Map()
    row.set('indicators', map)
  }
  const wantedIds = new Set(wanted.map((i) => i.id))
  for (const id of [...map.keys()]) if (!wantedIds.has(id)) map.delete(id)
  for (const source of wanted) {
    let entry = map.get(source.id)
    if (!entry) {
      entry = new Y.Map<unknown>()
      map.set(source.id, entry)
      entry.set('order', '')
      fillIndicator(entry, source)
      continue
    }
    for (const field of indicatorTextFields) {
      const fragment = entry.get(field)
      if (fragment instanceof Y.XmlFragment) {
        if (readFieldText(fragment) !== source[field]) writeFieldText(fragment, source[field])
      } else {
        const created = new Y.XmlFragment()
        entry.set(field, created)
        writeFieldText(created, source[field])
      }
    }
    for (const field of indicatorValueFields) if (entry.get(field) !== source[field]) entry.set(field, source[field])
    if (kpiId(entry.get('kpi')) !== source.kpi) {
      if (source.kpi) entry.set('kpi', source.kpi)
      else entry.delete('kpi')
    }
  }
  const order = wanted.map((i) => i.id)
  if (orderedIds(map).join('\u0000') !== order.join('\u0000')) {
    const keys = generateNKeysBetween(null, null, order.length)
    for (const [i, id] of order.entries()) map.get(id)?.set('order', keys[i]!)
  }
}

export type LayoutCheck =
  | { ok: true; from: number; changed: boolean }
  | { ok: false; reason: 'future' | 'malformed'; layout: unknown }

/**
 * Brings a document to this code's layout ([S19]), idempotently: a layout-1 document gets an empty
 * `indicators` map in every measure and project and `meta.layout = 2`; a layout-2 document gets a map in
 * any row that lacks one (a row made by a client of layout 1, an offline copy from before the upgrade).
 * Nothing is written when nothing is missing. A document of a later layout, or one whose rows are not
 * maps, is left exactly as it is and reported. The caller runs this in a transaction of its own origin.
 */
export function migrateLayout(doc: Y.Doc): LayoutCheck {
  const meta = metaMap(doc)
  const layout = meta.get('layout')
  const from = layout === undefined ? 1 : layout
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) return { ok: false, reason: 'malformed', layout }
  if (from > LAYOUT) return { ok: false, reason: 'future', layout }
  // Everything is checked before anything is written.
  for (const list of indicatorLists) {
    for (const row of rowMap(doc, list).values()) {
      if (!(row instanceof Y.Map)) return { ok: false, reason: 'malformed', layout }
      const map = row.get('indicators')
      if (map !== undefined && !(map instanceof Y.Map)) return { ok: false, reason: 'malformed', layout }
    }
  }
  let changed = false
  doc.transact(() => {
    for (const list of indicatorLists) {
      for (const row of rowMap(doc, list).values()) {
        if (row.get('indicators') === undefined) {
          row.set('indicators', new Y.Map())
          changed = true
        }
      }
    }
    if (from !== LAYOUT) {
      meta.set('layout', LAYOUT)
      changed = true
    }
  })
  return { ok: true, from, changed }
}

/** The layout a document says it has (1 when it says nothing). */
export function layoutOf(doc: Y.Doc): unknown {
  const layout = metaMap(doc).get('layout')
  return layout === undefined ? 1 : layout
}

function fillRow(row: Y.Map<unknown>, list: RowListName, init: RowInit): void {
  const fields = rowFields[list]
  for (const field of fields.text) {
    const fragment = new Y.XmlFragment()
    row.set(field, fragment)
    writeFieldText(fragment, init[field] ?? '')
  }
  for (const field of fields.names) {
    const array = new Y.Array<string>()
    row.set(field, array)
    array.push(init[field] ?? [])
  }
  if (list === 'projects') row.set('budget', init.budget ?? null)
  if (holdsIndicators(list) && init.planLinks?.length) row.set('planLinks', linkIds([...init.planLinks]))
  if (holdsIndicators(list)) {
    const map = new Y.Map<Y.Map<unknown>>()
    row.set('indicators', map)
    const keys = generateNKeysBetween(null, null, init.indicators?.length ?? 0)
    init.indicators?.forEach((source, i) => {
      const indicator = new Y.Map<unknown>()
      map.set(source.id, indicator)
      indicator.set('order', keys[i]!)
      fillIndicator(indicator, source)
    })
  }
}

/** Adds a row at a position; returns its id ([S6]). */
export function insertRow(doc: Y.Doc, list: RowListName, init: RowInit, position: RowPosition = 'end', id = newRowId()): string {
  doc.transact(() => {
    const order = keyFor(doc, list, position)
    const row = new Y.Map<unknown>()
    rowMap(doc, list).set(id, row)
    row.set('order', order)
    fillRow(row, list, init)
  })
  return id
}

/** Moves a row by rewriting its order key only, so concurrent moves never duplicate or lose it ([S7]). */
export function moveRow(doc: Y.Doc, list: RowListName, id: string, position: { before?: string; after?: string }): void {
  const row = rowMap(doc, list).get(id)
  if (!row) return
  doc.transact(() => row.set('order', keyFor(doc, list, position, id)))
}

/** Removes a row ([S8]). */
export function deleteRow(doc: Y.Doc, list: RowListName, id: string): void {
  rowMap(doc, list).delete(id)
}

/** Fills an empty Y.Doc from canonical JSON, in one transaction ([S3]). */
export function sheetToDoc(sheet: Sheet, doc: Y.Doc = new Y.Doc()): Y.Doc {
  doc.transact(() => {
    const meta = metaMap(doc)
    meta.set('format', SHEET_FORMAT)
    meta.set('departmentId', sheet.department.id)
    meta.set('departmentName', sheet.department.name)
    meta.set('fiscalYear', sheet.fiscalYear)
    meta.set('layout', LAYOUT)
    writeFieldText(situationFragment(doc), sheet.situation)
    const lists: [RowListName, readonly ({ id: string } & RowInit)[]][] = [
      ['issues', sheet.issues],
      ['annualPolicies', sheet.policies.annual],
      ['longTermPolicies', sheet.policies.longTerm],
      ['measures', sheet.measures],
      ['projects', sheet.projects],
    ]
    for (const [list, rows] of lists) {
      const keys = generateNKeysBetween(null, null, rows.length)
      rows.forEach((source, i) => {
        const row = new Y.Map<unknown>()
        rowMap(doc, list).set(source.id, row)
        row.set('order', keys[i]!)
        fillRow(row, list, source)
      })
    }
  })
  return doc
}

function text(row: Y.Map<unknown>, field: string): string {
  const value = row.get(field)
  return value instanceof Y.XmlFragment ? readFieldText(value) : ''
}

function names(row: Y.Map<unknown>, field: string): string[] {
  const value = row.get(field)
  return value instanceof Y.Array ? value.toArray().filter((v): v is string => typeof v === 'string') : []
}

function budget(row: Y.Map<unknown>): number | null {
  const value = row.get('budget')
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null
}

/** `planLinks` when the row has any, nothing otherwise ([S21]: absent, not empty). */
function links(row: Y.Map<unknown>): { planLinks?: string[] } {
  const ids = readPlanLinks(row)
  return ids.length ? { planLinks: ids } : {}
}

/** Reads canonical JSON from a Y.Doc; tolerant of missing fields from a peer ([S9]). */
export function docToSheet(doc: Y.Doc): Sheet {
  const meta = metaMap(doc)
  const rows = (list: RowListName) => {
    const map = rowMap(doc, list)
    return orderedRowIds(doc, list).map((id) => ({ id, row: map.get(id)! }))
  }
  const str = (key: string) => {
    const v = meta.get(key)
    return typeof v === 'string' ? v : ''
  }
  const fiscalYear = meta.get('fiscalYear')
  return {
    format: SHEET_FORMAT,
    department: { id: str('departmentId'), name: str('departmentName') },
    fiscalYear: typeof fiscalYear === 'number' ? fiscalYear : 0,
    situation: readFieldText(situationFragment(doc)),
    issues: rows('issues').map(({ id, row }) => ({ id, text: text(row, 'text') })),
    policies: {
      annual: rows('annualPolicies').map(({ id, row }) => ({ id, text: text(row, 'text') })),
      longTerm: rows('longTermPolicies').map(({ id, row }) => ({ id, text: text(row, 'text'), outcome: text(row, 'outcome') })),
    },
    measures: rows('measures').map(({ id, row }, i) => ({
      id,
      rank: i + 1,
      name: text(row, 'name'),
      content: text(row, 'content'),
      sections: names(row, 'sections'),
      partners: names(row, 'partners'),
      ...links(row),
      indicators: readIndicators(row),
    })),
    projects: rows('projects').map(({ id, row }, i) => ({
      id,
      rank: i + 1,
      name: text(row, 'name'),
      content: text(row, 'content'),
      sections: names(row, 'sections'),
      partners: names(row, 'partners'),
      budget: budget(row),
      ...links(row),
      indicators: readIndicators(row),
    })),
  }
}

function rowsForList(sheet: Sheet, list: RowListName): ({ id: string } & RowInit)[] {
  if (list === 'annualPolicies') return sheet.policies.annual
  if (list === 'longTermPolicies') return sheet.policies.longTerm
  return sheet[list]
}

function sameNames(array: unknown, names: readonly string[]): boolean {
  return array instanceof Y.Array && array.length === names.length && array.toArray().every((v, i) => v === names[i])
}

/**
 * Makes a document say what `sheet` says, changing only what differs ([S15]): text fields that differ
 * are rewritten, rows missing from `sheet` are deleted, new ones inserted, and when the order differs
 * every row gets a fresh order key. Importing an unchanged export changes nothing at all. All of it is one
 * transaction, with `origin` (who did it and why: an import is one step, attributed to the importer).
 */
export function applySheetToDoc(doc: Y.Doc, sheet: Sheet, origin: unknown = null): void {
  doc.transact(() => {
    if (readFieldText(situationFragment(doc)) !== sheet.situation) writeFieldText(situationFragment(doc), sheet.situation)
    for (const list of rowLists) {
      const map = rowMap(doc, list)
      const wanted = rowsForList(sheet, list)
      const wantedIds = new Set(wanted.map((r) => r.id))
      for (const id of [...map.keys()]) if (!wantedIds.has(id)) map.delete(id)
      for (const source of wanted) {
        let row = map.get(source.id)
        if (!row) {
          row = new Y.Map<unknown>()
          map.set(source.id, row)
          row.set('order', '')
          fillRow(row, list, source)
          continue
        }
        for (const field of rowFields[list].text) {
          const value = source[field] ?? ''
          const fragment = row.get(field)
          if (fragment instanceof Y.XmlFragment) {
            if (readFieldText(fragment) !== value) writeFieldText(fragment, value)
          } else {
            const created = new Y.XmlFragment()
            row.set(field, created)
            writeFieldText(created, value)
          }
        }
        for (const field of rowFields[list].names) {
          const names = source[field] ?? []
          if (!sameNames(row.get(field), names)) {
            const array = new Y.Array<string>()
            row.set(field, array)
            array.push(names)
          }
        }
        if (list === 'projects' && row.get('budget') !== (source.budget ?? null)) row.set('budget', source.budget ?? null)
        if (holdsIndicators(list)) {
          const wanted = linkIds([...(source.planLinks ?? [])])
          if (readPlanLinks(row).join('\u0000') !== wanted.join('\u0000')) {
            if (wanted.length) row.set('planLinks', wanted)
            else row.delete('planLinks')
          }
        }
        if (holdsIndicators(list)) applyIndicators(row, source.indicators ?? [])
      }
      const current = orderedRowIds(doc, list)
      const order = wanted.map((r) => r.id)
      if (current.join('\u0000') !== order.join('\u0000')) {
        const keys = generateNKeysBetween(null, null, order.length)
        for (const [i, id] of order.entries()) map.get(id)?.set('order', keys[i]!)
      }
    }
  }, origin)
}

/** Where an edit landed: the situation text, or one field of one row ('row': added or removed; 'order': moved). */
export interface FieldRef {
  part: 'situation' | RowListName | EvaluationRootName
  /** '' for the situation text. */
  rowId: string
  /** A field of `rowFields`, 'budget', 'order', or 'row'. */
  field: string
}

/**
 * The fields a transaction changed ([S17]), read from the types it touched: each changed type is followed
 * up to its root, and the map keys on the way name the row and the field (the layout of [S4]). A new row
 * is one change ('row') however many fields it was born with; changes inside a deleted row are not counted.
 */
export function touchedFields(transaction: Y.Transaction): FieldRef[] {
  const found = new Map<string, FieldRef>()
  const add = (part: FieldRef['part'], rowId: string, field: string) => found.set(`${part}\u0000${rowId}\u0000${field}`, { part, rowId, field })
  const roots = new Map<unknown, string>()
  for (const [name, type] of transaction.doc.share) roots.set(type, name)
  for (const [type, keys] of transaction.changed) {
    const path: (string | null)[] = []
    let top: typeof type = type
    while (top._item) {
      path.unshift(top._item.parentSub)
      const parent = top._item.parent
      if (!(parent instanceof Y.AbstractType)) break
      top = parent as typeof type
    }
    const root = roots.get(top)
    if (root === 'situation') {
      add('situation', '', 'text')
      continue
    }
    const inEvaluation = (evaluationRootNames as readonly string[]).includes(root ?? '')
    if (!inEvaluation && !(rowLists as readonly string[]).includes(root ?? '')) continue
    const part = root as RowListName | EvaluationRootName
    const [rowId, field] = path
    if (path.length === 0) {
      for (const key of keys) if (key !== null) add(part, key, 'row')
    } else if (path.length === 1 && typeof rowId === 'string') {
      for (const key of keys) if (key !== null) add(part, rowId, key)
    } else if (typeof rowId === 'string' && typeof field === 'string') {
      add(part, rowId, field)
    }
  }
  return [...found.values()]
}
