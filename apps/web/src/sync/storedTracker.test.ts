import { ObservableV2 } from 'lib0/observable'
import { describe, expect, it } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { StoredTracker } from './storedTracker'

/**
 * The parts of y-websocket's provider the tracker reads: its status events, its socket, and — as the
 * provider does — sending each local change as an update message when connected.
 */
class Provider extends ObservableV2<{ status: (event: { status: string }) => void }> {
  ws: { readyState: number; OPEN: number; send(data: Uint8Array): void; sent: Uint8Array[] } | null = null
  wsconnected = false
  constructor(readonly doc: Y.Doc) {
    super()
    doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== this && this.wsconnected) this.ws?.send(new Uint8Array([0, 2, 0]))
    })
  }
  open() {
    this.ws = { readyState: 1, OPEN: 1, sent: [], send(data) { this.sent.push(data) } }
    this.wsconnected = true
    this.emit('status', [{ status: 'connected' }])
  }
  /** The client's answer to the server's sync step 1. */
  step2() {
    this.ws!.send(new Uint8Array([0, 1, 0]))
  }
  close() {
    this.wsconnected = false
    this.ws = null
    this.emit('status', [{ status: 'disconnected' }])
  }
}

function setup() {
  const doc = new Y.Doc()
  const provider = new Provider(doc)
  let changes = 0
  const tracker = new StoredTracker(provider as unknown as WebsocketProvider, doc, () => changes++)
  const type = (text: string) => doc.getText('t').insert(doc.getText('t').length, text)
  return { doc, provider, tracker, type, changes: () => changes }
}

describe('the stored tracker (保存済み)', () => {
  it('is not stored until the first step 2 of the page is acknowledged (the offline copy may hold unsent changes)', () => {
    const { provider, tracker } = setup()
    expect(tracker.stored).toBe(false)
    provider.open()
    provider.step2() // message 1
    expect(tracker.stored).toBe(false)
    tracker.acknowledge(1)
    expect(tracker.stored).toBe(true)
  })

  it('waits for the acknowledgement of the latest local change, not an earlier one', () => {
    const { provider, tracker, type } = setup()
    provider.open()
    provider.step2() // 1
    tracker.acknowledge(1)
    type('あ') // 2
    type('い') // 3
    expect(tracker.stored).toBe(false)
    tracker.acknowledge(2)
    expect(tracker.stored).toBe(false)
    tracker.acknowledge(3)
    expect(tracker.stored).toBe(true)
  })

  it('a change typed offline, or not acknowledged before the socket closed, waits for the next socket’s step 2', () => {
    const { provider, tracker, type } = setup()
    provider.open()
    provider.step2() // 1
    tracker.acknowledge(1)
    type('う') // 2, never acknowledged
    provider.close()
    type('え') // offline
    provider.open()
    expect(tracker.stored).toBe(false)
    provider.step2() // 1 on the new socket (counting starts again): carries both
    expect(tracker.stored).toBe(false)
    tracker.acknowledge(1)
    expect(tracker.stored).toBe(true)
  })
})
