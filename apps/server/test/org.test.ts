import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type {
  AdminDepartmentsResponse,
  AdminUsersResponse,
  ApiErrorBody,
  DepartmentResponse,
  DepartmentsResponse,
  ImportPlanResponse,
  MeResponse,
  PasswordResetResponse,
  UserResponse,
} from '@hoshin/protocol'
import { emptySheet, sheetToDoc } from '@hoshin/sheet'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { hashPassword } from '../src/auth/passwords.js'
import type { RunningServer } from '../src/server.js'
import { collabClient, eventually } from './collab-harness.js'
import { startTestServer, TestClient } from './harness.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const sample = (name: string) => readFileSync(path.join(here, '..', 'samples', name))
const fixture = (name: string) => readFileSync(path.join(here, 'fixtures', name))

let server: RunningServer
let admin: TestClient

/** Posts raw file bytes, as the admin area's file upload does. */
function upload(client: TestClient, pathname: string, data: Uint8Array | string) {
  return fetch(new URL(pathname, client.baseUrl), {
    method: 'POST',
    headers: { origin: client.baseUrl, cookie: client.cookieHeader() ?? '', 'content-type': 'text/csv' },
    body: typeof data === 'string' ? data : new Uint8Array(data),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as ImportPlanResponse & Partial<ApiErrorBody> }))
}

/** The whole organisation as the admin sees it, to show that a refused import changed nothing. */
async function snapshot() {
  const departments = (await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body
  const users = (await admin.get<AdminUsersResponse>('/api/admin/users?disabled=1')).body
  return JSON.stringify({ departments, users })
}

beforeAll(async () => {
  // A real town's first day: no demo, nobody in the database.
  server = await startTestServer({ demo: false })
  const { stores } = server.services
  expect(await stores.users.list()).toHaveLength(0)
  await stores.users.create({
    username: 'root-admin',
    displayName: '情報 管理者',
    role: 'admin',
    departmentId: null,
    sectionId: null,
    passwordHash: await hashPassword('first-admin-pw'),
  })
  admin = await new TestClient(server.url).login('root-admin', 'first-admin-pw')
})

describe('departments and sections through the API', () => {
  it('creates a department with its sections; duplicates, empty and over-long names are refused', async () => {
    const res = await admin.post<DepartmentResponse>('/api/admin/departments', { name: '建設課', sections: ['土木係', '管理係'] })
    expect(res.status).toBe(201)
    expect(res.body.department).toMatchObject({ name: '建設課', retired: false, sections: [{ name: '土木係' }, { name: '管理係' }] })
    expect(res.body.department.id).toBeTruthy()

    const again = await admin.post<ApiErrorBody>('/api/admin/departments', { name: '建設課' })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('duplicate_name')
    // Full-width spaces around a name are the same name.
    expect((await admin.post<ApiErrorBody>('/api/admin/departments', { name: '　建設課　' })).status).toBe(409)
    const empty = await admin.post<ApiErrorBody>('/api/admin/departments', { name: '  ' })
    expect(empty.status).toBe(400)
    expect(empty.body.error.code).toBe('validation_failed')
    expect((await admin.post<ApiErrorBody>('/api/admin/departments', { name: '課'.repeat(51) })).status).toBe(400)
    expect((await admin.post<ApiErrorBody>('/api/admin/departments', { name: '重複課', sections: ['同じ係', '同じ係'] })).status).toBe(409)
  })

  it('renames, reorders and retires; a retired department keeps its sheets and leaves the pickers', async () => {
    const created = (await admin.post<DepartmentResponse>('/api/admin/departments', { name: '税務課', sections: ['課税係'] })).body.department
    const renamed = await admin.request<DepartmentResponse>('PATCH', `/api/admin/departments/${created.id}`, { json: { name: '税務住民課' } })
    expect(renamed.body.department.name).toBe('税務住民課')
    const section = await admin.post<DepartmentResponse>(`/api/admin/departments/${created.id}/sections`, { name: '収納係' })
    expect(section.status).toBe(201)
    const ids = section.body.department.sections.map((s) => s.id)
    const reordered = await admin.request<DepartmentResponse>('PUT', `/api/admin/departments/${created.id}/sections/order`, { json: { ids: [...ids].reverse() } })
    expect(reordered.body.department.sections.map((s) => s.name)).toEqual(['収納係', '課税係'])

    const all = (await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body.departments.map((d) => d.id)
    const order = await admin.request<AdminDepartmentsResponse>('PUT', '/api/admin/departments/order', { json: { ids: [...all].reverse() } })
    expect(order.body.departments.map((d) => d.id)).toEqual([...all].reverse())
    expect((await admin.request('PUT', '/api/admin/departments/order', { json: { ids: all.slice(1) } })).status).toBe(400)

    // A sheet of the department, then retire it.
    const doc = sheetToDoc(emptySheet({ id: created.id, name: '税務住民課' }, 2025))
    const sheet = await server.services.stores.sheets.create({ departmentId: created.id, fiscalYear: 2025, state: Y.encodeStateAsUpdate(doc) })
    const retired = await admin.request<DepartmentResponse>('PATCH', `/api/admin/departments/${created.id}`, { json: { retired: true } })
    expect(retired.body.department.retired).toBe(true)
    const pickers = (await admin.get<DepartmentsResponse>('/api/departments')).body.departments
    expect(pickers.map((d) => d.id)).not.toContain(created.id)
    expect((await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body.departments.find((d) => d.id === created.id)?.retired).toBe(true)
    expect((await admin.get(`/api/sheets/${sheet.id}`)).status).toBe(200)
    // Nobody can be placed in it any more.
    const placed = await admin.post<ApiErrorBody>('/api/admin/users', {
      username: 'zeimu1',
      displayName: '税務 職員',
      role: 'staff',
      departmentId: created.id,
      password: 'zeimu-pass-1',
    })
    expect(placed.status).toBe(400)
  })
})

describe('users through the API', () => {
  let kensetsu: { id: string; sections: { id: string; name: string }[] }
  beforeAll(async () => {
    const list = (await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body.departments
    kensetsu = list.find((d) => d.name === '建設課')!
  })

  it('creates staff in a section and a planning account without a department; they can sign in', async () => {
    const res = await admin.post<UserResponse>('/api/admin/users', {
      username: 'doboku-a',
      displayName: '土木 一郎',
      role: 'staff',
      departmentId: kensetsu.id,
      sectionId: kensetsu.sections[0]!.id,
      password: 'doboku-pass',
    })
    expect(res.status).toBe(201)
    expect(res.body.user).toMatchObject({ username: 'doboku-a', role: 'staff', department: { name: '建設課' }, section: { name: '土木係' } })
    const me = await (await new TestClient(server.url).login('doboku-a', 'doboku-pass')).get<MeResponse>('/api/me')
    expect(me.body.user).toEqual(res.body.user)

    const planner = await admin.post<UserResponse>('/api/admin/users', { username: 'kikaku-a', displayName: '企画 花子', role: 'planning', password: 'kikaku-pass' })
    expect(planner.status).toBe(201)
    expect(planner.body.user.department).toBeNull()
  })

  it('refuses duplicates, a head without a department, and a section of another department', async () => {
    const dup = await admin.post<ApiErrorBody>('/api/admin/users', { username: 'DOBOKU-A', displayName: 'x', role: 'planning', password: 'some-pass-1' })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('duplicate_username')
    const head = await admin.post<ApiErrorBody>('/api/admin/users', { username: 'head-x', displayName: '課長', role: 'head', password: 'some-pass-1' })
    expect(head.status).toBe(400)
    expect(head.body.error.path).toBe('departmentId')
    const other = (await admin.post<DepartmentResponse>('/api/admin/departments', { name: '農林課', sections: ['農政係'] })).body.department
    const wrong = await admin.post<ApiErrorBody>('/api/admin/users', {
      username: 'mixed',
      displayName: 'x',
      role: 'staff',
      departmentId: kensetsu.id,
      sectionId: other.sections[0]!.id,
      password: 'some-pass-1',
    })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.path).toBe('sectionId')
  })

  it('lists with filters, edits, resets a password once and disables with immediate effect', async () => {
    const list = await admin.get<AdminUsersResponse>(`/api/admin/users?department=${kensetsu.id}&role=staff`)
    expect(list.body.users.map((u) => u.username)).toEqual(['doboku-a'])
    const byName = await admin.get<AdminUsersResponse>(`/api/admin/users?q=${encodeURIComponent('土木')}`)
    expect(byName.body.users.map((u) => u.username)).toEqual(['doboku-a'])
    const id = list.body.users[0]!.id

    const edited = await admin.request<UserResponse>('PATCH', `/api/admin/users/${id}`, { json: { role: 'lead', sectionId: kensetsu.sections[1]!.id } })
    expect(edited.body.user).toMatchObject({ role: 'lead', section: { name: '管理係' } })

    const reset = await admin.post<PasswordResetResponse>(`/api/admin/users/${id}/password`)
    expect(reset.body.password).toHaveLength(16)
    const user = await new TestClient(server.url).login('doboku-a', reset.body.password)

    // Their open sheet connection and their session end the moment they are disabled.
    const doc = sheetToDoc(emptySheet({ id: kensetsu.id, name: '建設課' }, 2025))
    const sheet = await server.services.stores.sheets.create({ departmentId: kensetsu.id, fiscalYear: 2025, state: Y.encodeStateAsUpdate(doc) })
    const live = collabClient(server.url, sheet.id, user)
    await live.synced()
    expect(live.closeEvents).toHaveLength(0)
    const disabled = await admin.request<UserResponse & { user: { disabled: boolean } }>('PATCH', `/api/admin/users/${id}`, { json: { disabled: true } })
    expect(disabled.body.user.disabled).toBe(true)
    await eventually(() => live.closeEvents.length > 0)
    expect((await user.get('/api/me')).status).toBe(401)
    expect((await new TestClient(server.url).post('/api/auth/login', { username: 'doboku-a', password: reset.body.password })).status).toBe(401)
    // Hidden from the list unless asked for.
    expect((await admin.get<AdminUsersResponse>('/api/admin/users?q=doboku')).body.users).toHaveLength(0)
    expect((await admin.get<AdminUsersResponse>('/api/admin/users?q=doboku&disabled=1')).body.users[0]?.disabled).toBe(true)
  })

  it('an admin cannot disable or demote themselves', async () => {
    const me = (await admin.get<MeResponse>('/api/me')).body.user
    expect((await admin.request('PATCH', `/api/admin/users/${me.id}`, { json: { disabled: true } })).status).toBe(400)
    expect((await admin.request('PATCH', `/api/admin/users/${me.id}`, { json: { role: 'planning' } })).status).toBe(400)
  })
})

describe('organisation CSV', () => {
  it('previews then applies the UTF-8 (BOM) sample, all at once; the created people can sign in', async () => {
    const before = await snapshot()
    const preview = await upload(admin, '/api/admin/org-import/preview', sample('organisation-sample.csv'))
    expect(preview.status).toBe(200)
    expect(preview.body.ok).toBe(true)
    const texts = preview.body.changes.map((c) => c.text)
    expect(texts).toContain('「福祉課」を作成')
    expect(texts).toContain('「介護保険係」（福祉課）を作成')
    expect(texts).toContain('「農林課」を廃止')
    expect(texts.some((t) => t.startsWith('松本 恵（kikaku1）を作成'))).toBe(true)
    // A preview changes nothing.
    expect(await snapshot()).toBe(before)

    const applied = await upload(admin, '/api/admin/org-import', sample('organisation-sample.csv'))
    expect(applied.status).toBe(200)
    expect(applied.body.passwords?.map((p) => p.username).sort()).toEqual(['doboku1', 'fukushi-kacho', 'fukushi1', 'kanri1', 'kensetsu-kacho', 'kikaku1'])
    const departments = (await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body.departments
    expect(departments.find((d) => d.name === '農林課')?.retired).toBe(true)
    expect(departments.find((d) => d.name === '福祉課')?.sections.map((s) => s.name)).toEqual(['福祉係', '介護保険係'])
    const head = applied.body.passwords!.find((p) => p.username === 'kensetsu-kacho')!
    const me = (await (await new TestClient(server.url).login(head.username, head.password)).get<MeResponse>('/api/me')).body.user
    expect(me).toMatchObject({ role: 'head', department: { name: '建設課' }, section: null, displayName: '山本　浩二' })

    // The same file again changes nothing.
    const again = await upload(admin, '/api/admin/org-import/preview', sample('organisation-sample.csv'))
    expect(again.body.changes).toEqual([])
  })

  it('two admins applying the same new department at once create it once', async () => {
    const file = Buffer.concat([sample('organisation-sample.csv'), Buffer.from('上下水道課,,,,\r\n')])
    const [a, b] = await Promise.all([upload(admin, '/api/admin/org-import', file), upload(admin, '/api/admin/org-import', file)])
    expect([a.status, b.status]).toEqual([200, 200])
    expect([a.body.changes.length, b.body.changes.length].sort()).toEqual([0, 1])
    const names = (await admin.get<AdminDepartmentsResponse>('/api/admin/departments')).body.departments.map((d) => d.name)
    expect(names.filter((n) => n === '上下水道課')).toHaveLength(1)
  })

  it('reads the same organisation written by Japanese Excel in Shift_JIS', async () => {
    const preview = await upload(admin, '/api/admin/org-import/preview', fixture('organisation-sjis.csv'))
    // The same organisation, but for 上下水道課 (added by the previous test), which it would retire.
    expect(preview.body).toMatchObject({ ok: true, errors: [], changes: [{ kind: 'retire', text: '「上下水道課」を廃止' }] })
    // And in Shift_JIS, a new department reads as Japanese.
    const withNew = Buffer.concat([fixture('organisation-sjis.csv'), Buffer.from([0x90, 0x85, 0x93, 0xb9, 0x89, 0xdb, 0x2c, 0x2c, 0x2c, 0x2c, 0x0d, 0x0a])])
    const more = await upload(admin, '/api/admin/org-import/preview', withNew)
    expect(more.body.changes.map((c) => c.text)).toEqual(['「水道課」を作成', '「上下水道課」を廃止'])
  })

  const bad: [string, () => Uint8Array | string, number, RegExp][] = [
    ['a wrong header', () => '部署,氏名\n建設課,山田\n', 1, /見出し行/],
    ['an unknown role', () => '課名,係名,ユーザー名,氏名,役割\n建設課,土木係,new1,新人,部長\n', 2, /役割「部長」/],
    ['a duplicate user name', () => '課名,係名,ユーザー名,氏名,役割\n建設課,土木係,dup1,一,係員\n建設課,管理係,DUP1,二,係員\n', 3, /2 行目と重複/],
    ['a head without department', () => '課名,係名,ユーザー名,氏名,役割\n建設課,,x1,一,課長\n,,x2,二,課長\n', 3, /課長には課名/],
    [
      'mixed encodings',
      () => Buffer.concat([Buffer.from('課名,係名,ユーザー名,氏名,役割\n建設課,土木係,,,\n'), fixture('organisation-sjis.csv').subarray(-40)]),
      0,
      /文字コードが混在/,
    ],
    ['10,000 lines', () => `課名,係名,ユーザー名,氏名,役割\n${Array.from({ length: 10_000 }, (_, i) => `建設課,土木係,u${i},職員${i},係員`).join('\n')}\n`, 5002, /行が多すぎます/],
    ['a line of 1 MB', () => `課名,係名,ユーザー名,氏名,役割\n建設課,土木係,,,\n建設課,${'あ'.repeat(350_000)},,,\n`, 3, /長すぎます/],
    ['an unclosed quote', () => '課名,係名,ユーザー名,氏名,役割\n"建設課,土木係,,,\n', 2, /引用符/],
  ]
  for (const [what, file, line, message] of bad) {
    it(`refuses ${what} with a line-numbered Japanese error and changes nothing`, async () => {
      const before = await snapshot()
      const preview = await upload(admin, '/api/admin/org-import/preview', file())
      expect(preview.status).toBe(200)
      expect(preview.body.ok).toBe(false)
      expect(preview.body.errors[0]!.message).toMatch(message)
      if (line) expect(preview.body.errors[0]!.line).toBe(line)
      const applied = await upload(admin, '/api/admin/org-import', file())
      expect(applied.status).toBe(400)
      expect(applied.body.error?.code).toBe('invalid_csv')
      expect(applied.body.error?.errors?.[0]?.message).toMatch(message)
      expect(await snapshot()).toBe(before)
    })
  }

  it('refuses a file over 2 MB with 413', async () => {
    const res = await upload(admin, '/api/admin/org-import/preview', 'a'.repeat(2 * 1024 * 1024 + 1))
    expect(res.status).toBe(413)
  })
})

describe('人事異動 CSV', () => {
  it('moves people to their new places: the same accounts (same ids), their sessions ended', async () => {
    const users = (await admin.get<AdminUsersResponse>('/api/admin/users')).body.users
    const doboku = users.find((u) => u.username === 'doboku1')!
    const reset = (await admin.post<PasswordResetResponse>(`/api/admin/users/${doboku.id}/password`)).body.password
    const session = await new TestClient(server.url).login('doboku1', reset)

    const preview = await upload(admin, '/api/admin/transfers/preview', sample('transfers-sample.csv'))
    expect(preview.body.changes.map((c) => c.text)).toEqual([
      '中村 さくら（doboku1）: 建設課 土木係 係員 → 福祉課 介護保険係 係員',
      '吉田 翔（fukushi1）: 福祉課 福祉係 係員 → 建設課 土木係 係長',
    ])
    expect((await upload(admin, '/api/admin/transfers', sample('transfers-sample.csv'))).status).toBe(200)
    expect((await session.get('/api/me')).status).toBe(401)
    const moved = (await new TestClient(server.url).login('doboku1', reset).then((c) => c.get<MeResponse>('/api/me'))).body.user
    expect(moved).toMatchObject({ id: doboku.id, department: { name: '福祉課' }, section: { name: '介護保険係' }, role: 'staff' })
  })

  it('refuses an unknown user, an unknown or retired department and a section of another department, changing nothing', async () => {
    const before = await snapshot()
    const file = ['ユーザー名,課名,係名,役割', 'nobody,建設課,土木係,', 'doboku1,未来課,,', 'kanri1,農林課,農政係,', 'fukushi1,建設課,福祉係,', 'kanri1,建設課,土木係,'].join('\r\n')
    const res = await upload(admin, '/api/admin/transfers/preview', file)
    expect(res.body.ok).toBe(false)
    expect(res.body.errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'ユーザー名「nobody」の職員はいません。'],
      [3, '課「未来課」はありません。'],
      [4, '課「農林課」は廃止されています。'],
      [5, '係「福祉係」は建設課にありません。'],
      [6, 'ユーザー名「kanri1」が 4 行目と重複しています。'],
    ])
    expect((await upload(admin, '/api/admin/transfers', file)).status).toBe(400)
    expect(await snapshot()).toBe(before)
  })
})

describe('who may use the admin API', () => {
  const routes: [string, string][] = [
    ['GET', '/api/admin/departments'],
    ['POST', '/api/admin/departments'],
    ['PATCH', '/api/admin/departments/x'],
    ['PUT', '/api/admin/departments/order'],
    ['POST', '/api/admin/departments/x/sections'],
    ['PATCH', '/api/admin/sections/x'],
    ['GET', '/api/admin/users'],
    ['POST', '/api/admin/users'],
    ['PATCH', '/api/admin/users/x'],
    ['POST', '/api/admin/users/x/password'],
    ['POST', '/api/admin/org-import/preview'],
    ['POST', '/api/admin/org-import'],
    ['POST', '/api/admin/transfers/preview'],
    ['POST', '/api/admin/transfers'],
  ]

  it('answers 401 without a session and 403 to staff, lead, head and planning; admins pass', async () => {
    const { stores } = server.services
    const departments = await stores.org.listDepartments()
    const fukushi = departments.find((d) => d.name === '福祉課')!
    const passwordHash = await hashPassword('role-pass-1')
    const people = {
      staff: { role: 'staff', departmentId: fukushi.id },
      lead: { role: 'lead', departmentId: fukushi.id },
      head: { role: 'head', departmentId: fukushi.id },
      planning: { role: 'planning', departmentId: null },
    } as const
    const clients: [string, TestClient][] = [['nobody', new TestClient(server.url)]]
    for (const [name, p] of Object.entries(people)) {
      await stores.users.create({ username: `matrix-${name}`, displayName: name, role: p.role, departmentId: p.departmentId, sectionId: null, passwordHash })
      clients.push([name, await new TestClient(server.url).login(`matrix-${name}`, 'role-pass-1')])
    }
    const seen: string[] = []
    for (const [method, route] of routes) {
      for (const [who, client] of clients) {
        const res = await client.request(method, route, method === 'GET' ? {} : { json: {} })
        seen.push(`${method} ${route} ${who} ${res.status}`)
        expect(res.status, `${method} ${route} as ${who}`).toBe(who === 'nobody' ? 401 : 403)
      }
      const asAdmin = await admin.request(method, route, method === 'GET' ? {} : { json: {} })
      expect([401, 403], `${method} ${route} as admin`).not.toContain(asAdmin.status)
    }
    expect(seen).toHaveLength(routes.length * 5)
  })
})
