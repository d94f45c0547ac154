import { type AdminDepartment, type AdminUser, MIN_PASSWORD_LENGTH, type Role, usernamePattern } from '@hoshin/protocol'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { useErrorMessage } from '../../app/useErrorMessage'
import { useI18n } from '../../i18n/I18nProvider'
import { useAuth } from '../auth/AuthProvider'
import { useOrg } from './AdminPage'
import { adminApi, type UserFilter, type UserPatch } from './adminApi'
import { ConfirmModal, Modal } from '../../app/Modal'
import { copyText, generatePassword } from './passwords'
import { Feedback, RoleOptions } from './Feedback'
import { fill } from './text'

/** Roles that belong to a department: a 係員, 係長 or 課長 without one could read and edit nothing. */
const needsDepartment = (role: Role) => role === 'staff' || role === 'lead' || role === 'head'

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; user: AdminUser }
  | { kind: 'confirmReset'; user: AdminUser }
  | { kind: 'confirmDisable'; user: AdminUser }
  | { kind: 'password'; user: { displayName: string; username: string }; password: string; initial: boolean }

/** 職員: list with filters, create, edit role and place, reset password, disable / enable. */
export function UsersTab() {
  const { t } = useI18n()
  const errorMessage = useErrorMessage()
  const { departments } = useOrg()
  const { state } = useAuth()
  const myId = state.status === 'signedIn' ? state.user.id : null
  const [filter, setFilter] = useState<UserFilter>({ department: '', role: '', q: '', includeDisabled: false })
  const [users, setUsers] = useState<AdminUser[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState('')
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [dialogError, setDialogError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [generation, setGeneration] = useState(0)
  const ids = { department: useId(), role: useId(), q: useId(), disabled: useId(), caption: useId() }

  useEffect(() => {
    let cancelled = false
    // Typing in the search box waits for a pause, so each key does not cost a request.
    const timer = setTimeout(
      () => {
        adminApi.users(filter).then(
          (res) => {
            if (cancelled) return
            setUsers(res.users)
            setError(null)
          },
          (e: unknown) => !cancelled && setError(errorMessage(e)),
        )
      },
      generation === 0 && !filter.q ? 0 : 250,
    )
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [filter, generation])

  const refresh = () => setGeneration((g) => g + 1)
  const close = () => {
    setDialog(null)
    setDialogError(null)
  }

  async function act(action: () => Promise<void>) {
    setBusy(true)
    setDialogError(null)
    try {
      await action()
      refresh()
    } catch (e) {
      setDialogError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const active = (departments ?? []).filter((d) => !d.retired)

  return (
    <section aria-labelledby={ids.caption}>
      <div className="users-head">
        <h2 id={ids.caption}>{t('admin.users.title')}</h2>
        <button type="button" className="primary-action" onClick={() => setDialog({ kind: 'create' })}>
          {t('admin.users.create')}
        </button>
      </div>
      <form className="user-filters" aria-label={t('admin.users.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="admin-field">
          <label htmlFor={ids.department}>{t('admin.users.department')}</label>
          <select id={ids.department} value={filter.department} onChange={(e) => setFilter({ ...filter, department: e.currentTarget.value })}>
            <option value="">{t('admin.users.all')}</option>
            {(departments ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.retired ? `${d.name}（${t('admin.retired')}）` : d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="admin-field">
          <label htmlFor={ids.role}>{t('admin.users.role')}</label>
          <select id={ids.role} value={filter.role} onChange={(e) => setFilter({ ...filter, role: e.currentTarget.value as Role | '' })}>
            <option value="">{t('admin.users.all')}</option>
            <RoleOptions />
          </select>
        </div>
        <div className="admin-field grow">
          <label htmlFor={ids.q}>{t('admin.users.search')}</label>
          <input id={ids.q} type="search" value={filter.q} maxLength={100} onChange={(e) => setFilter({ ...filter, q: e.currentTarget.value })} />
        </div>
        <div className="check-field">
          <input
            id={ids.disabled}
            type="checkbox"
            checked={filter.includeDisabled}
            onChange={(e) => setFilter({ ...filter, includeDisabled: e.currentTarget.checked })}
          />
          <label htmlFor={ids.disabled}>{t('admin.users.includeDisabled')}</label>
        </div>
      </form>
      <Feedback status={status} error={error} />
      {!users ? (
        <p>{t('loading')}</p>
      ) : users.length === 0 ? (
        <p>{t('admin.users.none')}</p>
      ) : (
        <table className="admin-table users-table">
          <caption className="visually-hidden">{fill(t('admin.users.count'), { count: users.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.users.displayName')}</th>
              <th scope="col">{t('admin.users.username')}</th>
              <th scope="col">{t('admin.users.role')}</th>
              <th scope="col">{t('admin.users.place')}</th>
              <th scope="col">{t('admin.users.state')}</th>
              <th scope="col">{t('admin.users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} className={user.disabled ? 'disabled-user' : undefined}>
                <th scope="row">{user.displayName}</th>
                <td className="mono">{user.username}</td>
                <td>{t(`role.${user.role}`)}</td>
                <td>
                  {user.department?.name ?? '—'}
                  {user.section ? ` ${user.section.name}` : ''}
                </td>
                <td>{user.disabled ? <span className="retired-badge">{t('admin.users.disabled')}</span> : t('admin.users.enabled')}</td>
                <td className="row-actions">
                  <button type="button" className="small" aria-label={fill(t('admin.users.editOf'), { name: user.displayName })} onClick={() => setDialog({ kind: 'edit', user })}>
                    {t('admin.users.edit')}
                  </button>
                  <button
                    type="button"
                    className="small"
                    aria-label={fill(t('admin.users.resetOf'), { name: user.displayName })}
                    onClick={() => setDialog({ kind: 'confirmReset', user })}
                  >
                    {t('admin.users.reset')}
                  </button>
                  {user.id !== myId && (
                    <button
                      type="button"
                      className={user.disabled ? 'small' : 'small danger-outline'}
                      aria-label={fill(t(user.disabled ? 'admin.users.enableOf' : 'admin.users.disableOf'), { name: user.displayName })}
                      onClick={() => setDialog({ kind: 'confirmDisable', user })}
                    >
                      {t(user.disabled ? 'admin.users.enable' : 'admin.users.disable')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {dialog?.kind === 'create' && (
        <UserForm
          mode="create"
          departments={active}
          busy={busy}
          error={dialogError}
          onClose={close}
          onSubmit={(value) =>
            act(async () => {
              const { user } = await adminApi.createUser(value)
              setStatus(fill(t('admin.users.created'), { name: user.displayName }))
              setDialog({ kind: 'password', user, password: value.password, initial: true })
            })
          }
        />
      )}
      {dialog?.kind === 'edit' && (
        <UserForm
          mode="edit"
          user={dialog.user}
          departments={active}
          allDepartments={departments ?? []}
          busy={busy}
          error={dialogError}
          onClose={close}
          onSubmit={(value) =>
            act(async () => {
              const { user } = await adminApi.patchUser(dialog.user.id, changedFields(dialog.user, value))
              setStatus(fill(t('admin.users.saved'), { name: user.displayName }))
              close()
            })
          }
        />
      )}
      {dialog?.kind === 'confirmReset' && (
        <ConfirmModal
          title={t('admin.users.reset')}
          message={fill(t('admin.users.resetConfirm'), { name: dialog.user.displayName })}
          confirm={t('admin.users.resetDo')}
          cancelLabel={t('admin.cancel')}
          busy={busy}
          error={dialogError}
          onClose={close}
          onConfirm={() =>
            act(async () => {
              const { password } = await adminApi.resetPassword(dialog.user.id)
              setDialog({ kind: 'password', user: dialog.user, password, initial: false })
            })
          }
        />
      )}
      {dialog?.kind === 'confirmDisable' && (
        <ConfirmModal
          title={t(dialog.user.disabled ? 'admin.users.enable' : 'admin.users.disable')}
          message={fill(t(dialog.user.disabled ? 'admin.users.enableConfirm' : 'admin.users.disableConfirm'), { name: dialog.user.displayName })}
          confirm={t(dialog.user.disabled ? 'admin.users.enableDo' : 'admin.users.disableDo')}
          cancelLabel={t('admin.cancel')}
          danger={!dialog.user.disabled}
          busy={busy}
          error={dialogError}
          onClose={close}
          onConfirm={() =>
            act(async () => {
              const disabled = !dialog.user.disabled
              await adminApi.patchUser(dialog.user.id, { disabled })
              setStatus(fill(t(disabled ? 'admin.users.disabledDone' : 'admin.users.enabledDone'), { name: dialog.user.displayName }))
              close()
            })
          }
        />
      )}
      {dialog?.kind === 'password' && <PasswordModal user={dialog.user} password={dialog.password} initial={dialog.initial} onClose={close} />}
    </section>
  )
}

/**
 * Only what the admin changed: a change of place or role ends the person's sessions (their rights
 * change), so an unchanged place is not sent.
 */
function changedFields(before: AdminUser, after: UserFormValue): UserPatch {
  const patch: UserPatch = {}
  if (after.displayName !== before.displayName) patch.displayName = after.displayName
  if (after.role !== before.role) patch.role = after.role
  if (after.departmentId !== (before.department?.id ?? null)) patch.departmentId = after.departmentId
  if (after.sectionId !== (before.section?.id ?? null)) patch.sectionId = after.sectionId
  return patch
}

interface UserFormValue {
  username: string
  displayName: string
  role: Role
  departmentId: string | null
  sectionId: string | null
  password: string
}

function UserForm({
  mode,
  user,
  departments,
  allDepartments = departments,
  busy,
  error,
  onClose,
  onSubmit,
}: {
  mode: 'create' | 'edit'
  user?: AdminUser
  /** Active departments: what the pickers offer. */
  departments: AdminDepartment[]
  /** Every department, to show a retired one a person still belongs to. */
  allDepartments?: AdminDepartment[]
  busy: boolean
  error: string | null
  onClose: () => void
  onSubmit: (value: UserFormValue) => void
}) {
  const { t } = useI18n()
  const [value, setValue] = useState<UserFormValue>(() => ({
    username: user?.username ?? '',
    displayName: user?.displayName ?? '',
    role: user?.role ?? 'staff',
    departmentId: user?.department?.id ?? null,
    sectionId: user?.section?.id ?? null,
    password: mode === 'create' ? generatePassword() : '',
  }))
  const [problem, setProblem] = useState<string | null>(null)
  const ids = {
    username: useId(),
    usernameHint: useId(),
    displayName: useId(),
    role: useId(),
    department: useId(),
    section: useId(),
    password: useId(),
    passwordHint: useId(),
  }

  // A person in a retired department or section keeps it until moved: shown, marked 廃止, still selectable.
  const currentDepartment = allDepartments.find((d) => d.id === user?.department?.id)
  const departmentChoices = currentDepartment?.retired ? [...departments, currentDepartment] : departments
  const chosen = allDepartments.find((d) => d.id === value.departmentId)
  const sectionChoices = (chosen?.sections ?? []).filter((s) => !s.retired || s.id === user?.section?.id)
  const departmentRequired = needsDepartment(value.role)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (!value.displayName.trim()) return setProblem(t('admin.users.needName'))
    if (mode === 'create' && !usernamePattern.test(value.username)) return setProblem(t('admin.users.usernameHint'))
    if (departmentRequired && !value.departmentId) return setProblem(t('admin.users.needDepartment'))
    if (mode === 'create' && value.password.length < MIN_PASSWORD_LENGTH) return setProblem(fill(t('admin.users.passwordHint'), { min: MIN_PASSWORD_LENGTH }))
    setProblem(null)
    onSubmit({ ...value, displayName: value.displayName.trim() })
  }

  return (
    <Modal title={mode === 'create' ? t('admin.users.create') : fill(t('admin.users.editOf'), { name: user?.displayName ?? '' })} onClose={onClose}>
      <form className="user-form" onSubmit={submit} noValidate>
        <div className="admin-field">
          <label htmlFor={ids.displayName}>{t('admin.users.displayName')}</label>
          <input
            id={ids.displayName}
            value={value.displayName}
            required
            maxLength={100}
            autoComplete="off"
            onChange={(e) => setValue({ ...value, displayName: e.currentTarget.value })}
          />
        </div>
        {mode === 'create' && (
          <div className="admin-field">
            <label htmlFor={ids.username}>{t('admin.users.username')}</label>
            <input
              id={ids.username}
              value={value.username}
              required
              maxLength={64}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              aria-describedby={ids.usernameHint}
              onChange={(e) => setValue({ ...value, username: e.currentTarget.value.trim() })}
            />
            <span id={ids.usernameHint} className="hint">
              {t('admin.users.usernameHint')}
            </span>
          </div>
        )}
        <div className="admin-field">
          <label htmlFor={ids.role}>{t('admin.users.role')}</label>
          <select id={ids.role} value={value.role} onChange={(e) => setValue({ ...value, role: e.currentTarget.value as Role })}>
            <RoleOptions />
          </select>
        </div>
        <div className="admin-field">
          <label htmlFor={ids.department}>
            {t('admin.users.department')}
            {departmentRequired ? <span className="required">{t('admin.required')}</span> : <span className="hint"> {t('admin.optional')}</span>}
          </label>
          <select
            id={ids.department}
            value={value.departmentId ?? ''}
            required={departmentRequired}
            onChange={(e) => {
              const departmentId = e.currentTarget.value || null
              // A section belongs to one department: changing the department clears it.
              setValue({ ...value, departmentId, sectionId: departmentId === value.departmentId ? value.sectionId : null })
            }}
          >
            <option value="">{t('admin.users.noDepartment')}</option>
            {departmentChoices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.retired ? `${d.name}（${t('admin.retired')}）` : d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="admin-field">
          <label htmlFor={ids.section}>
            {t('admin.users.section')}
            <span className="hint"> {t('admin.optional')}</span>
          </label>
          <select
            id={ids.section}
            value={value.sectionId ?? ''}
            disabled={!chosen}
            onChange={(e) => setValue({ ...value, sectionId: e.currentTarget.value || null })}
          >
            <option value="">{t('admin.users.noSection')}</option>
            {sectionChoices.map((s) => (
              <option key={s.id} value={s.id}>
                {s.retired ? `${s.name}（${t('admin.retired')}）` : s.name}
              </option>
            ))}
          </select>
        </div>
        {mode === 'create' && (
          <div className="admin-field">
            <label htmlFor={ids.password}>{t('admin.users.initialPassword')}</label>
            <span className="input-with-button">
              <input
                id={ids.password}
                className="mono"
                value={value.password}
                required
                minLength={MIN_PASSWORD_LENGTH}
                maxLength={256}
                autoComplete="new-password"
                spellCheck={false}
                aria-describedby={ids.passwordHint}
                onChange={(e) => setValue({ ...value, password: e.currentTarget.value })}
              />
              <button type="button" className="small" onClick={() => setValue({ ...value, password: generatePassword() })}>
                {t('admin.users.generate')}
              </button>
            </span>
            <span id={ids.passwordHint} className="hint">
              {fill(t('admin.users.passwordHint'), { min: MIN_PASSWORD_LENGTH })}
            </span>
          </div>
        )}
        {(problem ?? error) && (
          <p role="alert" className="form-error">
            {problem ?? error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            {t('admin.cancel')}
          </button>
          <button type="submit" disabled={busy}>
            {mode === 'create' ? t('admin.users.createDo') : t('admin.save')}
          </button>
        </div>
      </form>
    </Modal>
  )
}

/** The password, shown once: copy it or write it down now; the server keeps only its hash. */
function PasswordModal({
  user,
  password,
  initial,
  onClose,
}: {
  user: { displayName: string; username: string }
  password: string
  initial: boolean
  onClose: () => void
}) {
  const { t } = useI18n()
  const field = useRef<HTMLInputElement>(null)
  const fieldId = useId()
  const [copied, setCopied] = useState<boolean | null>(null)
  return (
    <Modal title={t(initial ? 'admin.password.initialTitle' : 'admin.password.title')} onClose={onClose} className="password-modal">
      <p>{fill(t('admin.password.lead'), { name: user.displayName, username: user.username })}</p>
      <div className="admin-field">
        <label htmlFor={fieldId}>{t('admin.password.label')}</label>
        <span className="input-with-button">
          <input id={fieldId} ref={field} className="mono password-value" value={password} readOnly onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={async () => setCopied(await copyText(password, field.current))}>
            {t('admin.password.copy')}
          </button>
        </span>
      </div>
      <p role="status" className="admin-status">
        {copied === true ? t('admin.password.copied') : copied === false ? t('admin.password.copyFailed') : ''}
      </p>
      <p className="warning" role="note">
        {t('admin.password.warning')}
      </p>
      <div className="modal-actions">
        <button type="button" className="primary-action" onClick={onClose}>
          {t('admin.password.done')}
        </button>
      </div>
    </Modal>
  )
}
