import { budgetTotal, canonicalJson, docToSheet, type Sheet } from '@hoshin/sheet'
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
  private readonly dirty = new Map<string, { editorId: string | null; at: string }>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  readonly listeners: ProjectionListener[] = []

  constructor(
    private readonly store: ProjectionStore,
    private readonly documents: DocumentRegistry,
    private readonly log: Logger,
  ) {}

  /** An accepted edit of a sheet, by this person (null: the server itself, an import). */
  touched(sheetId: string, editorId: string | null): void {
    this.dirty.set(sheetId, { editorId, at: new Date().toISOString() })
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, REFRESH_MS)
  }

  /** Rewrites the projections of every dirty sheet (or of these). */
  flush(sheetIds?: string[]): Promise<void> {
    const ids = sheetIds ?? [...this.dirty.keys()]
    const run = this.running.then(async () => {
      for (const id of ids) {
        const edit = this.dirty.get(id)
        if (!edit) continue
        this.dirty.delete(id)
        await this.refresh(id, { by: edit.editorId, at: edit.at })
      }
    })
    this.running = run.catch(() => undefined)
    return run
  }

  /** Reads the sheet (live or stored) and writes its projection now. */
  async refresh(sheetId: string, edit?: { by: string | null; at: string }): Promise<void> {
    try {
      const after = await this.documents.read(sheetId, docToSheet)
      const previous = await this.store.get(sheetId)
      const projection = project(after)
      if (previous?.canonical === projection.canonical && !edit) return
      await this.store.put(sheetId, projection, edit && previous?.canonical !== projection.canonical ? edit : undefined)
      const before = previous ? (JSON.parse(previous.canonical) as Sheet) : null
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
