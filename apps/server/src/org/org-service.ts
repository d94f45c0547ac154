import { randomBytes } from 'node:crypto'
import type {
  AdminDepartment,
  AdminUser,
  CsvLineError,
  ImportChange,
  ImportPlanResponse,
  Me,
  Role,
  userPatchSchema,
} from '@hoshin/protocol'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { AppLucia } from '../auth/lucia.js'
import { hashPassword } from '../auth/passwords.js'
import type { Actor } from '../context.js'
import type { EventBus } from '../events/event-bus.js'
import { errors, HttpError } from '../http/errors.js'
import { type Department, SqliteOrgStore } from '../persistence/org-store.js'
import type { Database } from '../persistence/database.js'
import type { Stores } from '../persistence/stores.js'
import { SqliteUserStore, type UserRecord } from '../persistence/user-store.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { cleanName, normalise, readCsv } from './csv.js'

/** Roles that belong to a department (係員, 係長, 課長); 企画 and 管理者 work town-wide. */
const departmentRoles = new Set<Role>(['staff', 'lead', 'head'])

export const roleLabels: Record<Role, string> = { staff: '係員', lead: '係長', head: '課長', planning: '企画', admin: '管理者' }
const roleByWord = new Map<string, Role>([
  ...Object.entries(roleLabels).map(([role, label]) => [label, role as Role] as const),
  ...(Object.keys(roleLabels) as Role[]).map((role) => [role, role] as const),
])

/** 16 characters from an unambiguous alphabet (no 0/O, 1/l/I), to read out over the phone. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')
}

/** Hashes many passwords a few at a time: argon2 runs on libuv's pool, which has four threads. */
async function hashAll(passwords: string[]): Promise<string[]> {
  const out: string[] = new Array(passwords.length)
  let next = 0
  const worker = async () => {
    while (next < passwords.length) {
      const i = next++
      out[i] = await hashPassword(passwords[i]!)
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  return out
}

type UserPatch = z.infer<typeof userPatchSchema>

interface Header {
  department: number
  section: number
  username: number
  name: number
  role: number
}

const headerWords: Record<keyof Header, string[]> = {
  department: ['課名', '課', '所属課', 'department'],
  section: ['係名', '係', '所属係', 'section'],
  username: ['ユーザー名', 'ユーザーid', 'ログインid', 'username'],
  name: ['氏名', '名前', '表示名', 'name'],
  role: ['役割', '役職', '権限', 'role'],
}

function readHeader(cells: string[], wanted: (keyof Header)[], expected: string): Header | CsvLineError {
  const index = (key: keyof Header) => cells.findIndex((c) => headerWords[key].includes(normalise(c).toLowerCase()))
  const header = { department: index('department'), section: index('section'), username: index('username'), name: index('name'), role: index('role') }
  const missing = wanted.filter((k) => header[k] === -1)
  if (missing.length) return { line: 1, message: `見出し行が正しくありません。1 行目は「${expected}」としてください。` }
  return header
}

const cell = (cells: string[], i: number) => (i >= 0 ? (cells[i] ?? '') : '')

/** The organisation as the admin area and the imports see it. */
export class OrgService {
  constructor(
    private readonly db: Database,
    private readonly stores: Stores,
    private readonly lucia: AppLucia,
    private readonly documents: DocumentRegistry,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {}

  private imports: Promise<unknown> = Promise.resolve()

  /**
   * Runs one import (plan and apply) at a time: a plan made while another import was being applied would
   * be stale (two admins importing at once would both try to create the same department).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.imports.then(work, work)
    this.imports = run.catch(() => undefined)
    return run
  }

  private audit(actor: Actor, action: string, target: string, detail?: string) {
    return this.stores.audit.append({ userId: actor.id, username: actor.username, action, target, detail: detail ?? null })
  }

  departments(): Promise<AdminDepartment[]> {
    return this.stores.org.listDepartments({ includeRetired: true })
  }

  private async department(id: string): Promise<Department> {
    const department = await this.stores.org.getDepartment(id)
    if (!department) throw errors.notFound()
    return department
  }

  private async uniqueDepartmentName(name: string, except?: string): Promise<void> {
    const all = await this.stores.org.listDepartments({ includeRetired: true })
    if (all.some((d) => d.id !== except && normalise(d.name) === normalise(name))) {
      throw errors.duplicateName(`「${name}」という課は既にあります（廃止済みのものを含む）。`)
    }
  }

  private uniqueSectionName(department: Department, name: string, except?: string): void {
    if (department.sections.some((s) => s.id !== except && normalise(s.name) === normalise(name))) {
      throw errors.duplicateName(`${department.name}には「${name}」という係が既にあります。`)
    }
  }

  async createDepartment(actor: Actor, input: { name: string; sections: string[] }): Promise<AdminDepartment> {
    await this.uniqueDepartmentName(input.name)
    const names = new Set<string>()
    for (const s of input.sections) {
      if (names.has(normalise(s))) throw errors.duplicateName(`係「${s}」が二度書かれています。`)
      names.add(normalise(s))
    }
    const id = await this.db.transaction(async (tx) => {
      const org = new SqliteOrgStore(tx)
      const department = await org.createDepartment(input.name)
      for (const s of input.sections) await org.createSection(department.id, s)
      return department.id
    })
    await this.audit(actor, 'org.department.create', id, input.name)
    return this.department(id)
  }

  async patchDepartment(actor: Actor, id: string, patch: { name?: string; retired?: boolean; staffCount?: number | null }): Promise<AdminDepartment> {
    const department = await this.department(id)
    if (patch.name !== undefined && patch.name !== department.name) {
      await this.uniqueDepartmentName(patch.name, id)
      await this.stores.org.renameDepartment(id, patch.name)
      await this.audit(actor, 'org.department.rename', id, `${department.name} → ${patch.name}`)
    }
    if (patch.retired !== undefined && patch.retired !== department.retired) {
      await this.stores.org.setDepartmentRetired(id, patch.retired)
      await this.audit(actor, patch.retired ? 'org.department.retire' : 'org.department.restore', id, department.name)
    }
    if (patch.staffCount !== undefined && patch.staffCount !== department.staffCount) {
      await this.stores.org.setStaffCount(id, patch.staffCount)
      await this.audit(actor, 'org.department.staff', id, `${department.name} 職員数 ${department.staffCount ?? '—'} → ${patch.staffCount ?? '—'}`)
    }
    return this.department(id)
  }

  async orderDepartments(actor: Actor, ids: string[]): Promise<void> {
    const all = await this.stores.org.listDepartments({ includeRetired: true })
    if (new Set(ids).size !== ids.length || ids.length !== all.length || !all.every((d) => ids.includes(d.id))) throw errors.validation('ids')
    await this.stores.org.orderDepartments(ids)
    await this.audit(actor, 'org.department.order', 'departments')
  }

  async createSection(actor: Actor, departmentId: string, name: string): Promise<AdminDepartment> {
    const department = await this.department(departmentId)
    this.uniqueSectionName(department, name)
    const section = await this.stores.org.createSection(departmentId, name)
    await this.audit(actor, 'org.section.create', section.id, `${department.name} ${name}`)
    return this.department(departmentId)
  }

  async patchSection(actor: Actor, id: string, patch: { name?: string; retired?: boolean }): Promise<AdminDepartment> {
    const section = await this.stores.org.getSection(id)
    if (!section) throw errors.notFound()
    const department = await this.department(section.departmentId)
    if (patch.name !== undefined && patch.name !== section.name) {
      this.uniqueSectionName(department, patch.name, id)
      await this.stores.org.renameSection(id, patch.name)
      await this.audit(actor, 'org.section.rename', id, `${section.name} → ${patch.name}`)
    }
    if (patch.retired !== undefined && patch.retired !== section.retired) {
      await this.stores.org.setSectionRetired(id, patch.retired)
      await this.audit(actor, patch.retired ? 'org.section.retire' : 'org.section.restore', id, section.name)
    }
    return this.department(section.departmentId)
  }

  async orderSections(actor: Actor, departmentId: string, ids: string[]): Promise<AdminDepartment> {
    const department = await this.department(departmentId)
    const own = department.sections.map((s) => s.id)
    if (new Set(ids).size !== ids.length || ids.length !== own.length || !own.every((id) => ids.includes(id))) throw errors.validation('ids')
    await this.stores.org.orderSections(ids)
    await this.audit(actor, 'org.section.order', departmentId)
    return this.department(departmentId)
  }

  // ── users ──────────────────────────────────────────────────────────────────────────────────────

  private async view(user: UserRecord, departments?: Department[]): Promise<AdminUser> {
    const all = departments ?? (await this.stores.org.listDepartments({ includeRetired: true }))
    const department = all.find((d) => d.id === user.departmentId)
    const section = department?.sections.find((s) => s.id === user.sectionId)
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      department: department ? { id: department.id, name: department.name } : null,
      section: section ? { id: section.id, name: section.name } : null,
      disabled: user.disabledAt !== null,
    }
  }

  async users(filter: { department?: string; role?: string; q?: string; disabled?: boolean }): Promise<AdminUser[]> {
    const departments = await this.stores.org.listDepartments({ includeRetired: true })
    const q = filter.q ? normalise(filter.q).toLowerCase() : ''
    const users = (await this.stores.users.list()).filter(
      (u) =>
        (!filter.department || u.departmentId === filter.department) &&
        (!filter.role || u.role === filter.role) &&
        (filter.disabled || u.disabledAt === null) &&
        (!q || u.username.toLowerCase().includes(q) || normalise(u.displayName).toLowerCase().replace(/\s/g, '').includes(q.replace(/\s/g, ''))),
    )
    return Promise.all(users.map((u) => this.view(u, departments)))
  }

  /** Checks that a role fits a place: department roles need an active department, a section must be of it. */
  private async place(role: Role, departmentId: string | null | undefined, sectionId: string | null | undefined) {
    if (!departmentId) {
      if (departmentRoles.has(role)) throw new HttpError(400, 'validation_failed', '係員・係長・課長には所属課が必要です。', { path: 'departmentId' })
      if (sectionId) throw new HttpError(400, 'validation_failed', '係だけを指定することはできません。', { path: 'sectionId' })
      return { departmentId: null, sectionId: null }
    }
    const department = await this.stores.org.getDepartment(departmentId)
    if (!department || department.retired) throw new HttpError(400, 'validation_failed', '所属課が見つからないか、廃止されています。', { path: 'departmentId' })
    if (sectionId) {
      const section = department.sections.find((s) => s.id === sectionId)
      if (!section || section.retired) throw new HttpError(400, 'validation_failed', `係が${department.name}にないか、廃止されています。`, { path: 'sectionId' })
    }
    return { departmentId, sectionId: sectionId ?? null }
  }

  async createUser(
    actor: Actor,
    input: { username: string; displayName: string; role: Role; departmentId?: string | null; sectionId?: string | null; password: string },
  ): Promise<Me> {
    if (await this.stores.users.findByUsername(input.username)) throw errors.duplicateUsername()
    const place = await this.place(input.role, input.departmentId, input.sectionId)
    let user: UserRecord
    try {
      user = await this.stores.users.create({
        username: input.username,
        displayName: input.displayName,
        role: input.role,
        ...place,
        passwordHash: await hashPassword(input.password),
      })
    } catch (error) {
      // Two admins creating the same name at once: the UNIQUE constraint decides.
      if (String(error).includes('UNIQUE')) throw errors.duplicateUsername()
      throw error
    }
    await this.audit(actor, 'user.create', user.id, user.username)
    const { disabled: _disabled, ...me } = await this.view(user)
    return me
  }

  private async user(id: string): Promise<UserRecord> {
    const user = await this.stores.users.findById(id)
    if (!user) throw errors.notFound()
    return user
  }

  async patchUser(actor: Actor, id: string, patch: UserPatch): Promise<AdminUser> {
    const user = await this.user(id)
    const role = patch.role ?? user.role
    const moving =
      (patch.departmentId !== undefined && patch.departmentId !== user.departmentId) ||
      (patch.sectionId !== undefined && patch.sectionId !== user.sectionId) ||
      (patch.role !== undefined && patch.role !== user.role)
    if (id === actor.id && (patch.disabled || (patch.role !== undefined && patch.role !== 'admin'))) {
      throw new HttpError(400, 'validation_failed', '自分自身を無効にしたり、管理者から外したりすることはできません。', { path: patch.disabled ? 'disabled' : 'role' })
    }
    if (moving) {
      const departmentId = patch.departmentId !== undefined ? patch.departmentId : user.departmentId
      const sectionId = patch.sectionId !== undefined ? patch.sectionId : patch.departmentId !== undefined && patch.departmentId !== user.departmentId ? null : user.sectionId
      const place = await this.place(role, departmentId, sectionId)
      await this.stores.users.move(id, place.departmentId, place.sectionId)
      if (role !== user.role) await this.stores.users.setRole(id, role)
      await this.audit(actor, 'user.move', id, `${user.departmentId ?? '-'}/${user.sectionId ?? '-'} → ${place.departmentId ?? '-'}/${place.sectionId ?? '-'} (${role})`)
      // Rights follow the place: the person's open sessions end so no tab keeps the old ones.
      await this.endAccess(id)
    }
    if (patch.displayName !== undefined && patch.displayName !== user.displayName) {
      await this.stores.users.setDisplayName(id, patch.displayName)
      await this.audit(actor, 'user.rename', id, patch.displayName)
    }
    if (patch.disabled !== undefined && patch.disabled !== (user.disabledAt !== null)) {
      await this.stores.users.setDisabled(id, patch.disabled)
      if (patch.disabled) await this.endAccess(id)
      await this.audit(actor, patch.disabled ? 'user.disable' : 'user.enable', id)
    }
    return this.view(await this.user(id))
  }

  async resetPassword(actor: Actor, id: string): Promise<string> {
    const user = await this.user(id)
    const password = generatePassword()
    await this.stores.users.setPasswordHash(id, await hashPassword(password))
    await this.stores.loginFailures.clear(user.username)
    await this.endAccess(id)
    await this.audit(actor, 'user.reset-password', id)
    return password
  }

  /** Ends every session of a person at once: cookies, open sheet sockets and event streams. */
  async endAccess(userId: string): Promise<void> {
    await this.lucia.invalidateUserSessions(userId)
    await this.documents.closeUser(userId)
    this.events.publish([userId], { kind: 'session-ended' })
  }

  // ── CSV: the organisation ────────────────────────────────────────────────────────────────────

  /**
   * The organisation file is the whole organisation: departments and sections it lists are created
   * (or brought back), active ones it omits are retired. Users it lists are created or updated; users it
   * omits are left alone — a personnel export rarely holds the admin's own account, and disabling
   * people is a decision made one by one.
   */
  async planOrgImport(data: Uint8Array): Promise<{ plan: ImportPlanResponse; apply: (actor: Actor) => Promise<ImportPlanResponse> }> {
    const csv = readCsv(data)
    if (!csv.ok) return noPlan(csv.errors)
    const [head, ...rows] = csv.rows
    if (!head) return noPlan([{ line: 1, message: 'ファイルが空です。' }])
    const header = readHeader(head.cells, ['department', 'section', 'username', 'name'], '課名,係名,ユーザー名,氏名,役割')
    if ('message' in header) return noPlan([header])

    const lineErrors: CsvLineError[] = []
    const wanted = new Map<string, { name: string; sections: Map<string, string> }>()
    const people = new Map<string, { line: number; username: string; name: string; role: Role; department: string | null; section: string | null }>()
    for (const { line, cells } of rows) {
      const department = cleanName(cell(cells, header.department))
      const section = cleanName(cell(cells, header.section))
      const username = normalise(cell(cells, header.username))
      const name = cleanName(cell(cells, header.name))
      const roleWord = normalise(cell(cells, header.role))
      const fail = (message: string) => lineErrors.push({ line, message })
      if (department.length > 50 || section.length > 50) {
        fail('課名・係名は 50 文字までです。')
        continue
      }
      if (section && !department) {
        fail(`係「${section}」の課名がありません。`)
        continue
      }
      if (department) {
        const key = normalise(department)
        const entry = wanted.get(key) ?? { name: department, sections: new Map() }
        wanted.set(key, entry)
        if (section) entry.sections.set(normalise(section), section)
      }
      if (!username) {
        if (name || roleWord) fail('ユーザー名がありません。')
        continue
      }
      if (!/^[a-z0-9][a-z0-9._-]{1,63}$/i.test(username)) {
        fail(`ユーザー名「${username}」は英数字と . _ - で 2〜64 文字にしてください。`)
        continue
      }
      const role = roleWord ? roleByWord.get(roleWord.toLowerCase()) ?? roleByWord.get(roleWord) : 'staff'
      if (!role) {
        fail(`役割「${roleWord}」は 係員・係長・課長・企画・管理者 のいずれかにしてください。`)
        continue
      }
      if (!name) {
        fail(`${username} の氏名がありません。`)
        continue
      }
      if (name.length > 100) {
        fail('氏名は 100 文字までです。')
        continue
      }
      if (departmentRoles.has(role) && !department) {
        fail(`${roleLabels[role]}には課名が必要です（${username}）。`)
        continue
      }
      const key = username.toLowerCase()
      const earlier = people.get(key)
      if (earlier) {
        fail(`ユーザー名「${username}」が ${earlier.line} 行目と重複しています。`)
        continue
      }
      people.set(key, { line, username, name, role, department: department ? normalise(department) : null, section: section ? normalise(section) : null })
    }
    if (!wanted.size && !lineErrors.length) lineErrors.push({ line: 2, message: '課が 1 つも書かれていません。' })
    if (lineErrors.length) return noPlan(lineErrors)

    const existing = await this.stores.org.listDepartments({ includeRetired: true })
    const users = await this.stores.users.list()
    const changes: ImportChange[] = []
    const byName = new Map(existing.map((d) => [normalise(d.name), d]))
    for (const [key, want] of wanted) {
      const have = byName.get(key)
      if (!have) changes.push({ kind: 'create', entity: 'department', text: `「${want.name}」を作成` })
      else if (have.retired) changes.push({ kind: 'change', entity: 'department', text: `「${want.name}」を再開（廃止を取り消し）` })
      const haveSections = new Map((have?.sections ?? []).map((s) => [normalise(s.name), s]))
      for (const [sectionKey, sectionName] of want.sections) {
        const section = haveSections.get(sectionKey)
        if (!section) changes.push({ kind: 'create', entity: 'section', text: `「${sectionName}」（${want.name}）を作成` })
        else if (section.retired) changes.push({ kind: 'change', entity: 'section', text: `「${sectionName}」（${want.name}）を再開` })
      }
      for (const section of have?.sections ?? []) {
        if (!section.retired && !want.sections.has(normalise(section.name))) {
          changes.push({ kind: 'retire', entity: 'section', text: `「${section.name}」（${want.name}）を廃止` })
        }
      }
    }
    for (const department of existing) {
      if (!department.retired && !wanted.has(normalise(department.name))) {
        changes.push({ kind: 'retire', entity: 'department', text: `「${department.name}」を廃止` })
      }
    }
    const placeText = (department: string | null, section: string | null, role: Role) =>
      `${department ? (wanted.get(department)?.name ?? department) : '（所属なし）'}${section ? ` ${wanted.get(department ?? '')?.sections.get(section) ?? section}` : ''} ${roleLabels[role]}`
    const currentPlace = (u: UserRecord) => {
      const d = existing.find((x) => x.id === u.departmentId)
      const s = d?.sections.find((x) => x.id === u.sectionId)
      return { department: d ? normalise(d.name) : null, section: s ? normalise(s.name) : null, text: `${d?.name ?? '（所属なし）'}${s ? ` ${s.name}` : ''} ${roleLabels[u.role]}` }
    }
    const usersByName = new Map(users.map((u) => [u.username.toLowerCase(), u]))
    for (const person of people.values()) {
      const user = usersByName.get(person.username.toLowerCase())
      const target = placeText(person.department, person.section, person.role)
      if (!user) {
        changes.push({ kind: 'create', entity: 'user', text: `${person.name}（${person.username}）を作成: ${target}` })
        continue
      }
      const now = currentPlace(user)
      const parts: string[] = []
      if (user.displayName !== person.name) parts.push(`氏名 ${user.displayName} → ${person.name}`)
      if (now.department !== person.department || now.section !== person.section || user.role !== person.role) parts.push(`${now.text} → ${target}`)
      if (parts.length) changes.push({ kind: 'change', entity: 'user', text: `${person.name}（${person.username}）: ${parts.join('、')}` })
    }
    const plan: ImportPlanResponse = { ok: true, errors: [], changes }

    const apply = async (actor: Actor): Promise<ImportPlanResponse> => {
      const newPeople = [...people.values()].filter((p) => !usersByName.has(p.username.toLowerCase()))
      const passwords = newPeople.map(() => generatePassword())
      const hashes = await hashAll(passwords)
      const touched: string[] = []
      await this.db.transaction(async (tx) => {
        const org = new SqliteOrgStore(tx)
        const userStore = new SqliteUserStore(tx)
        const ids = new Map<string, { id: string; sections: Map<string, string> }>()
        for (const [key, want] of wanted) {
          const have = byName.get(key)
          const id = have ? have.id : (await org.createDepartment(want.name)).id
          if (have?.retired) await org.setDepartmentRetired(id, false)
          const sectionIds = new Map<string, string>()
          const haveSections = new Map((have?.sections ?? []).map((s) => [normalise(s.name), s]))
          for (const [sectionKey, sectionName] of want.sections) {
            const section = haveSections.get(sectionKey)
            const sid = section ? section.id : (await org.createSection(id, sectionName)).id
            if (section?.retired) await org.setSectionRetired(sid, false)
            sectionIds.set(sectionKey, sid)
          }
          for (const section of have?.sections ?? []) if (!section.retired && !want.sections.has(normalise(section.name))) await org.setSectionRetired(section.id, true)
          ids.set(key, { id, sections: sectionIds })
        }
        for (const department of existing) if (!department.retired && !wanted.has(normalise(department.name))) await org.setDepartmentRetired(department.id, true)
        const placeOf = (p: { department: string | null; section: string | null }) => {
          const d = p.department ? ids.get(p.department) : undefined
          return { departmentId: d?.id ?? null, sectionId: (p.section && d?.sections.get(p.section)) || null }
        }
        for (const [i, person] of newPeople.entries()) {
          await userStore.create({ username: person.username, displayName: person.name, role: person.role, ...placeOf(person), passwordHash: hashes[i]! })
        }
        for (const person of people.values()) {
          const user = usersByName.get(person.username.toLowerCase())
          if (!user) continue
          const place = placeOf(person)
          if (user.displayName !== person.name) await userStore.setDisplayName(user.id, person.name)
          if (user.departmentId !== place.departmentId || user.sectionId !== place.sectionId || user.role !== person.role) {
            await userStore.move(user.id, place.departmentId, place.sectionId)
            if (user.role !== person.role) await userStore.setRole(user.id, person.role)
            touched.push(user.id)
          }
        }
      })
      for (const id of touched) await this.endAccess(id)
      await this.audit(actor, 'org.import', 'organisation', `${changes.length} changes`)
      this.log.info({ changes: changes.length }, 'organisation imported')
      return { ...plan, passwords: newPeople.map((p, i) => ({ username: p.username, password: passwords[i]! })) }
    }
    return { plan, apply }
  }

  // ── CSV: 人事異動 ───────────────────────────────────────────────────────────────────────────────

  /** The April reassignment: the same accounts (same ids, so authorship stays) in their new places. */
  async planTransfers(data: Uint8Array): Promise<{ plan: ImportPlanResponse; apply: (actor: Actor) => Promise<ImportPlanResponse> }> {
    const csv = readCsv(data)
    if (!csv.ok) return noPlan(csv.errors)
    const [head, ...rows] = csv.rows
    if (!head) return noPlan([{ line: 1, message: 'ファイルが空です。' }])
    const header = readHeader(head.cells, ['username', 'department'], 'ユーザー名,課名,係名,役割')
    if ('message' in header) return noPlan([header])
    const departments = await this.stores.org.listDepartments({ includeRetired: true })
    const users = new Map((await this.stores.users.list()).map((u) => [u.username.toLowerCase(), u]))
    const lineErrors: CsvLineError[] = []
    const moves: { user: UserRecord; departmentId: string | null; sectionId: string | null; role: Role; text: string }[] = []
    const seen = new Map<string, number>()
    for (const { line, cells } of rows) {
      const fail = (message: string) => lineErrors.push({ line, message })
      const username = normalise(cell(cells, header.username))
      const departmentName = cleanName(cell(cells, header.department))
      const sectionName = cleanName(cell(cells, header.section))
      const roleWord = normalise(cell(cells, header.role))
      const user = users.get(username.toLowerCase())
      if (!username) {
        fail('ユーザー名がありません。')
        continue
      }
      if (!user) {
        fail(`ユーザー名「${username}」の職員はいません。`)
        continue
      }
      const earlier = seen.get(username.toLowerCase())
      if (earlier) {
        fail(`ユーザー名「${username}」が ${earlier} 行目と重複しています。`)
        continue
      }
      seen.set(username.toLowerCase(), line)
      const role = roleWord ? roleByWord.get(roleWord.toLowerCase()) ?? roleByWord.get(roleWord) : user.role
      if (!role) {
        fail(`役割「${roleWord}」は 係員・係長・課長・企画・管理者 のいずれかにしてください。`)
        continue
      }
      const department = departmentName
        ? departments.find((d) => normalise(d.name) === normalise(departmentName) || d.id === departmentName)
        : undefined
      if (departmentName && !department) {
        fail(`課「${departmentName}」はありません。`)
        continue
      }
      if (department?.retired) {
        fail(`課「${department.name}」は廃止されています。`)
        continue
      }
      if (!department && departmentRoles.has(role)) {
        fail(`${roleLabels[role]}には課名が必要です。`)
        continue
      }
      const section = sectionName ? department?.sections.find((s) => normalise(s.name) === normalise(sectionName) || s.id === sectionName) : undefined
      if (sectionName && !section) {
        fail(`係「${sectionName}」は${department?.name ?? ''}にありません。`)
        continue
      }
      if (section?.retired) {
        fail(`係「${section.name}」は廃止されています。`)
        continue
      }
      const from = departments.find((d) => d.id === user.departmentId)
      const fromSection = from?.sections.find((s) => s.id === user.sectionId)
      const before = `${from?.name ?? '（所属なし）'}${fromSection ? ` ${fromSection.name}` : ''} ${roleLabels[user.role]}`
      const after = `${department?.name ?? '（所属なし）'}${section ? ` ${section.name}` : ''} ${roleLabels[role]}`
      if (before === after) continue
      moves.push({ user, departmentId: department?.id ?? null, sectionId: section?.id ?? null, role, text: `${user.displayName}（${user.username}）: ${before} → ${after}` })
    }
    if (!rows.length) lineErrors.push({ line: 2, message: '異動する職員が 1 人も書かれていません。' })
    if (lineErrors.length) return noPlan(lineErrors)
    const plan: ImportPlanResponse = { ok: true, errors: [], changes: moves.map((m) => ({ kind: 'change', entity: 'user', text: m.text })) }
    const apply = async (actor: Actor): Promise<ImportPlanResponse> => {
      await this.db.transaction(async (tx) => {
        const userStore = new SqliteUserStore(tx)
        for (const move of moves) {
          await userStore.move(move.user.id, move.departmentId, move.sectionId)
          if (move.role !== move.user.role) await userStore.setRole(move.user.id, move.role)
        }
      })
      // Each person's rights follow the new place at once: their sessions end, the next login has them.
      for (const move of moves) await this.endAccess(move.user.id)
      await this.audit(actor, 'org.transfers', 'users', `${moves.length} transfers`)
      return plan
    }
    return { plan, apply }
  }
}

function noPlan(lineErrors: CsvLineError[]) {
  const plan: ImportPlanResponse = { ok: false, errors: lineErrors, changes: [] }
  return {
    plan,
    apply: async (): Promise<ImportPlanResponse> => {
      throw errors.invalidCsv(lineErrors)
    },
  }
}
