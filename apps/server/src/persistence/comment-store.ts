import type { Database } from './database.js'
import { newId, nowIso } from './ids.js'

export type TargetKind = 'measure' | 'project' | 'issue' | 'policy' | 'text'

export interface ThreadRecord {
  id: string
  sheetId: string
  targetKind: TargetKind
  targetId: string
  anchor: string | null
  quote: string
  state: 'open' | 'resolved'
  stateBy: string | null
  stateAt: string | null
  createdBy: string
  createdAt: string
}

export interface CommentRecord {
  id: string
  threadId: string
  authorId: string
  body: string
  createdAt: string
  editedAt: string | null
  deletedAt: string | null
}

export interface Mention {
  kind: 'user' | 'section'
  targetId: string
}

/** Comment threads on a sheet: server-authoritative rows (the author always comes from the session). */
export interface CommentStore {
  createThread(input: Omit<ThreadRecord, 'id' | 'state' | 'stateBy' | 'stateAt' | 'createdAt'>, first: NewComment): Promise<ThreadRecord>
  addComment(threadId: string, comment: NewComment): Promise<CommentRecord>
  thread(id: string): Promise<ThreadRecord | undefined>
  threads(sheetId: string): Promise<ThreadRecord[]>
  comments(threadIds: string[]): Promise<CommentRecord[]>
  comment(id: string): Promise<CommentRecord | undefined>
  mentions(threadIds: string[]): Promise<(Mention & { threadId: string })[]>
  editComment(id: string, body: string, mentions: Mention[]): Promise<void>
  deleteComment(id: string): Promise<void>
  setState(threadId: string, state: 'open' | 'resolved', by: string): Promise<void>
  markUnread(threadId: string, userIds: Iterable<string>): Promise<void>
  markRead(threadId: string, userId: string): Promise<void>
  /** Oldest thread first. */
  unreadThreads(userId: string): Promise<{ threadId: string; sheetId: string }[]>
}

export interface NewComment {
  authorId: string
  body: string
  mentions: Mention[]
}

const threadColumns = `id, sheet_id AS sheetId, target_kind AS targetKind, target_id AS targetId, anchor, quote, state,
  state_by AS stateBy, state_at AS stateAt, created_by AS createdBy, created_at AS createdAt`
const commentColumns = `id, thread_id AS threadId, author_id AS authorId, body, created_at AS createdAt,
  edited_at AS editedAt, deleted_at AS deletedAt`

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ')
}

export class SqliteCommentStore implements CommentStore {
  constructor(private readonly db: Database) {}

  createThread(
    input: Omit<ThreadRecord, 'id' | 'state' | 'stateBy' | 'stateAt' | 'createdAt'>,
    first: NewComment,
  ): Promise<ThreadRecord> {
    const thread: ThreadRecord = { ...input, id: newId('th'), state: 'open', stateBy: null, stateAt: null, createdAt: nowIso() }
    return this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO comment_threads (id, sheet_id, target_kind, target_id, anchor, quote, state, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
        [thread.id, thread.sheetId, thread.targetKind, thread.targetId, thread.anchor, thread.quote, thread.createdBy, thread.createdAt],
      )
      const commentId = newId('cm')
      await tx.run('INSERT INTO comments (id, thread_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)', [
        commentId,
        thread.id,
        first.authorId,
        first.body,
        thread.createdAt,
      ])
      for (const m of first.mentions) {
        await tx.run('INSERT INTO comment_mentions (comment_id, kind, target_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [commentId, m.kind, m.targetId])
      }
      return thread
    })
  }

  addComment(threadId: string, comment: NewComment): Promise<CommentRecord> {
    const record: CommentRecord = {
      id: newId('cm'),
      threadId,
      authorId: comment.authorId,
      body: comment.body,
      createdAt: nowIso(),
      editedAt: null,
      deletedAt: null,
    }
    return this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO comments (id, thread_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)', [
        record.id,
        threadId,
        record.authorId,
        record.body,
        record.createdAt,
      ])
      for (const m of comment.mentions) {
        await tx.run('INSERT INTO comment_mentions (comment_id, kind, target_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [record.id, m.kind, m.targetId])
      }
      return record
    })
  }

  thread(id: string): Promise<ThreadRecord | undefined> {
    return this.db.get<ThreadRecord>(`SELECT ${threadColumns} FROM comment_threads WHERE id = ?`, [id])
  }

  threads(sheetId: string): Promise<ThreadRecord[]> {
    return this.db.all<ThreadRecord>(`SELECT ${threadColumns} FROM comment_threads WHERE sheet_id = ? ORDER BY created_at, id`, [sheetId])
  }

  comments(threadIds: string[]): Promise<CommentRecord[]> {
    if (!threadIds.length) return Promise.resolve([])
    return this.db.all<CommentRecord>(
      `SELECT ${commentColumns} FROM comments WHERE thread_id IN (${placeholders(threadIds.length)}) ORDER BY created_at, id`,
      threadIds,
    )
  }

  comment(id: string): Promise<CommentRecord | undefined> {
    return this.db.get<CommentRecord>(`SELECT ${commentColumns} FROM comments WHERE id = ?`, [id])
  }

  mentions(threadIds: string[]): Promise<(Mention & { threadId: string })[]> {
    if (!threadIds.length) return Promise.resolve([])
    return this.db.all(
      `SELECT c.thread_id AS threadId, m.kind, m.target_id AS targetId FROM comment_mentions m
       JOIN comments c ON c.id = m.comment_id WHERE c.thread_id IN (${placeholders(threadIds.length)}) AND c.deleted_at IS NULL`,
      threadIds,
    )
  }

  async editComment(id: string, body: string, mentions: Mention[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE comments SET body = ?, edited_at = ? WHERE id = ?', [body, nowIso(), id])
      await tx.run('DELETE FROM comment_mentions WHERE comment_id = ?', [id])
      for (const m of mentions) {
        await tx.run('INSERT INTO comment_mentions (comment_id, kind, target_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [id, m.kind, m.targetId])
      }
    })
  }

  async deleteComment(id: string): Promise<void> {
    // The row stays as a "deleted" marker in the thread; its words are gone.
    await this.db.run("UPDATE comments SET body = '', deleted_at = ? WHERE id = ?", [nowIso(), id])
  }

  async setState(threadId: string, state: 'open' | 'resolved', by: string): Promise<void> {
    await this.db.run('UPDATE comment_threads SET state = ?, state_by = ?, state_at = ? WHERE id = ?', [state, by, nowIso(), threadId])
  }

  async markUnread(threadId: string, userIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(userIds)]
    if (!ids.length) return
    await this.db.transaction(async (tx) => {
      for (const userId of ids) {
        await tx.run('INSERT INTO comment_unread (thread_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [threadId, userId])
      }
    })
  }

  async markRead(threadId: string, userId: string): Promise<void> {
    await this.db.run('DELETE FROM comment_unread WHERE thread_id = ? AND user_id = ?', [threadId, userId])
  }

  unreadThreads(userId: string): Promise<{ threadId: string; sheetId: string }[]> {
    return this.db.all(
      `SELECT u.thread_id AS threadId, t.sheet_id AS sheetId FROM comment_unread u
       JOIN comment_threads t ON t.id = u.thread_id WHERE u.user_id = ? ORDER BY t.created_at, t.id`,
      [userId],
    )
  }
}
