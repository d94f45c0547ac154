import pino from 'pino'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { type AppendResult, type FieldEdit, MemoryDocumentStore, type UpdateEntry } from '../persistence/document-store.js'
import { UpdateLog } from './update-log.js'

/** The in-memory store, counting its writes. */
class CountingStore extends MemoryDocumentStore {
  writes: { entries: readonly UpdateEntry[]; edits: readonly FieldEdit[] }[] = []
  override async append(entries: readonly UpdateEntry[], edits: readonly FieldEdit[] = []): Promise<AppendResult> {
    this.writes.push({ entries, edits })
    return super.append(entries, edits)
  }
}

function keystrokes(doc: Y.Doc, count: number): Uint8Array[] {
  const updates: Uint8Array[] = []
  const capture = (u: Uint8Array) => updates.push(u)
  doc.on('update', capture)
  for (let i = 0; i < count; i++) doc.getText('t').insert(0, 'あ')
  doc.off('update', capture)
  return updates
}

describe('[S17] the update log keeps who made each change', () => {
  it('writes a burst of two people’s keystrokes in one flush: a log row per person, one field edit per field and person, the latest time', async () => {
    const store = new CountingStore()
    const log = new UpdateLog(store, pino({ level: 'silent' }), () => undefined, { flushMs: 60_000, compactAfter: 1e9, compactAfterBytes: 1e9 })
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    const field = { part: 'projects' as const, rowId: 'project-8', field: 'content' }
    keystrokes(a, 60).forEach((update, i) => {
      log.append('sh', update, undefined, { userId: 'kikaku', fields: [field], at: `2026-05-01T00:00:${String(i % 60).padStart(2, '0')}.000Z` })
    })
    for (const update of keystrokes(b, 3)) log.append('sh', update, undefined, { userId: 'chiiki', fields: [{ ...field, field: 'name' }], at: '2026-05-01T00:01:00.000Z' })
    // The server's own change (a seed): logged, attributed to nobody, no field edit.
    log.append('sh', keystrokes(new Y.Doc(), 1)[0]!, undefined, { userId: null, fields: [field], at: '2026-05-01T00:02:00.000Z' })
    await log.flush()

    expect(store.writes).toHaveLength(1)
    const [write] = store.writes
    expect(write!.entries.map((e) => e.userId)).toEqual(['kikaku', 'chiiki', null])
    expect(write!.edits).toEqual([
      { sheetId: 'sh', ...field, userId: 'kikaku', editedAt: '2026-05-01T00:00:59.000Z' },
      { sheetId: 'sh', ...field, field: 'name', userId: 'chiiki', editedAt: '2026-05-01T00:01:00.000Z' },
    ])
    // The merged rows still hold every keystroke.
    const doc = new Y.Doc()
    for (const update of (await store.load('sh')).updates) Y.applyUpdate(doc, update)
    expect(doc.getText('t').length).toBe(64)
  })
})
