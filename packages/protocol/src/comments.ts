import { z } from 'zod'
import type { Named } from './api.js'

/** Comment bodies are plain text (never rendered as HTML), at most this long. */
export const MAX_COMMENT_LENGTH = 4000

export const targetKinds = ['measure', 'project', 'issue', 'policy', 'text'] as const
export type TargetKind = (typeof targetKinds)[number]

/** What a new thread points at: a row or item by its id from export.json, or a range of a text field. */
export const commentTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['measure', 'project', 'issue', 'policy']), id: z.string().min(1).max(100) }),
  z.object({
    kind: z.literal('text'),
    /** A row id, or "situation" for the narrative. */
    id: z.string().min(1).max(100),
    field: z.enum(['text', 'outcome', 'name', 'content']),
    /** Offsets in the field's plain text (paragraphs joined by "\n"), end exclusive. */
    start: z.number().int().min(0),
    end: z.number().int().min(1),
  }),
])
export type CommentTarget = z.infer<typeof commentTargetSchema>

// Bodies are checked by the server itself (empty, too long) so each gets its own code; any other key
// in a request (an "author", say) is dropped: the author is the session's person, always.
const body = z.string()
export const newThreadSchema = z.object({ target: commentTargetSchema, body })
export const commentBodySchema = z.object({ body })

export interface Person extends Named {
  section: string | null
}

export interface CommentView {
  id: string
  author: Person
  body: string
  createdAt: string
  editedAt: string | null
  /** Deleted by its author: shown as a marker, the words are gone. */
  deleted: boolean
}

export interface ThreadView {
  id: string
  sheetId: string
  target: CommentTarget
  /** Where the thread sits now. Detached: its row or words were deleted; the quote keeps what it was about. */
  anchor: { status: 'attached'; rank: number | null; text: string } | { status: 'detached' }
  /**
   * A text thread's stored anchor: both ends as Yjs relative positions (base64 of Y.encodeRelativePosition)
   * in the field's text, so an open editor can draw the highlight against its live document. Null for rows.
   */
  positions: { start: string; end: string } | null
  /** What the thread was about when it started (the row's name, the item, the selected words). */
  quote: string
  state: 'open' | 'resolved'
  /** Who resolved or reopened it last, and when. */
  stateBy: Person | null
  stateAt: string | null
  createdAt: string
  comments: CommentView[]
  mentions: { kind: 'user' | 'section'; id: string; name: string }[]
  /** For the person asking: not opened since it last concerned them. */
  unread: boolean
  /** The person asking wrote in it. */
  mine: boolean
  /** It concerns the asker's section: mentions it, or the row is the section's (担当係). */
  mySection: boolean
  /** The asker may resolve or reopen it: the sheet's own department, or the thread's author. */
  canResolve: boolean
}

export interface ThreadListResponse {
  threads: ThreadView[]
}

export interface UnreadResponse {
  total: number
  sheets: { sheetId: string; count: number }[]
  /** The unread thread the header's badge links to (the oldest), or null when none is. */
  first: { sheetId: string; threadId: string } | null
}

/**
 * Someone (or a section) who may be @mentioned in a sheet's comments: only readers of the sheet.
 * `token` is what the comment box inserts after "@"; the server resolves it back to exactly this one.
 */
export interface MentionCandidate {
  kind: 'user' | 'section'
  id: string
  token: string
  /** The display name as the app shows it (「山田 太郎」), or the section's name. */
  name: string
  /** A person's user name; null for a section. */
  username: string | null
  /** A person's section, or a section's department. */
  place: string | null
}

export interface MentionableResponse {
  candidates: MentionCandidate[]
}
