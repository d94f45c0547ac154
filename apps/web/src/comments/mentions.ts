import type { MentionableResponse, MentionCandidate } from '@hoshin/protocol'
import { api } from '../api/client'

/** At most this many suggestions are listed: a longer list is read, not chosen from. */
export const MAX_SUGGESTIONS = 8

/** Width, case and spaces (half- and full-width) do not matter: 「山田　太」 finds 「山田 太郎」. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s/g, '')
}

/** Candidates for what follows "@": by display name, user name or section; those that start with it first. */
export function suggest(candidates: readonly MentionCandidate[], query: string): MentionCandidate[] {
  const q = fold(query)
  const scored: { c: MentionCandidate; score: number }[] = []
  for (const c of candidates) {
    const fields = [c.name, c.username ?? '', c.place ?? ''].map(fold)
    const starts = fields.slice(0, 2).some((f) => f.startsWith(q))
    if (starts) scored.push({ c, score: 0 })
    else if (fields.some((f) => f.includes(q))) scored.push({ c, score: 1 })
  }
  return scored
    .sort((a, b) => a.score - b.score || (a.c.kind === b.c.kind ? 0 : a.c.kind === 'user' ? -1 : 1))
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => s.c)
}

/**
 * The "@…" being typed just before the caret, or null: "@" after a space or at the start. One space (half-
 * or full-width) may be in it, as between family and given name: 「@山田　太」.
 */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|\s)[@＠]([^\s@＠、。,]*(?:[ \u3000][^\s@＠、。,]*)?)$/.exec(text.slice(0, caret))
  if (!match) return null
  const query = match[1]!
  return { start: caret - query.length - 1, query }
}

const cache = new Map<string, Promise<MentionCandidate[]>>()

/** The sheet's mentionable people and sections, fetched once per sheet and page. */
export function mentionable(sheetId: string): Promise<MentionCandidate[]> {
  let pending = cache.get(sheetId)
  if (!pending) {
    pending = api<MentionableResponse>(`/api/sheets/${encodeURIComponent(sheetId)}/mentionable`).then(
      (r) => r.candidates,
      (e: unknown) => {
        cache.delete(sheetId)
        throw e
      },
    )
    cache.set(sheetId, pending)
  }
  return pending
}
