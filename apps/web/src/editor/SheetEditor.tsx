import type { CommentTarget, DepartmentsResponse, Me } from '@hoshin/protocol'
import { evaluationKindLabels, fiscalYearLabel, formatBudget, type RowListName, rowMap, SPECIAL_PARTNERS, situationFragment } from '@hoshin/sheet'
import { type CSSProperties, Suspense, useEffect, useMemo, useState } from 'react'
import type * as Y from 'yjs'
import { useCommentsPanel } from '../comments/useCommentsPanel'
import { type ActiveEvaluation, EvaluationFields, evaluationActualsColumns } from '../features/evaluations/EvaluationFields'
import { PartnerAckNote } from '../features/years/PartnerAcks'
import { PreviousYearNote } from '../features/years/PreviousYear'
import { useI18n } from '../i18n/I18nProvider'
import { lazyNamed, whenIdle } from '../app/lazyPage'
import type { SheetSession } from '../sync/useSheetSession'
import { BudgetCell } from './BudgetCell'
import { CollabText } from './CollabText'
import { CommentIcon } from '../comments/CommentIcon'
import { NamesPicker } from './NamesPicker'
import { PlanLinksPicker } from './PlanPicker'
import { usePlanForYear } from './usePlan'
import { useDepartmentNames } from './useDepartmentNames'
import { FieldNavContext, FieldNavigator, useFieldNav } from './fieldNav'
import { FieldMounter, FieldMounterContext } from './lazyFields'
import { ConnectionBadge, Presence } from './Presence'
import { AddIndicatorIcon } from './icons'
import { dropTarget, RowControls } from './RowControls'
import { IndicatorTable, useIndicatorIds } from './Indicators'
import { fieldLabel, listNames, rowOps } from './rows'
import { useBudgetTotal, useRowIds, useYValue } from './useY'

type Departments = DepartmentsResponse['departments']

// Loaded when first opened (issue 18), and fetched once the sheet is on screen and the browser is idle.
const CommentsPanel = lazyNamed(() => import('../comments/CommentsPanel'), 'CommentsPanel')

/** Where the panel will be, while its code arrives: the page already makes room for it, nothing moves. */
function CommentsPanelLoading() {
  const { t } = useI18n()
  return (
    <aside className="comments-drawer" aria-busy="true" aria-label={t('comments.title')}>
      <p role="status">{t('loading')}</p>
    </aside>
  )
}

interface EditorContext {
  session: SheetSession
  /** The plan's fields may not change: the session only reads, or the plan is approved (its evaluation may be written). */
  readOnly: boolean
  fiscalYear: number | undefined
  /** The evaluation shown with the plan, if one is. */
  evaluation: ActiveEvaluation | null
  onDeleted: (label: string) => void
  /** Open threads per row id, and starting a new one. */
  threadCount: (rowId: string) => number
  comment: (target: CommentTarget, label: string) => void
}

const commentKind: Record<RowListName, Exclude<CommentTarget['kind'], 'text'>> = {
  issues: 'issue',
  annualPolicies: 'policy',
  longTermPolicies: 'policy',
  measures: 'measure',
  projects: 'project',
}

/** A comment icon with the number of open threads; anyone who may read may comment, also on a read-only sheet. */
function CommentButton({ ctx, list, id, label }: { ctx: EditorContext; list: RowListName; id: string; label: string }) {
  const { t } = useI18n()
  const count = ctx.threadCount(id)
  return (
    <button
      type="button"
      className={`icon comment-button ${count ? 'has-threads' : ''}`}
      onClick={() => ctx.comment({ kind: commentKind[list], id }, label)}
    >
      {/* Named by its content, not aria-label: the visible count must be part of the name (WCAG 2.5.3). */}
      <span className="visually-hidden">{`${label} ${t('comments.on')}${count ? ' ' : ''}`}</span>
      <CommentIcon />
      {count ? `(${count})` : ''}
    </button>
  )
}

function fragmentOf(doc: Y.Doc, list: RowListName, id: string, field: string): Y.XmlFragment | undefined {
  return rowMap(doc, list).get(id)?.get(field) as Y.XmlFragment | undefined
}

/** A numbered list of one-text items (行政課題, 単年度方針) or policy → outcome pairs (中長期方針). */
function ItemList({ ctx, list, withOutcome = false }: { ctx: EditorContext; list: RowListName; withOutcome?: boolean }) {
  const { t } = useI18n()
  const { doc } = ctx.session
  const ids = useRowIds(doc, list)
  const nav = useFieldNav()
  const add = (init: { text?: string }, position: { after: string } | 'end') => {
    const id = rowOps.insert(doc, list, init, position)
    nav?.focus({ list, rowId: id, field: 'text' }, 'start')
  }
  /** Backspace in an empty item: it goes, and the cursor to the end of the item before (or the next). */
  const removeEmpty = (index: number) => {
    const neighbour = ids[index - 1] ?? ids[index + 1]
    if (!neighbour) return
    rowOps.remove(doc, list, ids[index]!)
    nav?.focus({ list, rowId: neighbour, field: 'text' }, index > 0 ? 'end' : 'start')
  }
  return (
    <div className="item-list">
      <ol className="numbered">
        {ids.map((id, index) => {
          const text = fragmentOf(doc, list, id, 'text')
          const outcome = withOutcome ? fragmentOf(doc, list, id, 'outcome') : undefined
          if (!text) return null
          const label = fieldLabel(list, index + 1, 'text')
          return (
            <li key={id} {...dropTarget(doc, list, ids, id)}>
              <div className="item">
                <CollabText
                  session={ctx.session}
                  fragment={text}
                  label={label}
                  field={{ list, rowId: id, field: 'text' }}
                  enter="item"
                  readOnly={ctx.readOnly}
                  onSplit={(rest) => add({ text: rest }, { after: id })}
                  onRemoveEmpty={() => removeEmpty(index)}
                />
                {outcome && (
                  <>
                    <span className="arrow" aria-hidden="true">
                      →
                    </span>
                    <CollabText
                      session={ctx.session}
                      fragment={outcome}
                      label={fieldLabel(list, index + 1, 'outcome')}
                      field={{ list, rowId: id, field: 'outcome' }}
                      readOnly={ctx.readOnly}
                    />
                  </>
                )}
                <RowControls doc={doc} list={list} ids={ids} index={index} label={label} onDeleted={ctx.onDeleted} readOnly={ctx.readOnly}>
                  <CommentButton ctx={ctx} list={list} id={id} label={label} />
                </RowControls>
              </div>
            </li>
          )
        })}
      </ol>
      {!ctx.readOnly && (
        <button type="button" className="add" onClick={() => add({}, 'end')}>
          ＋ {t('editor.addItem')}（{listNames[list]}）
        </button>
      )}
    </div>
  )
}

interface TableProps {
  ctx: EditorContext
  list: 'measures' | 'projects'
  sections: string[]
  /** 連携課 choices: department ids and the specials ([S12]). */
  partners: string[]
  partnerLabel: (entry: string) => string
}

function ProjectTotal({ doc }: { doc: Y.Doc }) {
  const total = useBudgetTotal(doc)
  return <>{formatBudget(total)}</>
}

function RankedTable({ ctx, list, sections, partners, partnerLabel }: TableProps) {
  const { t } = useI18n()
  const { doc } = ctx.session
  const ids = useRowIds(doc, list)
  const nav = useFieldNav()
  const noun = listNames[list]
  const isProjects = list === 'projects'
  // 担当係名 and 連携課名 are as wide as their longest choice, so no name breaks inside a word.
  const widest = (labels: string[]) => `${Math.max(5, ...labels.map((label) => label.length)) + 0.5}rem`
  const widths = {
    '--sections-width': widest([...sections, t('editor.none')]),
    '--partners-width': widest([...partners.map(partnerLabel), t('editor.none')]),
  } as CSSProperties
  return (
    <>
      <div className="table-scroll">
      <table className={`ranked editing ${list}`} style={widths}>
        <caption className="visually-hidden">
          {noun}（重要度順）{isProjects ? '（単位：千円）' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col" className="rank">
              重要度順位
            </th>
            <th scope="col" className="col-name">
              {noun}名
            </th>
            <th scope="col">{noun}の内容</th>
            <th scope="col" className="col-sections">
              担当係名
            </th>
            <th scope="col" className="col-partners">
              連携課名
            </th>
            {isProjects && (
              <th scope="col" className="budget">
                事業費
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {ids.map((id, index) => (
            <RowWithIndicators key={id} ctx={ctx} list={list} ids={ids} index={index} sections={sections} partners={partners} partnerLabel={partnerLabel} />
          ))}
        </tbody>
        {isProjects && (
          <tfoot>
            <tr>
              <th scope="row" colSpan={5} className="total-label">
                {t('sheet.total')}
              </th>
              <td className="budget total" data-testid="budget-total">
                <ProjectTotal doc={doc} />
              </td>
            </tr>
          </tfoot>
        )}
      </table>
      </div>
      {!ctx.readOnly && !ctx.evaluation && (
        <button
          type="button"
          className="add"
          onClick={() => {
            const id = rowOps.insert(doc, list, {}, 'end')
            nav?.focus({ list, rowId: id, field: 'name' }, 'start')
          }}
        >
          ＋ {t('editor.addRow')}（{noun}）
        </button>
      )}
    </>
  )
}

/**
 * A row, and under it (when it has any, or when an evaluation is shown) its 成果指標 and the
 * evaluation's fields, across the table's width.
 */
function RowWithIndicators(props: TableProps & { ids: string[]; index: number }) {
  const { ctx, list, ids, index } = props
  const id = ids[index]!
  const row = rowMap(ctx.session.doc, list).get(id)
  const indicators = useIndicatorIds(row)
  const rank = index + 1
  const evaluation = ctx.evaluation
  const span = list === 'projects' ? 5 : 4
  return (
    <>
      <TableRow {...props} />
      {(indicators.length > 0 || evaluation) && (
        <tr className={`indicator-row ${evaluation ? 'evaluating' : ''}`} data-row-of={id}>
          <td className="rank" />
          <td colSpan={span}>
            <IndicatorTable
              session={ctx.session}
              list={list}
              rowId={id}
              rank={rank}
              readOnly={ctx.readOnly}
              onDeleted={ctx.onDeleted}
              fiscalYear={ctx.fiscalYear}
              extra={evaluation ? evaluationActualsColumns(ctx.session, evaluation, id, list, rank, ctx.fiscalYear) : undefined}
            />
            {evaluation && <EvaluationFields session={ctx.session} evaluation={evaluation} list={list} rowId={id} rank={rank} />}
          </td>
        </tr>
      )}
    </>
  )
}

function TableRow({ ctx, list, ids, index, sections, partners, partnerLabel }: TableProps & { ids: string[]; index: number }) {
  const { doc } = ctx.session
  const plan = usePlanForYear(ctx.fiscalYear)
  const id = ids[index]!
  const row = rowMap(doc, list).get(id)
  const name = fragmentOf(doc, list, id, 'name')
  const content = fragmentOf(doc, list, id, 'content')
  if (!row || !name || !content) return null
  const rank = index + 1
  const rowLabel = `${listNames[list]} ${rank}`
  return (
    <tr {...dropTarget(doc, list, ids, id)} data-row-id={id}>
      <td className="rank">
        <span className="rank-number">{rank}</span>
        <RowControls doc={doc} list={list} ids={ids} index={index} label={rowLabel} onDeleted={ctx.onDeleted} readOnly={ctx.readOnly}>
          {!ctx.readOnly && !ctx.evaluation && <AddIndicator ctx={ctx} list={list} rowId={id} rank={rank} tool />}
          <CommentButton ctx={ctx} list={list} id={id} label={rowLabel} />
        </RowControls>
      </td>
      <td>
        <CollabText
          session={ctx.session}
          fragment={name}
          label={fieldLabel(list, rank, 'name')}
          field={{ list, rowId: id, field: 'name' }}
          enter="down"
          readOnly={ctx.readOnly}
        />
        {!ctx.readOnly && !ctx.evaluation && <AddIndicator ctx={ctx} list={list} rowId={id} rank={rank} />}
        <PlanLinksPicker session={ctx.session} list={list} row={row} rowId={id} rowLabel={rowLabel} readOnly={ctx.readOnly || !!ctx.evaluation} plan={plan} />
      </td>
      <td>
        <CollabText
          session={ctx.session}
          fragment={content}
          label={fieldLabel(list, rank, 'content')}
          field={{ list, rowId: id, field: 'content' }}
          enter="down"
          readOnly={ctx.readOnly}
        />
        <PreviousYearNote rowId={id} />
      </td>
      <td>
        <NamesPicker
          session={ctx.session}
          cell={{ list, rowId: id, field: 'sections' }}
          array={row.get('sections') as Y.Array<string> | undefined}
          options={sections}
          label={fieldLabel(list, rank, 'sections')}
          readOnly={ctx.readOnly}
        />
      </td>
      <td>
        <NamesPicker
          session={ctx.session}
          cell={{ list, rowId: id, field: 'partners' }}
          array={row.get('partners') as Y.Array<string> | undefined}
          options={partners}
          label={fieldLabel(list, rank, 'partners')}
          readOnly={ctx.readOnly}
          labelOf={partnerLabel}
        />
        <PartnerAckNote rowId={id} />
      </td>
      {list === 'projects' && (
        <td className="budget">
          <BudgetCell session={ctx.session} row={row} rowId={id} label={fieldLabel(list, rank, 'budget')} readOnly={ctx.readOnly} />
        </td>
      )}
    </tr>
  )
}

/**
 * 「＋ 指標を追加」: the cursor goes to the new indicator's name, as 行を追加 does. Shown under the row's
 * name for the mouse; from the keyboard it is one of the row's tools (`tool`), so that Tab keeps going
 * through the table's cells and a row's tools stay one Tab stop.
 */
function AddIndicator({ ctx, list, rowId, rank, tool = false }: { ctx: EditorContext; list: 'measures' | 'projects'; rowId: string; rank: number; tool?: boolean }) {
  const { t } = useI18n()
  const nav = useFieldNav()
  const add = () => {
    const id = rowOps.insertIndicator(ctx.session.doc, list, rowId)
    nav?.focus({ list: 'indicators', rowId: id, field: 'name' }, 'start')
  }
  if (tool) {
    return (
      <button type="button" className="icon row-tool" aria-label={`${listNames[list]} ${rank} ${t('indicator.add')}`} title={t('indicator.add')} onClick={add}>
        <AddIndicatorIcon />
      </button>
    )
  }
  return (
    <button type="button" className="add add-indicator" tabIndex={-1} onClick={add}>
      ＋ {t('indicator.add')}
      <span className="visually-hidden">（{listNames[list]} {rank}）</span>
    </button>
  )
}

/**
 * The live sheet, laid out like the printed 課等の方針: every text a collaborative field, rows added,
 * deleted (with undo) and reordered, pickers for 担当係 / 連携課, 事業費 with its total, presence and the
 * connection status always in view.
 */
export function SheetEditor({
  session,
  departments,
  sheetId,
  me,
  planLocked = false,
  evaluation = null,
}: {
  session: SheetSession
  departments: Departments
  sheetId: string
  me: Me
  /** The plan is approved: its fields stay read-only even while the socket takes an evaluation's changes. */
  planLocked?: boolean
  /** Shown with its fields beside each measure and project instead of the plan alone. */
  evaluation?: ActiveEvaluation | null
}) {
  const { t } = useI18n()
  const { doc } = session
  const meta = doc.getMap('meta')
  const fiscalYear = useYValue<number>(meta, 'fiscalYear')
  const departmentName = useYValue<string>(meta, 'departmentName') ?? ''
  const departmentId = useYValue<string>(meta, 'departmentId')
  const readOnly = session.readOnly !== null || planLocked
  const [deleted, setDeleted] = useState<string | null>(null)
  const [canUndo, setCanUndo] = useState(false)
  const [canRedo, setCanRedo] = useState(false)
  const comments = useCommentsPanel(sheetId, doc)
  const { threads } = comments
  const nav = useMemo(() => new FieldNavigator(doc), [doc])
  // The fields' editors: those on screen at once, the others as they come near it or in idle time.
  const gate = session.gate
  // (Nothing to stop on unmount: each field that still waits forgets itself as it unmounts.)
  const mounter = useMemo(() => new FieldMounter(gate), [gate])

  useEffect(() => whenIdle(() => void CommentsPanel.preload().catch(() => undefined)), [])

  useEffect(() => {
    const um = session.rowUndo
    const update = () => {
      setCanUndo(um.canUndo())
      setCanRedo(um.canRedo())
    }
    um.on('stack-item-added', update)
    um.on('stack-item-popped', update)
    um.on('stack-cleared', update)
    return () => {
      um.off('stack-item-added', update)
      um.off('stack-item-popped', update)
      um.off('stack-cleared', update)
    }
  }, [session.rowUndo])

  const own = departments.find((d) => d.id === departmentId)
  const sectionOptions = own?.sections.map((s) => s.name) ?? []
  const partnerOptions = [...SPECIAL_PARTNERS, ...departments.filter((d) => d.id !== departmentId).map((d) => d.id)]
  const partnerName = useDepartmentNames()
  const openCounts = new Map<string, number>()
  for (const th of threads) if (th.state === 'open') openCounts.set(th.target.id, (openCounts.get(th.target.id) ?? 0) + 1)
  const comment = comments.startDraft
  const ctx: EditorContext = { session, readOnly, fiscalYear, evaluation, onDeleted: setDeleted, threadCount: (id) => openCounts.get(id) ?? 0, comment }
  const commentOnSelection = (button: HTMLElement) => {
    const selection = session.selection.current
    // No words of the sheet selected (or words of an evaluation's or an indicator's field): the panel opens
    // on the threads, where a row's comment can be written.
    if (!selection) {
      if (!comments.open) comments.toggle(button)
      return
    }
    comment({ kind: 'text', id: selection.rowId, field: selection.field, start: selection.start, end: selection.end }, `${selection.label}「${selection.quote}」`)
  }

  return (
    <FieldNavContext.Provider value={nav}>
    <FieldMounterContext.Provider value={mounter}>
    <article className="sheet" lang="ja">
      {/* Buttons first: the presence list and status change width as people come and go, and must not
          move a button between mouse-down and mouse-up. */}
      <div className="editor-bar">
        <div className="comment-actions">
          <button type="button" aria-expanded={comments.open} onClick={(e) => comments.toggle(e.currentTarget)}>
            <CommentIcon /> {t('comments.open')} ({threads.filter((th) => th.state === 'open').length})
          </button>
          <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={(e) => commentOnSelection(e.currentTarget)}>
            {t('comments.onSelection')}
          </button>
        </div>
        {!readOnly && !evaluation && (
          <div className="row-undo">
            <button type="button" disabled={!canUndo} onClick={() => session.rowUndo.undo()}>
              {t('editor.undoRows')}
            </button>
            <button type="button" disabled={!canRedo} onClick={() => session.rowUndo.redo()}>
              {t('editor.redoRows')}
            </button>
          </div>
        )}
        <ConnectionBadge session={session} />
        <Presence session={session} />
      </div>
      {session.ended ? (
        <p className="notice ended-notice" role="alert">
          {t(`editor.ended.${session.ended}`)}
        </p>
      ) : session.readOnly ? (
        <p className="notice read-only-notice">
          {t(`editor.readOnly.${session.readOnly}`)}
          {session.readOnly === 'outdated' && (
            <button type="button" className="reload" onClick={() => location.reload()}>
              {t('editor.reload')}
            </button>
          )}
        </p>
      ) : (
        planLocked && <p className="notice read-only-notice">{t(evaluation?.editable ? 'editor.planLockedEvaluating' : 'editor.planLocked')}</p>
      )}
      {deleted && (
        <div className="toast" role="status">
          {deleted}
          {t('editor.deleted')}
          <button
            type="button"
            onClick={() => {
              session.rowUndo.undo()
              setDeleted(null)
            }}
          >
            {t('editor.undo')}
          </button>
        </div>
      )}

      {comments.open && (
        <Suspense fallback={<CommentsPanelLoading />}>
          <CommentsPanel
            sheetId={sheetId}
            doc={doc}
            me={me}
            threads={threads}
            refresh={comments.refresh}
            draft={comments.draft}
            onDraftDone={() => comments.setDraft(null)}
            activeThread={comments.activeThread}
            onActivate={comments.openThread}
            onClose={comments.close}
          />
        </Suspense>
      )}
      <header className="sheet-title">
        <h1>
          {fiscalYear ? fiscalYearLabel(fiscalYear) : ''} {evaluation ? `課等の方針 ${evaluationKindLabels[evaluation.kind]}` : '課等の方針'}
          <span className="sheet-department">{departmentName}</span>
        </h1>
      </header>

      {!evaluation && (
        <>

      <section aria-labelledby="part-situation">
        <h2 id="part-situation">■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）</h2>
        <CollabText
          session={session}
          fragment={situationFragment(doc)}
          label="現状"
          field={{ list: 'situation', rowId: null, field: 'text' }}
          className="situation"
          readOnly={readOnly}
        />
      </section>

      <section aria-labelledby="part-issues">
        <h2 id="part-issues">■解決すべき行政課題（現状の問題等点）</h2>
        <ItemList ctx={ctx} list="issues" />
      </section>

      <section aria-labelledby="part-policies">
        <h2 id="part-policies">■課題解決のための課等の方針（単年度方針と中長期方針）</h2>
        <div className="policies">
          <div>
            <h3>【単年度方針】</h3>
            <ItemList ctx={ctx} list="annualPolicies" />
          </div>
          <div>
            <h3>【中長期方針】</h3>
            <ItemList ctx={ctx} list="longTermPolicies" withOutcome />
          </div>
        </div>
      </section>
        </>
      )}

      <section aria-labelledby="part-measures">
        <h2 id="part-measures">■今年度の課における施策（重要度順）</h2>
        <RankedTable ctx={ctx} list="measures" sections={sectionOptions} partners={partnerOptions} partnerLabel={partnerName} />
      </section>

      <section aria-labelledby="part-projects">
        <h2 id="part-projects">
          ■今年度の課における事務事業（重要度順）<span className="unit">（単位：千円）</span>
        </h2>
        <RankedTable ctx={ctx} list="projects" sections={sectionOptions} partners={partnerOptions} partnerLabel={partnerName} />
      </section>
    </article>
    </FieldMounterContext.Provider>
    </FieldNavContext.Provider>
  )
}
