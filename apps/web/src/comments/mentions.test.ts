import type { MentionCandidate } from '@hoshin/protocol'
import { describe, expect, it } from 'vitest'
import { mentionAt, suggest } from './mentions'

const person = (token: string, name: string, place: string | null): MentionCandidate => ({ kind: 'user', id: token, token, name, username: token, place })
const section = (name: string, place: string): MentionCandidate => ({ kind: 'section', id: name, token: name, name, username: null, place })

const candidates = [
  person('yamada', '山田 太郎', '企画調整係'),
  person('yamanaka', '山中 花子', '情報戦略係'),
  person('suzuki', '鈴木 健太', '地域活力共創係'),
  section('企画調整係', '企画財政課'),
]
const names = (query: string) => suggest(candidates, query).map((c) => c.name)

describe('@-autocomplete matching', () => {
  it('finds a display name with its space, without it, or with a full-width one', () => {
    expect(names('山田 太')).toEqual(['山田 太郎'])
    expect(names('山田太')).toEqual(['山田 太郎'])
    expect(names('山田　太')).toEqual(['山田 太郎'])
  })

  it('finds a user name in any case and width, and people by their section; names that start with the query first', () => {
    expect(names('YAMA')).toEqual(['山田 太郎', '山中 花子'])
    expect(names('ｙａｍａｄａ')).toEqual(['山田 太郎'])
    expect(names('企画調整')).toEqual(['企画調整係', '山田 太郎'])
    expect(names('地域活力')).toEqual(['鈴木 健太'])
    expect(names('存在しない')).toEqual([])
  })
})

describe('the mention being typed', () => {
  it('is the "@…" just before the caret, after a space or at the start, with at most one space in it', () => {
    expect(mentionAt('@山', 2)).toEqual({ start: 0, query: '山' })
    expect(mentionAt('確認 ＠山田　太', 8)).toEqual({ start: 3, query: '山田　太' })
    expect(mentionAt('mail@example', 12)).toBeNull()
    expect(mentionAt('@山田 太郎 さん', 9)).toBeNull()
    expect(mentionAt('@山 田', 2)).toEqual({ start: 0, query: '山' })
  })
})
