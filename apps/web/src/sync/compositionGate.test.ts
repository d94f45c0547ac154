import { MessageType } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CompositionGate, MAX_HOLD_MS } from './compositionGate'

/** A stock provider that never connects: messages are fed to its handlers as the socket would. */
function setup() {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider('ws://127.0.0.1:9', 'sheet', doc, {
    connect: false,
    disableBc: true,
    WebSocketPolyfill: class {} as unknown as typeof WebSocket,
  })
  const gate = new CompositionGate(provider)
  const remote = new Y.Doc()
  const receive = (text: string) => {
    let update: Uint8Array | undefined
    remote.once('update', (u: Uint8Array) => {
      update = u
    })
    remote.getText('t').insert(remote.getText('t').length, text)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, update!)
    // What y-websocket does with an incoming frame: read its type, hand the rest to that type's handler.
    const decoder = decoding.createDecoder(encoding.toUint8Array(encoder))
    const type = decoding.readVarUint(decoder)
    provider.messageHandlers[type]!(encoding.createEncoder(), decoder, provider, true, type)
  }
  return { doc, provider, gate, receive, text: () => doc.getText('t').toString() }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the composition gate', () => {
  it('holds remote changes while composing and applies them in order when the composition ends', () => {
    const { gate, receive, text, provider } = setup()
    gate.start()
    receive('あ')
    receive('い')
    expect(text()).toBe('')
    gate.end()
    expect(text()).toBe('あい')
    provider.destroy()
  })

  it('lets go after a bounded time when the composition end never comes, and counts from the last activity', () => {
    vi.useFakeTimers()
    const { gate, receive, text, provider } = setup()
    gate.start()
    receive('う')
    vi.advanceTimersByTime(MAX_HOLD_MS - 1)
    gate.touch() // a compositionupdate: the person is still typing
    vi.advanceTimersByTime(MAX_HOLD_MS - 1)
    expect(text()).toBe('')
    vi.advanceTimersByTime(1)
    expect(text()).toBe('う')
    // Not composing any more: later changes apply at once.
    receive('え')
    expect(text()).toBe('うえ')
    provider.destroy()
  })

  it('is released on blur (release) whatever the composition count says', () => {
    const { gate, receive, text, provider } = setup()
    gate.start()
    gate.start()
    receive('お')
    gate.release()
    expect(text()).toBe('お')
    gate.end() // a late compositionend after the release does no harm
    receive('か')
    expect(text()).toBe('おか')
    provider.destroy()
  })
})
