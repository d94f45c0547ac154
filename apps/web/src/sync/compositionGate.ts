import { MessageType } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { WebsocketProvider } from 'y-websocket'

type Handler = WebsocketProvider['messageHandlers'][number]

/** Longest a composition may go without any activity before held updates are applied anyway. */
export const MAX_HOLD_MS = 10_000

/**
 * Japanese IME input and live updates do not mix: ProseMirror (and y-prosemirror, which has no
 * composition handling) breaks a composition when the document under it changes, and would sync the
 * half-typed reading. While anyone on this page composes, incoming document and presence updates wait
 * here, in order; when the composition is committed (and written to Yjs), they are applied.
 * Holding the whole sheet rather than one field keeps this simple: a composition lasts seconds.
 */
export class CompositionGate {
  private composing = 0
  private held: { handler: Handler; data: Uint8Array }[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  /**
   * A composition whose end never arrives (the IME crashed, the window lost focus mid-word, a browser
   * quirk) must not hold this person's view of the sheet forever: with no composition activity for
   * `maxHoldMs`, or when the field loses focus (`release`), everything held is applied.
   */
  constructor(
    private readonly provider: WebsocketProvider,
    private readonly maxHoldMs = MAX_HOLD_MS,
  ) {
    for (const type of [MessageType.Sync, MessageType.Awareness]) {
      const handler = provider.messageHandlers[type]
      if (!handler) continue
      provider.messageHandlers[type] = (encoder, decoder, p, emitSynced, messageType) => {
        if (this.composing > 0 && this.isHoldable(type, decoder)) {
          // Keep the unread rest of the message to replay it through the original handler.
          this.held.push({ handler, data: decoder.arr.subarray(decoder.pos) })
          return
        }
        handler(encoder, decoder, p, emitSynced, messageType)
      }
    }
  }

  /** Only changes are held; a sync step 1 (a question from the server) is answered at once. */
  private isHoldable(type: number, decoder: decoding.Decoder): boolean {
    if (type !== MessageType.Sync) return true
    return decoder.arr[decoder.pos] !== 0
  }

  get isComposing(): boolean {
    return this.composing > 0
  }

  start(): void {
    this.composing++
    this.touch()
  }

  /** The composition is alive (a compositionupdate): the bound counts from now. */
  touch(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.release(), this.maxHoldMs)
  }

  end(): void {
    this.composing = Math.max(0, this.composing - 1)
    if (this.composing > 0) return
    this.release()
  }

  /** Stops holding, whatever the count says, and applies what waited. */
  release(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.composing = 0
    const held = this.held
    this.held = []
    // Updates and presence produce no reply, so the encoder is discarded.
    for (const { handler, data } of held) handler(encoding.createEncoder(), decoding.createDecoder(data), this.provider, true, 0)
  }
}
