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
export type ProjectionListener = (event: { sheetId: string; before: Sheet | null; after: Sheet; editorId: string | null }) => Promise<void>

/** While people type, the board follows at most this often per sheet. */
const REFRESH_MS = 1000

/**
 * Keeps each sheet's stored projection in step with its document: marked dirty by every accepted edit
 * (cheap: a map entry), rewritten at most once a second while edited, and at once when the sheet is
 * stored, unloaded or approved. The edit path never decodes the document.
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
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, REFRESH_MS)
  }

  /** Rewrites the projections of every dirty sheet (or of these). */
  flush(sheetIds?: string[]): Promise<void> {
    const ids = sheetIds ?? [...this.dirty.keys()]
    return this.queue(async () => {
      for (const id of ids) if (this.dirty.has(id)) await this.write(id)
    })
  }

  /** Writes the sheet's projection now (at approval and the other workflow steps). */
  refresh(sheetId: string): Promise<void> {
    return this.queue(() => this.write(sheetId))
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
   * Reads the sheet (live or stored) and writes its projection, with the pending edit's author if any
   * (an approval within the throttle window must not lose who made the last change).
   */
  private async write(sheetId: string): Promise<void> {
    const pending = this.dirty.get(sheetId)
    this.dirty.delete(sheetId)
    const edit = pending ? { by: pending.editorId, at: new Date(pending.at).toISOString() } : undefined
    try {
      const after = await this.documents.read(sheetId, docToSheet)
      const previous = await this.store.get(sheetId)
      const projection = project(after)
      // An edit that changed nothing the board shows (an undo, a mark) leaves the last editor as is.
      if (previous?.canonical === projection.canonical) return
      await this.store.put(sheetId, projection, edit)
      const before = previous ? storedSheet(previous.canonical) : null
      for (const listener of this.listeners) await listener({ sheetId, before, after, editorId: edit?.by ?? null }).catch((err) => this.log.error({ err }, 'projection listener failed'))
    } catch (err) {
      this.log.error({ err, sheetId }, 'projection refresh failed')
    }
  }

  /** Projections for sheets that have none (an older database, the demo seed). */
  async backfill(): Promise<void> {
    for (const id of await this.store.missing()) {
      const sheet = await this.documents.read(id, docToSheet)
      await this.store.put(id, project(sheet))
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
  }
}
