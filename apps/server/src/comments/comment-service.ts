import {
  withoutBidiControls,
  type CommentTarget,
  MAX_COMMENT_LENGTH,
  type MentionCandidate,
  type Person,
  type ThreadView,
  type UnreadResponse,
} from '@hoshin/protocol'
import { docToSheet, orderedRowIds, readFieldText, type RowListName, rowMap } from '@hoshin/sheet'
import * as Y from 'yjs'
import type { Actor } from '../context.js'
import { errors } from '../http/errors.js'
import { TokenBucket } from '../http/limits.js'
import type { CommentRecord, CommentStore, Mention, ThreadRecord } from '../persistence/comment-store.js'
import type { Department, OrgStore } from '../persistence/org-store.js'
import type { SheetRecord } from '../persistence/sheet-store.js'
import type { UserRecord, UserStore } from '../persistence/user-store.js'
import { canReadSheet, partnerDepartments } from '../sheets/permissions.js'
import type { SheetService } from '../sheets/sheet-service.js'
import type { DocumentRegistry } from '../sync/document-registry.js'
import { encodeAnchor, fieldFragment, findRow, resolveAnchor, type TextAnchor } from './anchors.js'

/** At most this many threads are listed for a sheet (a real one has tens). */
const MAX_THREADS_LISTED = 1000
/** Comment writes per person, as GitLab allows notes: 300 a minute, 30 at once. */
const COMMENT_WRITES_PER_MINUTE = 300
const COMMENT_WRITE_BURST = 30

/** An @mention in a body: "@" (or full-width "＠") after a space or at the start, up to a space or 、。, */
const MENTION = /(?:^|\s)[@＠]([^\s@＠、。,]+)/g
const TOKEN = /^[^\s@＠、。,]+$/

const rowListOf = { measure: ['measures'], project: ['projects'], issue: ['issues'], policy: ['annualPolicies', 'longTermPolicies'] } as const

interface Directory {
  users: UserRecord[]
  departments: Department[]
}

/**
 * Comments on a sheet. Anyone who may read the sheet may comment, also on an approved sheet (the freeze
 * is of the content, not of the discussion). The author is always the session's person. Every change
 * is announced live to the sheet's open connections.
 */
export class CommentService {
  /** Called with the people an @mention reached (wired to notifications by the composition root). */
  onMention: ((event: { sheet: SheetRecord; threadId: string; author: Actor; userIds: string[] }) => Promise<void>) | undefined
  constructor(
    private readonly comments: CommentStore,
    private readonly users: UserStore,
    private readonly org: OrgStore,
    private readonly sheets: SheetService,
    private readonly documents: DocumentRegistry,
  ) {}

  private async directory(): Promise<Directory> {
    return { users: await this.users.list(), departments: await this.org.listDepartments() }
  }

  private checkBody(body: string): string {
    const trimmed = withoutBidiControls(body).trim()
    if (!trimmed) throw errors.bodyEmpty()
    if ([...trimmed].length > MAX_COMMENT_LENGTH) throw errors.bodyTooLong(MAX_COMMENT_LENGTH)
    return trimmed
  }

  /**
   * Who may be mentioned in a sheet: its readers (the own department, 連携課 named in it, planning and
   * admin), and the sections a token can name — the own department's, and a reading department's whose
   * name no other reading section shares. One lookup serves the parser and the autocomplete, so what the
   * comment box offers is exactly what a posted comment resolves.
   */
  private async mentionScope(sheet: SheetRecord, dir: Directory) {
    const partners = partnerDepartments(await this.documents.read(sheet.id, docToSheet))
    const departmentReads = (d: Department) => d.id === sheet.departmentId || partners.has(d)
    const readingDepartments = new Set(dir.departments.filter(departmentReads).map((d) => d.id))
    const readers = dir.users.filter(
      (u) => !u.disabledAt && (u.role === 'planning' || u.role === 'admin' || (u.departmentId !== null && readingDepartments.has(u.departmentId))),
    )
    const ownSections = dir.departments.find((d) => d.id === sheet.departmentId)?.sections ?? []
    const readingSections = dir.departments.filter(departmentReads).flatMap((d) => d.sections)
    const section = (token: string) => ownSections.find((s) => s.name === token) ?? single(readingSections.filter((s) => s.name === token))
    const user = (token: string) =>
      readers.find((u) => u.username.toLowerCase() === token.toLowerCase()) ?? single(readers.filter((u) => u.displayName.replace(/\s/g, '') === token))
    return { readers, readingSections, section, user }
  }

  /**
   * @mentions in a body: a section by name (@企画調整係), a person by user name or name without spaces —
   * only among those who may read the sheet. Anyone else, existing or not, is the same unknown_mention,
   * so mentions cannot be used to find out which user names exist.
   */
  private async mentions(body: string, sheet: SheetRecord, dir: Directory): Promise<Mention[]> {
    const found = new Map<string, Mention>()
    const tokens = [...body.matchAll(MENTION)].map((m) => m[1]!)
    if (!tokens.length) return []
    const scope = await this.mentionScope(sheet, dir)
    for (const token of tokens) {
      const section = scope.section(token)
      if (section) {
        found.set(`section:${section.id}`, { kind: 'section', targetId: section.id })
        continue
      }
      const user = scope.user(token)
      if (!user) throw errors.unknownMention(token)
      found.set(`user:${user.id}`, { kind: 'user', targetId: user.id })
    }
    return [...found.values()]
  }

  /**
   * The @-autocomplete's candidates for a sheet, for anyone who may read it. A candidate is offered only
   * with a token that resolves back to it (a person whose user name is also a section's name, or a section
   * whose name two partner departments share, could not be named exactly, so is left out).
   */
  async mentionable(actor: Actor, sheetId: string): Promise<MentionCandidate[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    const dir = await this.directory()
    const scope = await this.mentionScope(sheet, dir)
    const sectionsById = new Map(dir.departments.flatMap((d) => d.sections.map((s) => [s.id, { section: s, department: d }] as const)))
    const tokenable = (token: string) => TOKEN.test(token)
    const candidates: MentionCandidate[] = []
    for (const u of scope.readers) {
      if (!tokenable(u.username) || scope.section(u.username) || scope.user(u.username)?.id !== u.id) continue
      const place = u.sectionId ? sectionsById.get(u.sectionId) : undefined
      const department = dir.departments.find((d) => d.id === u.departmentId)
      candidates.push({ kind: 'user', id: u.id, token: u.username, name: u.displayName, username: u.username, place: place?.section.name ?? department?.name ?? null })
    }
    for (const s of scope.readingSections) {
      if (!tokenable(s.name) || scope.section(s.name)?.id !== s.id) continue
      candidates.push({ kind: 'section', id: s.id, token: s.name, name: s.name, username: null, place: sectionsById.get(s.id)?.department.name ?? null })
    }
    return candidates
  }

  /** Sections (by id) responsible for the row a thread is on: its 担当係. */
  private rowSections(doc: Y.Doc, thread: Pick<ThreadRecord, 'targetKind' | 'targetId' | 'anchor'>, sheet: SheetRecord, dir: Directory): string[] {
    const rowId = thread.targetKind === 'text' ? (JSON.parse(thread.anchor ?? '{}') as TextAnchor).rowId : thread.targetId
    const names = findRow(doc, rowId)?.row.get('sections')
    if (!(names instanceof Y.Array)) return []
    const sections = dir.departments.find((d) => d.id === sheet.departmentId)?.sections ?? []
    return names
      .toArray()
      .map((name) => sections.find((s) => s.name === name)?.id)
      .filter((id): id is string => Boolean(id))
  }

  /** Who sees a thread as unread after a comment: the mentioned, their sections, the row's 担当係, earlier writers. */
  private async notifyUnread(thread: ThreadRecord, sheet: SheetRecord, author: Actor, mentions: Mention[], dir: Directory, bell = mentions): Promise<void> {
    const sectionIds = new Set(mentions.filter((m) => m.kind === 'section').map((m) => m.targetId))
    await this.documents.read(sheet.id, (doc) => {
      for (const id of this.rowSections(doc, thread, sheet, dir)) sectionIds.add(id)
    })
    const recipients = new Set(mentions.filter((m) => m.kind === 'user').map((m) => m.targetId))
    for (const user of dir.users) if (user.sectionId && sectionIds.has(user.sectionId)) recipients.add(user.id)
    for (const c of await this.comments.comments([thread.id])) recipients.add(c.authorId)
    recipients.delete(author.id)
    const content = await this.sheets.content(sheet.id)
    const allowed: string[] = []
    for (const id of recipients) {
      const user = dir.users.find((u) => u.id === id)
      if (!user) continue
      const department = dir.departments.find((d) => d.id === user.departmentId)
      const actor: Actor = {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        role: user.role,
        department: user.departmentId ? { id: user.departmentId, name: department?.name ?? '' } : null,
        section: null,
      }
      // Nobody gets an unread mark for a sheet they may not open.
      if (await canReadSheet(actor, sheet, async () => content)) allowed.push(id)
    }
    await this.comments.markUnread(thread.id, allowed)
    // The bell: only the people (and sections' members) named with @, and only if they may read the sheet.
    const mentioned = new Set(bell.filter((m) => m.kind === 'user').map((m) => m.targetId))
    for (const user of dir.users) if (user.sectionId && bell.some((m) => m.kind === 'section' && m.targetId === user.sectionId)) mentioned.add(user.id)
    const reached = allowed.filter((id) => mentioned.has(id))
    // The comment stands even if the bell could not be rung.
    if (reached.length) await this.onMention?.({ sheet, threadId: thread.id, author, userIds: reached }).catch(() => undefined)
  }

  private announce(sheetId: string, threadId: string): void {
    this.documents.notify(sheetId, { kind: 'comments', threadId })
  }

  /** The sheet's threads (the newest MAX_THREADS_LISTED, in their order). */
  async list(actor: Actor, sheetId: string): Promise<ThreadView[]> {
    const sheet = await this.sheets.readable(actor, sheetId)
    return this.views(actor, sheet, (await this.comments.threads(sheet.id)).slice(-MAX_THREADS_LISTED))
  }

  /** One thread: what an open page fetches when the socket says that thread changed. */
  async one(actor: Actor, sheetId: string, threadId: string): Promise<ThreadView> {
    const { sheet, thread } = await this.threadOf(actor, sheetId, threadId)
    return this.view(actor, sheet, thread)
  }

  /** New threads, replies and edits per person: a person writes a few a minute; a script is stopped. */
  private readonly writes = new Map<string, TokenBucket>()

  private checkRate(actor: Actor): void {
    let bucket = this.writes.get(actor.id)
    if (!bucket) {
      if (this.writes.size > 10_000) this.writes.clear()
      bucket = new TokenBucket(COMMENT_WRITES_PER_MINUTE / 60, COMMENT_WRITE_BURST)
      this.writes.set(actor.id, bucket)
    }
    if (!bucket.take()) throw errors.rateLimited('コメントの投稿が短い時間に集中しています。少し待ってからもう一度お試しください。', 10)
  }

  async create(actor: Actor, sheetId: string, target: CommentTarget, rawBody: string): Promise<ThreadView> {
    const sheet = await this.sheets.readable(actor, sheetId)
    this.checkRate(actor)
    const body = this.checkBody(rawBody)
    const dir = await this.directory()
    const mentions = await this.mentions(body, sheet, dir)
    const located = await this.documents.read(sheet.id, (doc) => locate(doc, target))
    const thread = await this.comments.createThread(
      { sheetId: sheet.id, targetKind: target.kind, targetId: target.id, anchor: located.anchor, quote: located.quote, createdBy: actor.id },
      { authorId: actor.id, body, mentions },
    )
    await this.notifyUnread(thread, sheet, actor, mentions, dir)
    this.announce(sheet.id, thread.id)
    return this.view(actor, sheet, thread)
  }

  private async threadOf(actor: Actor, sheetId: string, threadId: string) {
    const sheet = await this.sheets.readable(actor, sheetId)
    const thread = await this.comments.thread(threadId)
    if (!thread || thread.sheetId !== sheet.id) throw errors.notFound()
    return { sheet, thread }
  }

  async reply(actor: Actor, sheetId: string, threadId: string, rawBody: string): Promise<ThreadView> {
    const { sheet, thread } = await this.threadOf(actor, sheetId, threadId)
    this.checkRate(actor)
    const body = this.checkBody(rawBody)
    const dir = await this.directory()
    const mentions = await this.mentions(body, sheet, dir)
    await this.comments.addComment(thread.id, { authorId: actor.id, body, mentions })
    await this.notifyUnread(thread, sheet, actor, mentions, dir)
    this.announce(sheet.id, thread.id)
    return this.view(actor, sheet, thread)
  }

  private async ownComment(actor: Actor, thread: ThreadRecord, commentId: string): Promise<CommentRecord> {
    const comment = await this.comments.comment(commentId)
    if (!comment || comment.threadId !== thread.id || comment.deletedAt) throw errors.notFound()
    if (comment.authorId !== actor.id) throw errors.forbidden()
    return comment
  }

  async edit(actor: Actor, sheetId: string, threadId: string, commentId: string, rawBody: string): Promise<ThreadView> {
    const { sheet, thread } = await this.threadOf(actor, sheetId, threadId)
    await this.ownComment(actor, thread, commentId)
    this.checkRate(actor)
    const body = this.checkBody(rawBody)
    const dir = await this.directory()
    const mentions = await this.mentions(body, sheet, dir)
    // Fixing a typo must not ring the bell again for whoever the thread had already mentioned.
    const before = await this.comments.mentions([thread.id])
    const added = mentions.filter((m) => !before.some((b) => b.kind === m.kind && b.targetId === m.targetId))
    await this.comments.editComment(commentId, body, mentions)
    await this.notifyUnread(thread, sheet, actor, mentions, dir, added)
    this.announce(sheet.id, thread.id)
    return this.view(actor, sheet, thread)
  }

  async remove(actor: Actor, sheetId: string, threadId: string, commentId: string): Promise<ThreadView> {
    const { sheet, thread } = await this.threadOf(actor, sheetId, threadId)
    await this.ownComment(actor, thread, commentId)
    await this.comments.deleteComment(commentId)
    this.announce(sheet.id, thread.id)
    return this.view(actor, sheet, thread)
  }

  async setState(actor: Actor, sheetId: string, threadId: string, state: 'open' | 'resolved'): Promise<ThreadView> {
    const { sheet, thread } = await this.threadOf(actor, sheetId, threadId)
    // A reader from another department (連携課, 全課, town-wide) may discuss, not close the owner's threads.
    if (!canResolve(actor, sheet, thread)) throw errors.forbidden()
    await this.comments.setState(thread.id, state, actor.id)
    this.announce(sheet.id, thread.id)
    return this.view(actor, sheet, (await this.comments.thread(thread.id))!)
  }

  async markRead(actor: Actor, sheetId: string, threadId: string): Promise<void> {
    const { thread } = await this.threadOf(actor, sheetId, threadId)
    await this.comments.markRead(thread.id, actor.id)
  }

  async unread(actor: Actor): Promise<UnreadResponse> {
    const rows = await this.comments.unreadThreads(actor.id)
    const bySheet = new Map<string, number>()
    for (const { sheetId } of rows) bySheet.set(sheetId, (bySheet.get(sheetId) ?? 0) + 1)
    const [first] = rows
    return {
      total: rows.length,
      sheets: [...bySheet].map(([sheetId, count]) => ({ sheetId, count })),
      first: first ? { sheetId: first.sheetId, threadId: first.threadId } : null,
    }
  }

  private async view(actor: Actor, sheet: SheetRecord, thread: ThreadRecord): Promise<ThreadView> {
    const [view] = await this.views(actor, sheet, [thread])
    return view!
  }

  private async views(actor: Actor, sheet: SheetRecord, threads: ThreadRecord[]): Promise<ThreadView[]> {
    const ids = threads.map((t) => t.id)
    const [comments, mentions, unread, dir] = await Promise.all([
      this.comments.comments(ids),
      this.comments.mentions(ids),
      this.comments.unreadThreads(actor.id),
      this.directory(),
    ])
    const unreadIds = new Set(unread.map((u) => u.threadId))
    // Looked up by id, not searched: a sheet with thousands of threads lists in linear time.
    const usersById = new Map(dir.users.map((u) => [u.id, u]))
    const sectionsById = new Map(dir.departments.flatMap((d) => d.sections).map((s) => [s.id, s]))
    const commentsOf = groupBy(comments, (c) => c.threadId)
    const mentionsOf = groupBy(mentions, (m) => m.threadId)
    const person = (id: string | null): Person | null => {
      if (!id) return null
      const user = usersById.get(id)
      const section = user?.sectionId ? sectionsById.get(user.sectionId) : undefined
      return { id, name: user?.displayName ?? '（削除された利用者）', section: section?.name ?? null }
    }
    const sectionName = (id: string) => sectionsById.get(id)?.name ?? id
    return this.documents.read(sheet.id, (doc) =>
      threads.map((thread): ThreadView => {
        const threadComments = commentsOf.get(thread.id) ?? []
        const threadMentions = mentionsOf.get(thread.id) ?? []
        const rowSections = this.rowSections(doc, thread, sheet, dir)
        const mySectionId = actor.section?.id
        return {
          id: thread.id,
          sheetId: thread.sheetId,
          ...placeOf(doc, thread),
          positions: thread.targetKind === 'text' ? positionsOf(thread) : null,
          quote: thread.quote,
          state: thread.state,
          stateBy: person(thread.stateBy),
          stateAt: thread.stateAt,
          createdAt: thread.createdAt,
          comments: threadComments.map((c) => ({
            id: c.id,
            author: person(c.authorId)!,
            body: c.deletedAt ? '' : c.body,
            createdAt: c.createdAt,
            editedAt: c.editedAt,
            deleted: Boolean(c.deletedAt),
          })),
          mentions: threadMentions.map((m) => ({
            kind: m.kind,
            id: m.targetId,
            name: m.kind === 'section' ? sectionName(m.targetId) : (person(m.targetId)?.name ?? ''),
          })),
          unread: unreadIds.has(thread.id),
          mine: threadComments.some((c) => c.authorId === actor.id),
          mySection: Boolean(
            mySectionId && (rowSections.includes(mySectionId) || threadMentions.some((m) => m.kind === 'section' && m.targetId === mySectionId)),
          ),
          canResolve: canResolve(actor, sheet, thread),
        }
      }),
    )
  }
}

/** Resolving or reopening a thread: the owning department's people and the thread's author. */
function canResolve(actor: Actor, sheet: SheetRecord, thread: ThreadRecord): boolean {
  return actor.department?.id === sheet.departmentId || thread.createdBy === actor.id
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

function single<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined
}

/** Checks a new thread's target against the live document; returns its anchor and quote. */
function locate(doc: Y.Doc, target: CommentTarget): { anchor: string | null; quote: string } {
  if (target.kind === 'text') {
    const fragment = fieldFragment(doc, target.id, target.field)
    if (!fragment) throw errors.targetNotFound()
    const text = readFieldText(fragment)
    if (target.start >= target.end || target.end > text.length) throw errors.invalidRange()
    return { anchor: JSON.stringify(encodeAnchor(target.id, target.field, fragment, target.start, target.end)), quote: text.slice(target.start, target.end) }
  }
  const found = findTargetRow(doc, target.kind, target.id)
  if (!found) throw errors.targetNotFound()
  return { anchor: null, quote: found.headline }
}

/** A row target (measure, project, issue, policy) in the live document: its list and headline (name or text). */
function findTargetRow(doc: Y.Doc, kind: Exclude<CommentTarget['kind'], 'text'>, id: string): { list: RowListName; headline: string } | undefined {
  for (const list of rowListOf[kind]) {
    const row = rowMap(doc, list).get(id)
    if (!row) continue
    const field = row.get(kind === 'measure' || kind === 'project' ? 'name' : 'text')
    return { list, headline: field instanceof Y.XmlFragment ? readFieldText(field) : '' }
  }
  return undefined
}

/** The thread's target and where it sits now (text ranges report their current offsets). */
function placeOf(doc: Y.Doc, thread: ThreadRecord): Pick<ThreadView, 'target' | 'anchor'> {
  if (thread.targetKind === 'text') {
    const anchor = JSON.parse(thread.anchor ?? '{}') as TextAnchor
    const field = anchor.field as 'text'
    const range = resolveAnchor(doc, anchor)
    if (!range) return { target: { kind: 'text', id: anchor.rowId, field, start: 0, end: thread.quote.length }, anchor: { status: 'detached' } }
    const found = findRow(doc, anchor.rowId)
    return {
      target: { kind: 'text', id: anchor.rowId, field, start: range.start, end: range.end },
      anchor: { status: 'attached', rank: found ? rankOf(doc, found.list, anchor.rowId) : null, text: range.text },
    }
  }
  const target: CommentTarget = { kind: thread.targetKind, id: thread.targetId }
  const found = findTargetRow(doc, thread.targetKind, thread.targetId)
  if (found) return { target, anchor: { status: 'attached', rank: rankOf(doc, found.list, thread.targetId), text: found.headline } }
  return { target, anchor: { status: 'detached' } }
}

function positionsOf(thread: ThreadRecord): { start: string; end: string } {
  const { start, end } = JSON.parse(thread.anchor ?? '{}') as TextAnchor
  return { start, end }
}

function rankOf(doc: Y.Doc, list: RowListName, id: string): number {
  return orderedRowIds(doc, list).indexOf(id) + 1
}
