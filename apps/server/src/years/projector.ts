import { budgetTotal, canonicalJson, docToSheet, type Sheet, storedSheet } from '@hoshin/sheet'
import type { Logger } from 'pino'
import type { DocumentRegistry } from '../sync/document-registry.js'
import type { Projection, ProjectionStore } from './projection-store.js'

export function project(sheet: Sheet): Projection {
  return {
    canonical: canonicalJson(sheet),
    budgetTotal: budgetTotal(sheet.projects),
    measures: sheet.measures.length,
    projects: sheet.projects.length,
  }
}

/** A projection was rewritten: the sheet's content before (if known) and now. */
export interface ProjectionEvent {
  sheetId: string
  before: Sheet | null
  after: Sheet
  editorId: string | null
}

/** Told of the projections one refresh rewrote, all at once (a busy office rewrites dozens a second). */
export type ProjectionListener = (events: ProjectionEvent[]) => Promise<void>

/** While people type, the board follows at most this often per sheet. */
const REFRESH_MS = 1000
/** The longest the refresh holds the event loop before it lets others run. */
const SLICE_MS = 4

/**
 * Keeps each sheet's stored projection in step with its document: marked dirty by every accepted edit
 * (cheap: a map entry), rewritten at most once a second while edited, and at once when the sheet is
 * stored, unloaded or approved. The edit path never decodes the document.
 *
 * The sheets due in one refresh are read and written together: one statement reads their previous
 * projections, one writes the changed ones, and the listeners hear them as one list. Sheet by sheet, an
 * office of 150 sheets being typed in made six statements per sheet per second, more than the update log
 * itself (issue 18).
 */
export class Projector {
  /** Sheets edited since their projection was written: the last editor and when (ms; formatted off the hot path). */
  private readonly dirty = new Map<string, { editorId: string | null; at: number }>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  readonly listeners: ProjectionListener[] = []

  constructor(
    private readonly store: ProjectionStore,
    private readonly documents: DocumentRegistry,
    private readonly log: Logger,
  ) {}

  /** An accepted edit of a sheet, by this person (an import counts as the importer's; null: the server itself). */
  touched(sheetId: string, editorId: string | null): void {
    this.dirty.set(sheetId, { editorId, at: Date.now() })
    this.schedule()
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, REFRESH_MS)
  }

  /** Rewrites the projections of every dirty sheet (or of these). */
  flush(sheetIds?: string[]): Promise<void> {
    return this.queue(() => this.write((sheetIds ?? [...this.dirty.keys()]).filter((id) => this.dirty.has(id))))
  }

  /** Writes the sheet's projection now (at approval and the other workflow steps). */
  refresh(sheetId: string): Promise<void> {
    return this.queue(() => this.write([sheetId]))
  }

  /**
   * One write at a time: two writes of one sheet reading the same previous projection would both
   * announce the same new 連携課 request.
   */
  private queue(work: () => Promise<void>): Promise<void> {
    const run = this.running.then(work)
    this.running = run.catch(() => undefined)
    return run
  }

  /**
   * Reads the sheets (live or stored) and writes the projections that changed, each with its pending
   * edit's author if any (an approval within the throttle window must not lose who made the last change).
   * When the store fails, the sheets are due again at the next refresh.
   */
  private async write(sheetIds: readonly string[]): Promise<void> {
    if (!sheetIds.length) return
    const pending = new Map(sheetIds.map((id) => [id, this.dirty.get(id)]))
    for (const id of sheetIds) this.dirty.delete(id)
    const read: { sheetId: string; after: Sheet; projection: Projection }[] = []
    let slice = performance.now()
    for (const sheetId of sheetIds) {
      // Decoding dozens of live sheets is one long task: let the sockets in between, every few ms.
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        slice = performance.now()
      }
      try {
        const after = await this.documents.read(sheetId, docToSheet)
        read.push({ sheetId, after, projection: project(after) })
      } catch (err) {
        this.log.error({ err, sheetId }, 'projection refresh failed')
      }
    }
    let written: (ProjectionEvent & { projection: Projection; edit: { by: string | null; at: string } | undefined })[]
    try {
      // Read, compared and written under the sheets' row locks: another process refreshing the same sheet
      // waits, and then compares with this projection, not with the one both read before.
      written = await this.store.exchange(
        read.map((r) => r.sheetId),
        (previous) =>
          read.flatMap(({ sheetId, after, projection }) => {
            const before = previous.get(sheetId)
            // An edit that changed nothing the board shows (an undo, a mark) leaves the last editor as is.
            if (before?.canonical === projection.canonical) return []
            const edit = pending.get(sheetId)
            return [
              {
                sheetId,
                projection,
                after,
                before: before ? storedSheet(before.canonical) : null,
                editorId: edit?.editorId ?? null,
                edit: edit ? { by: edit.editorId, at: new Date(edit.at).toISOString() } : undefined,
              },
            ]
          }),
      )
    } catch (err) {
      this.log.error({ err, sheets: sheetIds.length }, 'projection refresh failed; retried at the next refresh')
      for (const [id, edit] of pending) if (edit && !this.dirty.has(id)) this.dirty.set(id, edit)
      this.schedule()
      return
    }
    if (!written.length) return
    const events = written.map(({ sheetId, before, after, editorId }) => ({ sheetId, before, after, editorId }))
    for (const listener of this.listeners) await listener(events).catch((err) => this.log.error({ err }, 'projection listener failed'))
  }

  /** Projections for sheets that have none (an older database, the demo seed). */
  async backfill(): Promise<void> {
    for (const sheetId of await this.store.missing()) {
      const sheet = await this.documents.read(sheetId, docToSheet)
      await this.store.putMany([{ sheetId, projection: project(sheet) }])
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
  }
}
