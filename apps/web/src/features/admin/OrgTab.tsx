import { type AdminDepartment, type AdminSection, MAX_ORG_NAME } from '@hoshin/protocol'
import { type FormEvent, type KeyboardEvent, useEffect, useId, useState } from 'react'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useOrg } from './AdminPage'
import { adminApi } from './adminApi'
import { Feedback } from './Feedback'
import { fill } from './text'

/** 課・係: create a department with its sections, rename, reorder, retire and bring back. */
export function OrgTab() {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const { departments, reload } = useOrg()
  const [status, setStatus] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  // The control to focus once the list has re-rendered (a moved department's arrow, a renamed name's button).
  const [focusAfter, setFocusAfter] = useState<string | null>(null)
  const [renaming, setRenaming] = useState<string | null>(null)
  const baseId = useId()
  const controlId = (what: string, id: string) => `${baseId}-${what}-${id}`

  useEffect(() => {
    // Buttons are disabled while a change is under way, and a disabled button cannot take focus.
    if (!focusAfter || !departments || busy) return
    document.getElementById(focusAfter)?.focus()
    setFocusAfter(null)
  }, [focusAfter, departments, busy])

  async function run(action: () => Promise<unknown>, done: string, focusId?: string): Promise<boolean> {
    setError(null)
    setStatus('')
    setBusy(true)
    try {
      await action()
      await reload()
      setStatus(done)
      if (focusId) setFocusAfter(focusId)
      return true
    } catch (e) {
      setError(errorMessage(e))
      await reload()
      return false
    } finally {
      setBusy(false)
    }
  }

  function move(list: AdminDepartment[], index: number, delta: -1 | 1) {
    const plan = reorder(list, index, delta)
    if (!plan) return
    void run(
      () => adminApi.orderDepartments(plan.ids),
      fill(t('admin.org.moved'), { name: plan.moved.name, position: plan.position }),
      controlId(plan.arrow, plan.moved.id),
    )
  }

  return (
    <section aria-labelledby={`${baseId}-title`}>
      <h2 id={`${baseId}-title`} className="visually-hidden">
        {t('admin.tab.org')}
      </h2>
      <NewDepartmentForm
        onCreate={(name, sections) => run(() => adminApi.createDepartment(name, sections), fill(t('admin.org.created'), { name }))}
      />
      <Feedback status={status} error={error} />
      {!departments ? (
        <p>{t('loading')}</p>
      ) : departments.length === 0 ? (
        <p>{t('admin.org.empty')}</p>
      ) : (
        <ol className="org-list" aria-label={t('admin.org.listLabel')}>
          {departments.map((d, index) => (
            <li key={d.id} className={d.retired ? 'org-dept retired' : 'org-dept'}>
              <div className="org-line">
                {renaming === d.id ? (
                  <RenameForm
                    current={d.name}
                    onCancel={() => {
                      setRenaming(null)
                      setFocusAfter(controlId('rename', d.id))
                    }}
                    onSave={async (name) => {
                      const ok = await run(() => adminApi.patchDepartment(d.id, { name }), fill(t('admin.org.renamed'), { name }), controlId('rename', d.id))
                      if (ok) setRenaming(null)
                    }}
                  />
                ) : (
                  <h3 className="org-name">{d.name}</h3>
                )}
                {d.retired && <span className="retired-badge">{t('admin.retired')}</span>}
                <span className="org-actions">
                  <button
                    type="button"
                    className="icon"
                    id={controlId('up', d.id)}
                    aria-label={fill(t('admin.org.moveUp'), { name: d.name })}
                    title={fill(t('admin.org.moveUp'), { name: d.name })}
                    disabled={busy || index === 0}
                    onClick={() => move(departments, index, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon"
                    id={controlId('down', d.id)}
                    aria-label={fill(t('admin.org.moveDown'), { name: d.name })}
                    title={fill(t('admin.org.moveDown'), { name: d.name })}
                    disabled={busy || index === departments.length - 1}
                    onClick={() => move(departments, index, 1)}
                  >
                    ↓
                  </button>
                  {renaming !== d.id && (
                    <button
                      type="button"
                      id={controlId('rename', d.id)}
                      aria-label={fill(t('admin.org.renameOf'), { name: d.name })}
                      onClick={() => setRenaming(d.id)}
                    >
                      {t('admin.rename')}
                    </button>
                  )}
                  <button
                    type="button"
                    id={controlId('retire', d.id)}
                    className={d.retired ? undefined : 'danger-outline'}
                    aria-label={fill(t(d.retired ? 'admin.org.restoreOf' : 'admin.org.retireOf'), { name: d.name })}
                    disabled={busy}
                    onClick={() =>
                      run(
                        () => adminApi.patchDepartment(d.id, { retired: !d.retired }),
                        fill(t(d.retired ? 'admin.org.restored' : 'admin.org.retiredDone'), { name: d.name }),
                        controlId('retire', d.id),
                      )
                    }
                  >
                    {t(d.retired ? 'admin.restore' : 'admin.retire')}
                  </button>
                </span>
              </div>
              <StaffCountForm
                department={d}
                busy={busy}
                onSave={(staffCount) =>
                  run(() => adminApi.patchDepartment(d.id, { staffCount }), fill(t('admin.org.staffSaved'), { name: d.name }), controlId('staff', d.id))
                }
                id={controlId('staff', d.id)}
              />
              <SectionList
                department={d}
                busy={busy}
                controlId={controlId}
                run={run}
                onFocus={setFocusAfter}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** The ids in their new order, and which arrow keeps focus: at either end one arrow is disabled. */
function reorder<T extends { id: string; name: string }>(list: T[], index: number, delta: -1 | 1) {
  const target = index + delta
  const moved = list[index]
  if (!moved || target < 0 || target >= list.length) return null
  const ids = list.map((item) => item.id)
  ids.splice(index, 1)
  ids.splice(target, 0, moved.id)
  const arrow: 'up' | 'down' = target === 0 ? 'down' : target === list.length - 1 ? 'up' : delta < 0 ? 'up' : 'down'
  return { ids, moved, arrow, position: target + 1 }
}

function SectionList({
  department,
  busy,
  controlId,
  run,
  onFocus,
}: {
  department: AdminDepartment
  busy: boolean
  controlId: (what: string, id: string) => string
  run: (action: () => Promise<unknown>, done: string, focusId?: string) => Promise<boolean>
  onFocus: (id: string) => void
}) {
  const { t } = useI18n()
  const [renaming, setRenaming] = useState<string | null>(null)
  const [name, setName] = useState('')
  const inputId = useId()
  // Sections and departments are separate tables: their ids may coincide, their controls' ids must not.
  const own = (what: string, id: string) => controlId(what, `section-${id}`)

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const trimmed = name.trim()
    if (!trimmed) return
    const ok = await run(
      () => adminApi.createSection(department.id, trimmed),
      fill(t('admin.org.sectionCreated'), { name: trimmed, department: department.name }),
      inputId,
    )
    if (ok) setName('')
  }

  function move(index: number, delta: -1 | 1) {
    const plan = reorder(department.sections, index, delta)
    if (!plan) return
    void run(
      () => adminApi.orderSections(department.id, plan.ids),
      fill(t('admin.org.moved'), { name: plan.moved.name, position: plan.position }),
      own(plan.arrow, plan.moved.id),
    )
  }

  const sectionLine = (s: AdminSection, index: number) => (
    <li key={s.id} className={s.retired ? 'retired' : undefined}>
      {renaming === s.id ? (
        <RenameForm
          current={s.name}
          onCancel={() => {
            setRenaming(null)
            onFocus(own('rename', s.id))
          }}
          onSave={async (next) => {
            const ok = await run(() => adminApi.patchSection(s.id, { name: next }), fill(t('admin.org.renamed'), { name: next }), own('rename', s.id))
            if (ok) setRenaming(null)
          }}
        />
      ) : (
        <span className="org-section-name">{s.name}</span>
      )}
      {s.retired && <span className="retired-badge">{t('admin.retired')}</span>}
      <span className="org-actions">
        <button
          type="button"
          className="icon"
          id={own('up', s.id)}
          aria-label={fill(t('admin.org.moveUp'), { name: s.name })}
          title={fill(t('admin.org.moveUp'), { name: s.name })}
          disabled={busy || index === 0}
          onClick={() => move(index, -1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon"
          id={own('down', s.id)}
          aria-label={fill(t('admin.org.moveDown'), { name: s.name })}
          title={fill(t('admin.org.moveDown'), { name: s.name })}
          disabled={busy || index === department.sections.length - 1}
          onClick={() => move(index, 1)}
        >
          ↓
        </button>
        {renaming !== s.id && (
          <button
            type="button"
            className="small"
            id={own('rename', s.id)}
            aria-label={fill(t('admin.org.renameOf'), { name: s.name })}
            onClick={() => setRenaming(s.id)}
          >
            {t('admin.rename')}
          </button>
        )}
        <button
          type="button"
          className={s.retired ? 'small' : 'small danger-outline'}
          id={own('retire', s.id)}
          aria-label={fill(t(s.retired ? 'admin.org.restoreOf' : 'admin.org.retireOf'), { name: s.name })}
          disabled={busy}
          onClick={() =>
            run(
              () => adminApi.patchSection(s.id, { retired: !s.retired }),
              fill(t(s.retired ? 'admin.org.restored' : 'admin.org.retiredDone'), { name: s.name }),
              own('retire', s.id),
            )
          }
        >
          {t(s.retired ? 'admin.restore' : 'admin.retire')}
        </button>
      </span>
    </li>
  )

  return (
    <div className="org-sections">
      {department.sections.length === 0 ? (
        <p className="muted">{t('admin.org.noSections')}</p>
      ) : (
        <ul aria-label={fill(t('admin.org.sectionsOf'), { name: department.name })}>{department.sections.map(sectionLine)}</ul>
      )}
      {!department.retired && (
        <form className="inline-form" onSubmit={add}>
          <label htmlFor={inputId}>{fill(t('admin.org.addSectionTo'), { name: department.name })}</label>
          <input id={inputId} value={name} maxLength={MAX_ORG_NAME} onChange={(e) => setName(e.currentTarget.value)} />
          <button type="submit" className="small" disabled={busy || !name.trim()}>
            {t('admin.add')}
          </button>
        </form>
      )}
    </div>
  )
}

function NewDepartmentForm({ onCreate }: { onCreate: (name: string, sections: string[]) => Promise<boolean> }) {
  const { t } = useI18n()
  const nameId = useId()
  const sectionsId = useId()
  const hintId = useId()
  const [name, setName] = useState('')
  const [sections, setSections] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const list = sections
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean)
    setBusy(true)
    const ok = await onCreate(name.trim(), list)
    setBusy(false)
    if (ok) {
      setName('')
      setSections('')
    }
  }

  return (
    <form className="admin-card new-department" onSubmit={submit}>
      <h3>{t('admin.org.newDepartment')}</h3>
      <div className="form-row">
        <div className="admin-field">
          <label htmlFor={nameId}>{t('admin.org.departmentName')}</label>
          <input id={nameId} value={name} required maxLength={MAX_ORG_NAME} onChange={(e) => setName(e.currentTarget.value)} />
        </div>
        <div className="admin-field grow">
          <label htmlFor={sectionsId}>{t('admin.org.sectionNames')}</label>
          <textarea
            id={sectionsId}
            rows={3}
            value={sections}
            aria-describedby={hintId}
            onChange={(e) => setSections(e.currentTarget.value)}
          />
          <span id={hintId} className="hint">
            {t('admin.org.sectionNamesHint')}
          </span>
        </div>
        <button type="submit" disabled={busy || !name.trim()}>
          {t('admin.org.create')}
        </button>
      </div>
    </form>
  )
}

function RenameForm({ current, onSave, onCancel }: { current: string; onSave: (name: string) => Promise<void>; onCancel: () => void }) {
  const { t } = useI18n()
  const id = useId()
  const [name, setName] = useState(current)
  return (
    <form
      className="inline-form rename-form"
      onSubmit={(event) => {
        event.preventDefault()
        const trimmed = name.trim()
        if (trimmed && trimmed !== current) void onSave(trimmed)
        else onCancel()
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {fill(t('admin.org.newName'), { name: current })}
      </label>
      <input
        id={id}
        value={name}
        maxLength={MAX_ORG_NAME}
        // Opened by the person's own click on 名前を変更: the field they asked for takes focus.
        // biome-ignore lint/a11y/noAutofocus: see above
        autoFocus
        onChange={(e) => setName(e.currentTarget.value)}
        onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
          if (e.key === 'Escape') onCancel()
        }}
      />
      <button type="submit" className="small">
        {t('admin.save')}
      </button>
      <button type="button" className="small" onClick={onCancel}>
        {t('admin.cancel')}
      </button>
    </form>
  )
}

/**
 * 職員数 of a department, as the sheet's printed header shows it (a whole number of people, or blank for
 * none). Full-width digits typed with the IME on are taken as staff type them.
 */
function StaffCountForm({ department, busy, onSave, id }: { department: AdminDepartment; busy: boolean; onSave: (n: number | null) => unknown; id: string }) {
  const { t } = useI18n()
  const [value, setValue] = useState(department.staffCount === null ? '' : String(department.staffCount))
  const [invalid, setInvalid] = useState(false)
  useEffect(() => setValue(department.staffCount === null ? '' : String(department.staffCount)), [department.staffCount])
  const helpId = `${id}-help`
  return (
    <form
      className="inline-form staff-count-form"
      onSubmit={(e) => {
        e.preventDefault()
        const text = value.normalize('NFKC').replace(/[,\s]/g, '')
        if (text === '') return void onSave(null)
        if (!/^\d{1,6}$/.test(text)) return setInvalid(true)
        setInvalid(false)
        void onSave(Number(text))
      }}
    >
      <label htmlFor={`${id}-input`}>{t('print.header.staffCount')}</label>
      <input
        id={`${id}-input`}
        inputMode="numeric"
        size={6}
        value={value}
        aria-describedby={helpId}
        aria-invalid={invalid || undefined}
        onChange={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit" id={id} disabled={busy}>
        {t('print.header.staffCountSave')}
      </button>
      <span id={helpId} className="muted">
        {invalid ? t('admin.org.staffInvalid') : t('print.header.staffCountHelp')}
      </span>
    </form>
  )
}
