import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { NotificationStore } from '../src/notifications/notification-store.js'
import type { Database } from '../src/persistence/database.js'
import { applyStored } from '../src/persistence/document-store.js'
import { newId } from '../src/persistence/ids.js'
import { LATEST_SCHEMA_VERSION, migrate, migrations, schemaVersion } from '../src/persistence/migrations.js'
import { PlanStore, StaleRevision } from '../src/persistence/plan-store.js'
import { PostgresDatabase } from '../src/persistence/postgres.js'
import { SqliteDatabase } from '../src/persistence/sqlite.js'
import { createStores, type Stores } from '../src/persistence/stores.js'
import { ProjectionStore } from '../src/years/projection-store.js'
import { eventually } from './collab-harness.js'
import { tempDir } from './harness.js'
import { createTestDatabase } from './postgres.js'

/**
 * One contract for every store, run on SQLite (a temp file) and on PostgreSQL (a database of this run's
 * own, dropped after the file): the same calls give the same answers on both. Real databases only.
 */
interface Backend {
  name: string
  /** A fresh, migrated database. */
  open(): Promise<Database>
  /** A second, independent connection to the same database (another process: the admin CLI). */
  reopen(db: Database): Promise<Database>
}

const opened: Database[] = []
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)))
})

const postgresUrls = new WeakMap<Database, string>()
const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const db = await SqliteDatabase.open(path.join(await tempDir(), 'hoshin.sqlite'))
      opened.push(db)
      await migrate(db)
      return db
    },
    async reopen(db) {
      const other = await SqliteDatabase.open((db as SqliteDatabase).file)
      opened.push(other)
      return other
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const url = await createTestDatabase()
      const db = await PostgresDatabase.open(url)
      opened.push(db)
      postgresUrls.set(db, url)
      await migrate(db)
      return db
    },
    async reopen(db) {
      const other = await PostgresDatabase.open(postgresUrls.get(db)!)
      opened.push(other)
      return other
    },
  },
]

function edit(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | undefined
  const capture = (u: Uint8Array) => {
    update = u
  }
  doc.on('update', capture)
  doc.getText('t').insert(doc.getText('t').length, text)
  doc.off('update', capture)
  return update!
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setImmediate(r))
  }
}

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    let db: Database
    let stores: Stores
    let year = 2030
    /** A town with one department, a section, three people and a sheet of a year of its own. */
    async function town() {
      const d = await stores.org.createDepartment(`課${newId('x').slice(2, 8)}`)
      const s = await stores.org.createSection(d.id, '企画係')
      const person = (role: 'staff' | 'head' | 'admin', name: string) =>
        stores.users.create({
          username: `${name}-${newId('n').slice(2, 10)}`,
          displayName: name,
          passwordHash: 'hash',
          role,
          departmentId: role === 'admin' ? null : d.id,
          sectionId: role === 'staff' ? s.id : null,
        })
      const staff = await person('staff', '佐藤')
      const head = await person('head', '鈴木')
      const admin = await person('admin', '管理')
      const fiscalYear = year++
      const sheet = await stores.sheets.create({ departmentId: d.id, fiscalYear, state: Y.encodeStateAsUpdate(new Y.Doc()) })
      return { d, s, staff, head, admin, sheet, fiscalYear }
    }

    it('migrates an empty database to the latest schema, then does nothing', async () => {
      db = await backend.open()
      stores = createStores(db)
      expect(db.dialect).toBe(backend.name === 'SQLite' ? 'sqlite' : 'postgres')
      expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
      expect(await migrate(db)).toEqual([])
    })

    it('migrates step by step: a prefix first, then the rest', async () => {
      const step =
        backend.name === 'SQLite'
          ? await SqliteDatabase.open(path.join(await tempDir(), 's.sqlite'))
          : await PostgresDatabase.open(await createTestDatabase())
      opened.push(step)
      expect(await migrate(step, migrations.slice(0, 5))).toEqual([1, 2, 3, 4, 5])
      expect(await schemaVersion(step)).toBe(5)
      expect(await migrate(step)).toEqual(migrations.slice(5).map((m) => m.version))
      expect(await schemaVersion(step)).toBe(LATEST_SCHEMA_VERSION)
    })

    it('rolls a failed transaction back and keeps concurrent ones apart', async () => {
      const { d } = await town()
      const failing = db.transaction(async (tx) => {
        await tx.run('UPDATE departments SET name = ? WHERE id = ?', ['消えるはず', d.id])
        throw new Error('boom')
      })
      await expect(failing).rejects.toThrow('boom')
      expect((await stores.org.getDepartment(d.id))?.name).not.toBe('消えるはず')
      const a = stores.org.createDepartment('並行A')
      const b = stores.org.createDepartment('並行B')
      await Promise.all([a, b])
      const names = (await stores.org.listDepartments()).map((x) => x.name)
      expect(names).toEqual(expect.arrayContaining(['並行A', '並行B']))
    })

    it('keeps the organisation in its own order; retired units only when asked', async () => {
      const first = await stores.org.createDepartment('順番一')
      const second = await stores.org.createDepartment('順番二')
      const listed = (await stores.org.listDepartments()).map((x) => x.id)
      expect(listed.indexOf(first.id)).toBeLessThan(listed.indexOf(second.id))
      const all = (await stores.org.listDepartments({ includeRetired: true })).map((x) => x.id)
      await stores.org.orderDepartments([second.id, first.id, ...all.filter((id) => id !== first.id && id !== second.id)])
      expect((await stores.org.listDepartments()).slice(0, 2).map((x) => x.id)).toEqual([second.id, first.id])
      const a = await stores.org.createSection(first.id, '甲係')
      const b = await stores.org.createSection(first.id, '乙係')
      expect((await stores.org.getDepartment(first.id))?.sections.map((x) => x.name)).toEqual(['甲係', '乙係'])
      await stores.org.orderSections([b.id, a.id])
      await stores.org.renameSection(a.id, '丙係')
      expect((await stores.org.getDepartment(first.id))?.sections.map((x) => x.name)).toEqual(['乙係', '丙係'])
      expect(await stores.org.getSection(b.id)).toEqual({ id: b.id, name: '乙係', retired: false, departmentId: first.id })
      await stores.org.setDepartmentRetired(second.id, true)
      expect((await stores.org.listDepartments()).some((x) => x.id === second.id)).toBe(false)
      expect((await stores.org.listDepartments({ includeRetired: true })).find((x) => x.id === second.id)?.retired).toBe(true)
      await stores.org.upsertDepartment({ id: first.id, name: '順番一（改）' })
      expect((await stores.org.getDepartment(first.id))?.name).toBe('順番一（改）')
      await expect(stores.org.createDepartment('順番一（改）')).rejects.toThrow()
      // A person's unit names in one statement; what does not exist (or is not given) is null.
      expect(await stores.org.unitNames(first.id, a.id)).toEqual({ department: '順番一（改）', section: '丙係' })
      expect(await stores.org.unitNames(first.id, null)).toEqual({ department: '順番一（改）', section: null })
      expect(await stores.org.unitNames('no-such-department', 'no-such-section')).toEqual({ department: null, section: null })
    })

    it('finds accounts by user name whatever the case; one name is one account', async () => {
      const { d, staff } = await town()
      expect(await stores.users.findByUsername(staff.username.toUpperCase())).toMatchObject({ id: staff.id, displayName: '佐藤' })
      await expect(
        stores.users.create({ ...staff, username: staff.username.toUpperCase(), departmentId: d.id }),
      ).rejects.toThrow()
      await stores.users.setRole(staff.id, 'lead')
      await stores.users.setDisplayName(staff.id, '佐藤 花子')
      await stores.users.move(staff.id, d.id, null)
      await stores.users.setPasswordHash(staff.id, 'other')
      await stores.users.setDisabled(staff.id, true)
      const after = await stores.users.findById(staff.id)
      expect(after).toMatchObject({ role: 'lead', displayName: '佐藤 花子', sectionId: null, passwordHash: 'other' })
      expect(after?.disabledAt).toEqual(expect.any(String))
      await stores.users.setDisabled(staff.id, false)
      expect((await stores.users.findById(staff.id))?.disabledAt).toBeNull()
      // Admin and planning need no department; the others do.
      await expect(stores.users.create({ ...staff, username: `x-${newId('n')}`, role: 'staff', departmentId: null })).rejects.toThrow()
      const list = await stores.users.list()
      expect(list.findIndex((u) => u.id === staff.id)).toBeLessThan(list.length)
      const mine = list.filter((u) => u.departmentId === d.id || u.id === staff.id).map((u) => u.displayName)
      expect(mine[0]).toBe('佐藤 花子')
    })

    it('keeps sessions with their expiry in milliseconds', async () => {
      const { staff } = await town()
      const expiresAt = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 678))
      await stores.sessions.setSession({ id: `s-${newId('x')}`, userId: staff.id, expiresAt, attributes: {} })
      const [session] = await stores.sessions.getUserSessions(staff.id)
      expect(session?.expiresAt.getTime()).toBe(expiresAt.getTime())
      const [found, user] = await stores.sessions.getSessionAndUser(session!.id)
      expect(found?.userId).toBe(staff.id)
      expect(user?.id).toBe(staff.id)
      await stores.sessions.updateSessionExpiration(session!.id, new Date(1000))
      await stores.sessions.deleteExpiredSessions()
      expect(await stores.sessions.getSessionAndUser(session!.id)).toEqual([null, null])
      await stores.sessions.setSession({ id: `s-${newId('x')}`, userId: staff.id, expiresAt, attributes: {} })
      await stores.sessions.deleteUserSessions(staff.id)
      expect(await stores.sessions.getUserSessions(staff.id)).toEqual([])
    })

    it('counts failed logins per name and address, case-insensitively by name', async () => {
      const name = `nobody-${newId('x')}`
      const at = Date.now()
      const first = await stores.loginFailures.record(name, '10.0.0.1', at - 2)
      const second = await stores.loginFailures.record(name.toUpperCase(), '10.0.0.1', at - 1)
      await stores.loginFailures.record(name, '10.0.0.2', at)
      expect(typeof first).toBe('number')
      expect(second).not.toBe(first)
      expect(await stores.loginFailures.byPair(name, '10.0.0.1', 0)).toEqual([at - 2, at - 1])
      expect(await stores.loginFailures.byAddress('10.0.0.2', at)).toEqual([at])
      await stores.loginFailures.remove(second)
      expect(await stores.loginFailures.byPair(name, '10.0.0.1', 0)).toEqual([at - 2])
      await stores.loginFailures.clearPair(name, '10.0.0.1')
      expect(await stores.loginFailures.byPair(name, '10.0.0.1', 0)).toEqual([])
      expect(await stores.loginFailures.purge(at + 1)).toBeGreaterThanOrEqual(1)
      await stores.loginFailures.record(name, 'a', at)
      await stores.loginFailures.clear(name.toUpperCase())
      expect(await stores.loginFailures.byAddress('a', 0)).toEqual([])
    })

    it('has one sheet per department and year; the loser of a race gets none', async () => {
      const { d, sheet, fiscalYear } = await town()
      expect(sheet).toMatchObject({ departmentId: d.id, fiscalYear, status: 'draft', revision: 1, previousSheetId: null })
      const state = Y.encodeStateAsUpdate(new Y.Doc())
      const racing = await Promise.all([
        stores.sheets.createIfMissing({ departmentId: d.id, fiscalYear: fiscalYear + 100, state }),
        stores.sheets.createIfMissing({ departmentId: d.id, fiscalYear: fiscalYear + 100, state }),
      ])
      expect(racing.filter(Boolean)).toHaveLength(1)
      await expect(stores.sheets.create({ departmentId: d.id, fiscalYear, state })).rejects.toThrow(/exists already/)
      expect((await stores.sheets.findByDepartmentYear(d.id, fiscalYear))?.id).toBe(sheet.id)
      expect(await stores.sheets.get(sheet.id)).toEqual(sheet)
      expect((await stores.sheets.listYear(fiscalYear)).map((s) => s.id)).toEqual([sheet.id])
      const carried = await stores.sheets.create({ departmentId: d.id, fiscalYear: fiscalYear + 200, state, previous: { sheetId: sheet.id, version: 1 } })
      expect(carried).toMatchObject({ previousSheetId: sheet.id, previousVersion: 1 })
      const all = (await stores.sheets.list()).map((s) => s.id)
      expect(all.indexOf(carried.id)).toBeLessThan(all.indexOf(sheet.id))
    })

    it('stores the Yjs state and its update log: load = state + log, compact empties the log', async () => {
      const { sheet, staff } = await town()
      const doc = new Y.Doc()
      const before = await stores.documents.load(sheet.id)
      applyStored(doc, before)
      await stores.documents.append(
        [
          { sheetId: sheet.id, update: edit(doc, '課等の'), userId: staff.id },
          { sheetId: sheet.id, update: edit(doc, '方針') },
        ],
        [{ sheetId: sheet.id, part: 'measures', rowId: 'r1', field: 'name', userId: staff.id, editedAt: '2030-01-01T00:00:02.000Z' }],
      )
      // An older time for the same field and person does not win.
      await stores.documents.append([], [{ sheetId: sheet.id, part: 'measures', rowId: 'r1', field: 'name', userId: staff.id, editedAt: '2030-01-01T00:00:01.000Z' }])
      expect(await stores.documents.logLength(sheet.id)).toBe(2)
      const loaded = await stores.documents.load(sheet.id)
      expect(loaded.state).toBeInstanceOf(Uint8Array)
      expect(applyStored(new Y.Doc(), loaded).getText('t').toString()).toBe('課等の方針')
      expect(await stores.documents.compact(sheet.id)).toMatchObject({ merged: 2 })
      expect(await stores.documents.logLength(sheet.id)).toBe(0)
      expect(applyStored(new Y.Doc(), await stores.documents.load(sheet.id)).getText('t').toString()).toBe('課等の方針')
      const edits = await stores.edits.since(sheet.id, '2000-01-01T00:00:00.000Z')
      expect(edits).toEqual([{ part: 'measures', rowId: 'r1', field: 'name', userId: staff.id, displayName: '佐藤', editedAt: '2030-01-01T00:00:02.000Z' }])
      expect(await stores.edits.since(sheet.id, '2030-01-01T00:00:02.000Z')).toEqual([])
    })

    it('keeps binary data byte for byte, large integers as numbers', async () => {
      const { sheet } = await town()
      const bytes = new Uint8Array(256).map((_, i) => i)
      await stores.documents.replaceState(sheet.id, bytes.subarray(1, 255))
      expect([...(await stores.documents.load(sheet.id)).state!]).toEqual([...bytes.subarray(1, 255)])
      const projections = new ProjectionStore(db)
      // 1.2 trillion yen: beyond 32 bits.
      await projections.put(sheet.id, { canonical: '{}', budgetTotal: 1_234_567_890_123, measures: 3, projects: 4 })
      expect(await projections.get(sheet.id)).toMatchObject({ budgetTotal: 1_234_567_890_123, measures: 3, projects: 4 })
    })

    it('comment threads: mentions once each, edits, deletion marks, states and unread marks', async () => {
      const { sheet, staff, head, s } = await town()
      const thread = await stores.comments.createThread(
        { sheetId: sheet.id, targetKind: 'measure', targetId: 'r1', anchor: null, quote: '施策', createdBy: staff.id },
        { authorId: staff.id, body: '確認お願いします', mentions: [{ kind: 'user', targetId: head.id }, { kind: 'user', targetId: head.id }, { kind: 'section', targetId: s.id }] },
      )
      // Comments are listed by their time (ties, within one millisecond, by id): the reply comes a tick later.
      const first = (await stores.comments.comments([thread.id]))[0]!.createdAt
      while (new Date().toISOString() <= first) await new Promise((r) => setTimeout(r, 1))
      const reply = await stores.comments.addComment(thread.id, { authorId: head.id, body: '了解', mentions: [] })
      expect(await stores.comments.thread(thread.id)).toEqual(thread)
      expect((await stores.comments.threads(sheet.id)).map((t) => t.id)).toEqual([thread.id])
      const comments = await stores.comments.comments([thread.id])
      expect(comments.map((c) => c.body)).toEqual(['確認お願いします', '了解'])
      const mentions = await stores.comments.mentions([thread.id])
      expect(mentions.map((m) => `${m.threadId}/${m.kind}/${m.targetId}`).sort()).toEqual([`${thread.id}/section/${s.id}`, `${thread.id}/user/${head.id}`].sort())
      await stores.comments.editComment(reply.id, '了解しました', [{ kind: 'user', targetId: staff.id }])
      expect((await stores.comments.comment(reply.id))).toMatchObject({ body: '了解しました', editedAt: expect.any(String) })
      await stores.comments.deleteComment(comments[0]!.id)
      expect(await stores.comments.comment(comments[0]!.id)).toMatchObject({ body: '', deletedAt: expect.any(String) })
      expect((await stores.comments.mentions([thread.id])).map((m) => m.targetId)).toEqual([staff.id])
      await stores.comments.setState(thread.id, 'resolved', head.id)
      expect(await stores.comments.thread(thread.id)).toMatchObject({ state: 'resolved', stateBy: head.id })
      await stores.comments.markUnread(thread.id, [head.id, head.id, staff.id])
      await stores.comments.markUnread(thread.id, [head.id])
      expect(await stores.comments.unreadThreads(head.id)).toEqual([{ threadId: thread.id, sheetId: sheet.id }])
      await stores.comments.markRead(thread.id, head.id)
      expect(await stores.comments.unreadThreads(head.id)).toEqual([])
      expect(await stores.comments.comments([])).toEqual([])
    })

    it('workflow: guarded transitions, one approval of two, immutable versions, append-only audit', async () => {
      const { sheet, staff, head } = await town()
      const audit = (who: typeof staff, action: string) => ({ userId: who.id, username: who.username, action })
      expect(await stores.versions.transition({ sheetId: sheet.id, from: 'draft', to: 'submitted', audit: audit(staff, 'sheet.submit'), submission: { revision: 1, canonical: '{"a":1}' } })).toBe(true)
      expect(await stores.versions.transition({ sheetId: sheet.id, from: 'draft', to: 'submitted', audit: audit(staff, 'sheet.submit') })).toBe(false)
      expect(await stores.edits.lastSubmission(sheet.id)).toMatchObject({ revision: 1, submittedBy: staff.id, canonical: '{"a":1}' })
      const state = new Uint8Array([1, 2, 3])
      const approve = () =>
        stores.versions.approve({ sheetId: sheet.id, from: 'submitted', to: 'approved', audit: audit(head, 'sheet.approve') }, { revision: 1, state, canonical: '{}', sha256: 'abc' })
      const results = await Promise.all([approve(), approve()])
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(results.find(Boolean)).toMatchObject({ number: 1, revision: 1, sha256: 'abc', approvedBy: head.id })
      expect((await stores.sheets.get(sheet.id))?.status).toBe('approved')
      expect(await stores.versions.list(sheet.id)).toHaveLength(1)
      const version = await stores.versions.get(sheet.id, 1)
      expect([...version!.state]).toEqual([1, 2, 3])
      await expect(db.run('UPDATE sheet_versions SET sha256 = ? WHERE sheet_id = ?', ['x', sheet.id])).rejects.toThrow(/immutable/)
      await expect(db.run('DELETE FROM sheet_versions WHERE sheet_id = ?', [sheet.id])).rejects.toThrow(/immutable/)
      await stores.audit.append({ userId: staff.id, username: staff.username, action: 'sheet.view', target: sheet.id })
      await expect(db.run('DELETE FROM audit_log WHERE target = ?', [sheet.id])).rejects.toThrow(/append-only/)
      expect((await stores.versions.audit(sheet.id, 'sheet.')).map((a) => a.action)).toEqual(['sheet.submit', 'sheet.approve', 'sheet.version', 'sheet.view'])
      expect((await stores.versions.audit(sheet.id, 'sheet.app'))[0]).toMatchObject({ username: head.username, displayName: '鈴木' })
      // Late (offline) change sets: one per person and version, merged in place, carried once.
      expect(await stores.versions.lateSet(sheet.id, staff.id, 1)).toBeUndefined()
      const id = await stores.versions.saveLate({ sheetId: sheet.id, userId: staff.id, versionNumber: 1, data: new Uint8Array([9]) })
      expect(await stores.versions.saveLate({ id, sheetId: sheet.id, userId: staff.id, versionNumber: 1, data: new Uint8Array([9, 8]) })).toBe(id)
      expect([...(await stores.versions.lateSet(sheet.id, staff.id, 1))!.data]).toEqual([9, 8])
      expect(await stores.versions.markCarried(id)).toBe(true)
      expect(await stores.versions.markCarried(id)).toBe(false)
      expect(await stores.versions.rejected(sheet.id, staff.id)).toEqual([expect.objectContaining({ id, versionNumber: 1, carriedAt: expect.any(String) })])
    })

    it('review above the 課長: town setting, 企画確認 once of the latest version, send-back opens the next revision, 庁議報告 once; the form header recorded with the version', async () => {
      const { d, sheet, staff, head } = await town()
      const planner = await stores.users.create({ username: `planner-${newId('u')}`, displayName: '企画', passwordHash: 'x', role: 'planning', departmentId: null, sectionId: null })
      const audit = (who: { id: string; username: string }, action: string) => ({ userId: who.id, username: who.username, action })
      expect(await stores.reviews.setting('review_step')).toBeUndefined()
      await stores.reviews.setSetting('review_step', '1', audit(planner, 'town.settings'))
      await stores.reviews.setSetting('review_step', '1', audit(planner, 'town.settings'))
      expect(await stores.reviews.setting('review_step')).toBe('1')
      await stores.org.setStaffCount(d.id, 12)
      expect((await stores.org.getDepartment(d.id))?.staffCount).toBe(12)
      expect((await stores.org.listDepartments()).find((x) => x.id === d.id)?.staffCount).toBe(12)
      const approve = async () => {
        expect(await stores.versions.transition({ sheetId: sheet.id, from: 'draft', to: 'submitted', audit: audit(staff, 'sheet.submit') })).toBe(true)
        return stores.versions.approve(
          { sheetId: sheet.id, from: 'submitted', to: 'approved', audit: audit(head, 'sheet.approve') },
          { revision: (await stores.sheets.get(sheet.id))!.revision, state: new Uint8Array([1]), canonical: '{}', sha256: 'abc', headName: '鈴木 課長', staffCount: 12 },
        )
      }
      expect(await approve()).toMatchObject({ number: 1, headName: '鈴木 課長', staffCount: 12 })
      expect((await stores.versions.list(sheet.id))[0]).toMatchObject({ headName: '鈴木 課長', staffCount: 12 })
      expect(await stores.versions.get(sheet.id, 1)).toMatchObject({ headName: '鈴木 課長', staffCount: 12 })
      // Not the latest version: refused.
      expect(await stores.reviews.confirm(sheet.id, 2, audit(planner, 'sheet.review.confirm'))).toBe(false)
      expect(await stores.reviews.report(sheet.id, 1, '2025-06-10', audit(planner, 'sheet.review.report'))).toBe(false)
      // Two send-backs at once: one wins, the sheet is revision 2 once.
      const backs = await Promise.all([1, 2].map(() => stores.reviews.sendBack(sheet.id, 1, '理由', audit(planner, 'sheet.review.return'))))
      expect(backs.filter(Boolean)).toHaveLength(1)
      expect(await stores.sheets.get(sheet.id)).toMatchObject({ status: 'draft', revision: 2, returnedReason: '理由' })
      expect(await stores.reviews.get(sheet.id, 1)).toMatchObject({ returnedBy: planner.id, returnedReason: '理由', confirmedAt: null })
      // Not approved any more: nothing more on it.
      expect(await stores.reviews.confirm(sheet.id, 1, audit(planner, 'sheet.review.confirm'))).toBe(false)
      expect(await approve()).toMatchObject({ number: 2, revision: 2 })
      const confirms = await Promise.all([1, 2].map(() => stores.reviews.confirm(sheet.id, 2, audit(planner, 'sheet.review.confirm'))))
      expect(confirms.filter(Boolean)).toHaveLength(1)
      expect(await stores.reviews.sendBack(sheet.id, 2, 'x', audit(planner, 'sheet.review.return'))).toBe(false)
      expect(await stores.reviews.report(sheet.id, 2, '2025-06-10', audit(planner, 'sheet.review.report'))).toBe(true)
      expect(await stores.reviews.report(sheet.id, 2, '2025-06-11', audit(planner, 'sheet.review.report'))).toBe(false)
      expect(await stores.reviews.forSheets([sheet.id])).toEqual(
        expect.arrayContaining([expect.objectContaining({ versionNumber: 2, confirmedBy: planner.id, reportedOn: '2025-06-10', reportedBy: planner.id })]),
      )
      await expect(db.run("INSERT INTO sheet_reviews (sheet_id, version_number, reported_on) VALUES (?, 9, '2025-06-10')", [sheet.id])).rejects.toThrow(/CHECK|check/)
      expect((await stores.versions.audit(sheet.id, 'sheet.review.')).map((a) => a.action)).toEqual(['sheet.review.return', 'sheet.review.confirm', 'sheet.review.report'])
      // The approved versions were never touched.
      expect((await stores.versions.list(sheet.id)).map((v) => v.sha256)).toEqual(['abc', 'abc'])
    })

    it('evaluations: opened once, guarded steps, frozen when approved', async () => {
      const { sheet, staff, head } = await town()
      const audit = (who: typeof staff, action: string, detail = 'midyear') => ({ userId: who.id, username: who.username, action, detail })
      const opens = await Promise.all([
        stores.evaluations.open(sheet.id, 'midyear', 1, audit(staff, 'evaluation.open')),
        stores.evaluations.open(sheet.id, 'midyear', 1, audit(staff, 'evaluation.open')),
      ])
      expect(opens.filter(Boolean)).toHaveLength(1)
      await stores.evaluations.open(sheet.id, 'yearend', 1, audit(staff, 'evaluation.open', 'yearend'))
      expect((await stores.evaluations.list(sheet.id)).map((e) => e.kind)).toEqual(['midyear', 'yearend'])
      const submit = { sheetId: sheet.id, kind: 'midyear' as const, from: 'draft' as const, to: 'submitted' as const, submittedCanonical: '{"s":1}' }
      expect(await stores.evaluations.transition(submit, audit(staff, 'evaluation.submit'))).toBe(true)
      expect(await stores.evaluations.transition(submit, audit(staff, 'evaluation.submit'))).toBe(false)
      expect(await stores.evaluations.lastSubmission(sheet.id, 'midyear')).toMatchObject({ userId: staff.id })
      // Approved without its frozen content breaks the table's rule.
      await expect(stores.evaluations.transition({ ...submit, from: 'submitted', to: 'approved' }, audit(head, 'evaluation.approve'))).rejects.toThrow()
      expect(await stores.evaluations.transition({ ...submit, from: 'submitted', to: 'approved' }, audit(head, 'evaluation.approve'), { canonical: '{"f":1}', sha256: 'h' })).toBe(true)
      expect(await stores.evaluations.get(sheet.id, 'midyear')).toMatchObject({ status: 'approved', canonical: '{"f":1}', approvedBy: head.id, submittedCanonical: '{"s":1}', planVersion: 1 })
      expect((await stores.evaluations.forSheets([sheet.id])).length).toBe(2)
      expect(await stores.evaluations.forSheets([])).toEqual([])
    })

    it('the view log: one row per visit window, live and versions apart, pruned by age', async () => {
      const { sheet, staff } = await town()
      const at = new Date('2030-04-01T09:00:00.000Z')
      await stores.views.record(sheet.id, staff.id, null, at)
      await stores.views.record(sheet.id, staff.id, null, new Date(at.getTime() + 60_000))
      await stores.views.record(sheet.id, staff.id, 1, new Date(at.getTime() + 120_000))
      await stores.views.record(sheet.id, staff.id, 1, new Date(at.getTime() + 180_000))
      await stores.views.record(sheet.id, staff.id, null, new Date(at.getTime() + 11 * 60_000))
      const list = await stores.views.list(sheet.id, 10)
      expect(list.map((v) => v.version)).toEqual([null, 1, null])
      expect(list[0]).toMatchObject({ user: { id: staff.id, name: '佐藤' }, at: '2030-04-01T09:11:00.000Z' })
      expect(await stores.views.list(sheet.id, 1)).toHaveLength(1)
      expect(await stores.views.prune(1, '2030-04-02T09:05:00.000Z')).toBe(2)
    })

    it('notifications: newest first, unread counts, mention badges, marks read', async () => {
      const { sheet, staff, head } = await town()
      const notifications = new NotificationStore(db)
      await notifications.add([staff.id, head.id], { kind: 'mention', sheetId: sheet.id, link: `/sheets/${sheet.id}#thread-t1`, text: '一' })
      await notifications.add([staff.id], { kind: 'mention', sheetId: sheet.id, link: `/sheets/${sheet.id}#thread-t2`, text: '二' })
      const list = await notifications.list(staff.id, 10)
      expect(list.map((n) => n.text)).toEqual(['二', '一'])
      expect(list[0]).toMatchObject({ kind: 'mention', sheetId: sheet.id, read: false })
      expect(await notifications.unread(staff.id)).toBe(2)
      expect(await notifications.unreadMentionsBySheet(staff.id)).toEqual(new Map([[sheet.id, 2]]))
      expect(await notifications.markThreadMentionsRead(staff.id, sheet.id, 't1')).toBe(true)
      expect(await notifications.markThreadMentionsRead(staff.id, sheet.id, 't1')).toBe(false)
      await notifications.markRead(staff.id, [list[0]!.id])
      expect(await notifications.unread(staff.id)).toBe(0)
      await notifications.markRead(staff.id, [(await notifications.list(head.id, 1))[0]!.id])
      expect(await notifications.unread(head.id)).toBe(1)
      await notifications.markRead(head.id, 'all')
      expect(await notifications.unread(head.id)).toBe(0)
    })

    it('two refreshes of one sheet from two connections take turns: the second compares with the first one’s projection', async () => {
      const { sheet } = await town()
      const first = new ProjectionStore(db)
      const second = new ProjectionStore(await backend.reopen(db))
      const projection = (v: number) => ({ canonical: `{"v":${v}}`, budgetTotal: 0, measures: 0, projects: 0 })
      await first.put(sheet.id, projection(0))
      let release!: () => void
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      let holding!: () => void
      const held = new Promise<void>((resolve) => {
        holding = resolve
      })
      const one = first.exchange([sheet.id], async () => {
        holding()
        await gate
        return [{ sheetId: sheet.id, projection: projection(1) }]
      })
      await held
      let seen: string | undefined
      const two = second.exchange([sheet.id], (previous) => {
        seen = previous.get(sheet.id)?.canonical
        return []
      })
      if (db.dialect === 'postgres') {
        // The second waits for the first's row lock (it would have read {"v":0} without one).
        await eventually(async () => {
          const waiting = await db.get<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
          expect(waiting?.n).toBe(1)
        })
      }
      expect(seen).toBeUndefined()
      release()
      await Promise.all([one, two])
      expect(seen).toBe('{"v":1}')
    })

    it("the board's projection: kept edit author, overview of the year, missing and year sheets", async () => {
      const { sheet, staff, d, fiscalYear } = await town()
      const projections = new ProjectionStore(db)
      expect(await projections.missing()).toContain(sheet.id)
      await projections.put(sheet.id, { canonical: '{"v":1}', budgetTotal: 100, measures: 1, projects: 2 }, { by: staff.id, at: '2030-05-01T00:00:00.000Z' })
      await projections.put(sheet.id, { canonical: '{"v":2}', budgetTotal: 200, measures: 1, projects: 2 })
      expect(await projections.get(sheet.id)).toMatchObject({ canonical: '{"v":2}', budgetTotal: 200, editedBy: staff.id, editedAt: '2030-05-01T00:00:00.000Z' })
      expect(await projections.missing()).not.toContain(sheet.id)
      await stores.comments.createThread(
        { sheetId: sheet.id, targetKind: 'policy', targetId: 'p', anchor: null, quote: '', createdBy: staff.id },
        { authorId: staff.id, body: 'x', mentions: [] },
      )
      const [row] = await projections.overview(fiscalYear)
      expect(row).toMatchObject({ id: sheet.id, departmentId: d.id, departmentName: d.name, status: 'draft', budgetTotal: 200, editedByName: '佐藤', openThreads: 1, approvedAt: null })
      expect(await projections.yearSheets(fiscalYear)).toEqual([{ sheetId: sheet.id, departmentId: d.id, departmentName: d.name, canonical: '{"v":2}' }])
    })

    it('snapshot reads see one state of the database', async () => {
      const { sheet } = await town()
      const seen = await db.snapshot(async (tx) => {
        const a = await tx.get<{ n: number }>('SELECT count(*) AS n FROM sheet_updates WHERE sheet_id = ?', [sheet.id])
        const b = await tx.all<{ id: string }>('SELECT id FROM sheets WHERE id = ?', [sheet.id])
        return { n: a?.n, ids: b.map((r) => r.id) }
      })
      expect(seen).toEqual({ n: 0, ids: [sheet.id] })
    })

    it("another connection's change to access (a session deleted) moves the access epoch", async () => {
      const { staff } = await town()
      const other = await backend.reopen(db)
      await createStores(other).sessions.setSession({ id: `s-${newId('x')}`, userId: staff.id, expiresAt: new Date(Date.now() + 60_000), attributes: {} })
      const before = await db.accessEpoch()
      await createStores(other).sessions.deleteUserSessions(staff.id)
      await until(async () => (await db.accessEpoch()) !== before)
      await other.close()
    })

    it('the comprehensive plan: entries replaced at a revision keep their ids and order, numbers as floats, a stale revision writes nothing', async () => {
      const { admin } = await town()
      const plans = new PlanStore(db)
      const first = year
      year += 5
      const plan = await plans.create({ name: '総合計画', startYear: first, endYear: first + 4 }, admin)
      expect(plan).toMatchObject({ revision: 0, startYear: first, endYear: first + 4, goals: [], measures: [], kpis: [] })
      const entries = {
        goals: [{ id: `pg_${plan.id}`, number: '1', name: '活力' }],
        measures: [
          { id: `pm1_${plan.id}`, goalId: `pg_${plan.id}`, number: '1-1', name: '移住' },
          { id: `pm2_${plan.id}`, goalId: `pg_${plan.id}`, number: '1-2', name: '産業' },
        ],
        kpis: [{ id: `pk_${plan.id}`, measureId: `pm1_${plan.id}`, name: '移住者数', unit: '人', baseline: 85.5, baselineYear: first - 1, targets: [{ year: first, value: 12.25 }] }],
      }
      const saved = await plans.replaceEntries(plan.id, 0, entries, admin, 'plan.import', 'test')
      expect(saved).toMatchObject({ revision: 1, ...entries })
      expect((await plans.forYear(first + 2))?.id).toBe(plan.id)
      expect(await plans.forYear(first + 5)).toBeUndefined()
      expect((await plans.overlapping(first + 4, first + 8)).map((p) => p.id)).toEqual([plan.id])
      expect(await plans.overlapping(first, first, plan.id)).toEqual([])
      // Reordered, one 施策 gone (its KPI moved first), a goal renamed.
      const next = {
        goals: [{ ...entries.goals[0]!, name: '活力あるまち' }],
        measures: [entries.measures[1]!],
        kpis: [{ ...entries.kpis[0]!, measureId: entries.measures[1]!.id, baseline: null }],
      }
      expect(await plans.replaceEntries(plan.id, 1, next, admin, 'plan.edit', 'test')).toMatchObject({ revision: 2, ...next })
      await expect(plans.replaceEntries(plan.id, 1, entries, admin, 'plan.edit', 'test')).rejects.toBeInstanceOf(StaleRevision)
      await expect(plans.patch(plan.id, 1, { name: 'x', startYear: first, endYear: first }, admin)).rejects.toBeInstanceOf(StaleRevision)
      expect((await plans.get(plan.id))!.revision).toBe(2)
      expect((await plans.list()).find((p) => p.id === plan.id)).toMatchObject({ goals: 1, measures: 1, kpis: 1, revision: 2 })
      const audit = await db.all<{ action: string }>('SELECT action FROM audit_log WHERE target = ? ORDER BY id', [plan.id])
      expect(audit.map((a) => a.action)).toEqual(['plan.create', 'plan.import', 'plan.edit'])
    })
  })
}
