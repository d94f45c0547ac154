import { MessageType } from '@hoshin/protocol'
import type { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'

const SYNC_STEP2 = 1
const SYNC_UPDATE = 2

/**
 * Knows whether every change made on this page (and in this PC's offline copy) is durably stored on the
 * server. The server counts the sync step 2 and update messages each socket carries and says, after its
 * update log wrote them, up to which one they are stored (the `stored` message); this counts the same
 * messages as they leave. A change made while no socket could carry it goes out in the next sync step 2
 * (y-websocket sends everything the server lacks), so that step 2 is what must be acknowledged.
 * After a reload the offline copy may hold changes that never reached the server: the first step 2 of
 * every page load is awaited too.
 */
export class StoredTracker {
  /** Messages with changes sent on the current socket. */
  private sent = 0
  /** The highest of them the server said is stored. */
  private acked = 0
  /** The message whose acknowledgement means everything local is stored. */
  private needed = 0
  /** Local changes that no socket carried yet (the next step 2 will). */
  private unsent = true

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly doc: Y.Doc,
    private readonly onChange: () => void,
  ) {
    provider.on('status', this.onStatus)
    // Registered after the provider's own handler: a local change has been sent when this runs.
    doc.on('update', this.onUpdate)
  }

  /** Everything this page holds of its own is on the server's disk. */
  get stored(): boolean {
    return !this.unsent && this.acked >= this.needed
  }

  /** The server's `stored` message. */
  acknowledge(seq: number): void {
    const before = this.stored
    this.acked = Math.max(this.acked, seq)
    if (this.stored !== before) this.onChange()
  }

  private readonly onStatus = ({ status }: { status: string }): void => {
    if (status === 'disconnected') {
      // Whatever was not acknowledged is sent again in the next socket's step 2.
      if (this.acked < this.needed) this.unsent = true
      return
    }
    if (status !== 'connected') return
    const ws = this.provider.ws
    if (!ws) return
    this.sent = 0
    this.acked = 0
    this.needed = 0
    const send = ws.send.bind(ws)
    ws.send = (data: Parameters<WebSocket['send']>[0]) => {
      send(data)
      if (!(data instanceof Uint8Array) || data[0] !== MessageType.Sync) return
      if (data[1] === SYNC_UPDATE) this.sent++
      else if (data[1] === SYNC_STEP2) {
        this.sent++
        // A step 2 carries everything the server lacks: when something local still waits, this one counts.
        if (this.unsent || this.acked < this.needed) {
          const before = this.stored
          this.unsent = false
          this.needed = this.sent
          if (this.stored !== before) this.onChange()
        }
      }
    }
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return
    const before = this.stored
    const ws = this.provider.ws
    if (this.provider.wsconnected && ws && ws.readyState === ws.OPEN) this.needed = this.sent
    else this.unsent = true
    if (this.stored !== before) this.onChange()
  }

  destroy(): void {
    this.provider.off('status', this.onStatus)
    this.doc.off('update', this.onUpdate)
  }
}
