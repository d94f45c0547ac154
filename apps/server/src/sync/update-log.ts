import type { Logger } from 'pino'
import type { DocumentStore, UpdateEntry } from '../persistence/document-store.js'

export interface UpdateLogOptions {
  /**
   * How long updates gather before one transaction writes them all. Every accepted update is durable
   * within this (plus the write itself); 20 ms keeps that far under the 100 ms promise while batching
   * a busy office's updates into a few transactions a second.
   */
  flushMs: number
  /** Log length past which a sheet is compacted into its stored state. */
  compactAfter: number
}

export const defaultUpdateLogOptions: UpdateLogOptions = { flushMs: 20, compactAfter: 500 }

/**
 * Appends every accepted update to the store, batched: one transaction per tick for all sheets.
 * A failed write (disk full, locked) keeps the batch and retries; the clients hold the same updates
 * and resend them on reconnect, so nothing is dropped meanwhile.
 */
export class UpdateLog {
  private pending: UpdateEntry[] = []
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()
  private readonly lengths = new Map<string, number>()

  constructor(
    private readonly store: DocumentStore,
    private readonly log: Logger,
    private readonly onCompactDue: (sheetId: string) => void,
    readonly options: UpdateLogOptions = defaultUpdateLogOptions,
  ) {}

  /** The log length found at load, so compaction counts from the stored log. */
  setLength(sheetId: string, length: number): void {
    this.lengths.set(sheetId, length)
  }

  forget(sheetId: string): void {
    this.lengths.delete(sheetId)
  }

  append(sheetId: string, update: Uint8Array): void {
    this.pending.push({ sheetId, update })
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs)
  }

  /** Writes everything appended so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    this.pending = []
    this.chain = this.chain.then(async () => {
      if (!batch.length) return
      try {
        await this.store.append(batch)
      } catch (error) {
        this.log.error({ err: error, updates: batch.length }, 'could not store updates; retrying')
        this.pending = [...batch, ...this.pending]
        this.timer ??= setTimeout(() => void this.flush(), 1000)
        return
      }
      const due = new Set<string>()
      for (const { sheetId } of batch) {
        const length = (this.lengths.get(sheetId) ?? 0) + 1
        this.lengths.set(sheetId, length)
        if (length > this.options.compactAfter) due.add(sheetId)
      }
      for (const sheetId of due) this.onCompactDue(sheetId)
    })
    return this.chain
  }

  /** Called once a sheet's log was folded into its state. */
  compacted(sheetId: string): void {
    this.lengths.set(sheetId, 0)
  }

  get pendingCount(): number {
    return this.pending.length
  }
}
