import { isHoshinMessage, MessageType } from '@hoshin/protocol'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { openCopy, setPending } from './offlineCopies'
import { StoredTracker } from './storedTracker'
import { sheetProvider } from './useSheetSession'

/**
 * Sends what this person's copies of these sheets hold and the server lacks, and waits until the server
 * says it is stored (or kept aside, for a sheet approved meanwhile). Used at logout on a shared PC.
 * Resolves true when every sheet got there within `timeoutMs`.
 */
export async function pushPending(userId: string, sheetIds: readonly string[], timeoutMs = 15_000): Promise<boolean> {
  const results = await Promise.all(sheetIds.map((sheetId) => pushOne(userId, sheetId, timeoutMs)))
  return results.every(Boolean)
}

async function pushOne(userId: string, sheetId: string, timeoutMs: number): Promise<boolean> {
  const doc = new Y.Doc()
  const local = openCopy(userId, sheetId, doc)
  await local.whenSynced
  const provider = sheetProvider(sheetId, doc, { disableBc: true })
  return new Promise<boolean>((resolve) => {
    let done = false
    const finish = (ok: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      tracker.destroy()
      provider.destroy()
      void local.destroy()
      doc.destroy()
      if (ok) setPending(userId, sheetId, false)
      resolve(ok)
    }
    const check = () => {
      if (provider.synced && tracker.stored) finish(true)
    }
    const tracker = new StoredTracker(provider, doc, check)
    provider.messageHandlers[MessageType.Hoshin] = (_encoder, decoder) => {
      const message: unknown = JSON.parse(decoding.readVarString(decoder))
      if (!isHoshinMessage(message)) return
      if (message.kind === 'stored') tracker.acknowledge(message.seq)
      // Approved meanwhile: the server keeps the change for its author; nothing more can be sent.
      else if (message.kind === 'late-kept') finish(true)
      else if (message.kind === 'session' && (message.reason === 'permission' || message.reason === 'outdated' || message.reason === 'layout')) finish(false)
      // Approved and the copy changed nothing there: no late-kept comes; give the server a moment to say otherwise.
      else if (message.kind === 'session' && message.reason === 'approved') setTimeout(() => finish(true), 3000)
    }
    provider.on('sync', check)
    provider.on('closed', () => finish(false))
    const timer = setTimeout(() => finish(false), timeoutMs)
    provider.connect()
  })
}
