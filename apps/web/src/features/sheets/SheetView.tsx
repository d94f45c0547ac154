import { budgetTotal, fiscalYearLabel, formatBudget, type Sheet } from '@hoshin/sheet'
import { useId } from 'react'
import { useDepartmentNames } from '../../editor/useDepartmentNames'
import { useI18n } from '../../i18n/I18nProvider'

/** Multi-line text as lines (the model joins paragraphs with "\n"). */
function Lines({ text }: { text: string }) {
  const lines = text.split('\n')
  return (
    <>
      {lines.map((line, i) => (
        <span key={i} className="line">
          {line}
        </span>
      ))}
    </>
  )
}

function Names({ names }: { names: readonly string[] }) {
  return (
    <>
      {names.map((name) => (
        <span key={name} className="line">
          {name}
        </span>
      ))}
    </>
  )
}

/**
 * The sheet laid out like the printed 課等の方針: the five parts in the printed order with the document's
 * own headings (they stay Japanese in every language), the policies side by side, two ranked tables.
 */
export function SheetView({ sheet }: { sheet: Sheet }) {
  const { t } = useI18n()
  const partnerName = useDepartmentNames()
  const ids = { situation: useId(), issues: useId(), policies: useId(), measures: useId(), projects: useId() }
  const total = budgetTotal(sheet.projects)

  return (
    <article className="sheet" lang="ja">
      <header className="sheet-title">
        <h1>
          {fiscalYearLabel(sheet.fiscalYear)} 課等の方針
          <span className="sheet-department">{sheet.department.name}</span>
        </h1>
      </header>

      <section aria-labelledby={ids.situation}>
        <h2 id={ids.situation}>■課等の所管する行政課題等を取り巻く現状（国・県の動向や町民意識等）</h2>
        <div className="situation">
          {sheet.situation.split('\n').map((paragraph, i) => (
            <p key={i}>{paragraph}</p>
          ))}
        </div>
      </section>

      <section aria-labelledby={ids.issues}>
        <h2 id={ids.issues}>■解決すべき行政課題（現状の問題等点）</h2>
        <ol className="numbered">
          {sheet.issues.map((issue) => (
            <li key={issue.id}>
              <Lines text={issue.text} />
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby={ids.policies}>
        <h2 id={ids.policies}>■課題解決のための課等の方針（単年度方針と中長期方針）</h2>
        <div className="policies">
          <div>
            <h3>【単年度方針】</h3>
            <ol className="numbered">
              {sheet.policies.annual.map((policy) => (
                <li key={policy.id}>
                  <Lines text={policy.text} />
                </li>
              ))}
            </ol>
          </div>
          <div>
            <h3>【中長期方針】</h3>
            <ol className="numbered">
              {sheet.policies.longTerm.map((policy) => (
                <li key={policy.id}>
                  {policy.text}
                  <span aria-hidden="true">→</span>
                  <span className="visually-hidden">（成果）</span>
                  {policy.outcome}
                </li>
              ))}
            </ol>
          </div>
        </div>
      </section>

      <section aria-labelledby={ids.measures}>
        <h2 id={ids.measures}>■今年度の課における施策（重要度順）</h2>
        <table className="ranked">
          <caption className="visually-hidden">施策（重要度順）</caption>
          <thead>
            <tr>
              <th scope="col" className="rank">
                重要度順位
              </th>
              <th scope="col">施策名</th>
              <th scope="col">施策の内容</th>
              <th scope="col">担当係名</th>
              <th scope="col">連携課名</th>
            </tr>
          </thead>
          <tbody>
            {sheet.measures.map((m) => (
              <tr key={m.id}>
                <td className="rank">{m.rank}</td>
                <th scope="row">
                  <Lines text={m.name} />
                </th>
                <td>
                  <Lines text={m.content} />
                </td>
                <td>
                  <Names names={m.sections} />
                </td>
                <td>
                  <Names names={m.partners.map(partnerName)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby={ids.projects}>
        <h2 id={ids.projects}>
          ■今年度の課における事務事業（重要度順）<span className="unit">（単位：千円）</span>
        </h2>
        <table className="ranked projects">
          <caption className="visually-hidden">事務事業（重要度順）（単位：千円）</caption>
          <thead>
            <tr>
              <th scope="col" className="rank">
                重要度順位
              </th>
              <th scope="col">事務事業名</th>
              <th scope="col">事務事業の内容</th>
              <th scope="col">担当係名</th>
              <th scope="col" className="budget">
                事業費
              </th>
            </tr>
          </thead>
          <tbody>
            {sheet.projects.map((p) => (
              <tr key={p.id}>
                <td className="rank">{p.rank}</td>
                <th scope="row">
                  <Lines text={p.name} />
                </th>
                <td>
                  <Lines text={p.content} />
                </td>
                <td>
                  <Names names={[...p.sections, ...p.partners.map(partnerName)]} />
                </td>
                <td className="budget">{p.budget === null ? '' : formatBudget(p.budget)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={4} className="total-label">
                {t('sheet.total')}
              </th>
              <td className="budget total" data-testid="budget-total">
                {formatBudget(total)}
              </td>
            </tr>
          </tfoot>
        </table>
      </section>
    </article>
  )
}
