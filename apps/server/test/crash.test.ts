import path from 'node:path'
import { MessageType } from '@hoshin/protocol'
import { docToSheet } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { type CollabClient, collabClient, eventually } from './collab-harness.js'
import { readFromDisk, spawnServer, TestClient, tempDir } from './harness.js'
import { createTestDatabase } from './postgres.js'

const situationText = (doc: Y.Doc) => docToSheet(doc).situation

/**
 * Which characters the server said it stored, read from its own `stored` messages: they count the sync
 * step 2 and update messages a socket sent (from 1), and each keystroke here goes out as one update
 * message the moment it is typed. Only the first socket's are followed (the one the kill cuts).
 */
function followAcks(client: CollabClient) {
  const state = { sent: 0, sockets: 0, typed: [] as { char: string; seq: number }[] }
  client.provider.on('status', ({ status }: { status: string }) => {
    if (status !== 'connected' || ++state.sockets > 1) return
    const ws = client.provider.ws as unknown as { send(data: Uint8Array): void }
    const send = ws.send.bind(ws)
    ws.send = (data: Uint8Array) => {
      if (data[0] === MessageType.Sync && (data[1] === 1 || data[1] === 2)) state.sent++
      send(data)
    }
  })
  return {
    typed(char: string) {
      if (state.sockets === 1 && client.provider.wsconnected) state.typed.push({ char, seq: state.sent })
    },
    /** The characters of the first socket that the server acknowledged as stored. */
    acknowledged(): string[] {
      const acks = client.messages.filter((m) => m.kind === 'stored').map((m) => m.seq)
      // The first socket's acknowledgements come first; a later socket's count starts again from 1.
      let upTo = 0
      for (const seq of acks) {
        if (seq < upTo) break
        upTo = seq
      }
      return state.typed.filter((t) => t.seq <= upTo).map((t) => t.char)
    },
  }
}

describe.each(['SQLite', 'PostgreSQL'])('crash (%s)', (storage) => {
  it('SIGKILL while 20 clients type: after a restart every character is on every client and in the stored state', async () => {
    const dir = await tempDir()
    // PostgreSQL: HOSHIN_DATABASE_URL, as `npm start` would get it; the stored state is read from there.
    const env: Record<string, string> = storage === 'PostgreSQL' ? { HOSHIN_DATABASE_URL: await createTestDatabase() } : {}
    const where = env.HOSHIN_DATABASE_URL ?? path.join(dir, 'hoshin.sqlite')
    let server = await spawnServer(dir, 0, env)
    const { url } = server
    const mark = (i: number) => String.fromCharCode(0xe000 + i)
    const login = await new TestClient(url).login('kikaku')
    const sheets = await login.get<{ sheets: { id: string; department: { id: string } }[] }>('/api/sheets')
    const sheetId = sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    const clients: CollabClient[] = []
    for (let i = 0; i < 20; i++) clients.push(collabClient(url, sheetId, login))
    const acks = clients.map(followAcks)
    await Promise.all(clients.map((c) => c.synced()))

    // Client i types its own character (from the private-use area, so none occurs in the sheet) at random places.
    const typed = new Array<number>(20).fill(0)
    // Each client types every `gapMs`: 20 clients at 10 ms is 2,000 keystrokes a second, each relayed to 19
    // others — what the server keeps up with on a busy machine, so its acknowledgements come while typing.
    const type = (rounds: number, stopped = () => false, gapMs = 2) =>
      Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < rounds && !stopped(); k++) {
            const text = (client.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
            text.insert(Math.floor(Math.random() * (text.length + 1)), mark(i))
            acks[i]!.typed(mark(i))
            typed[i]!++
            await new Promise((r) => setTimeout(r, gapMs))
          }
        }),
      )
    let stop = false
    // Until the kill, however slow the machine: a bounded loop could finish, and be acknowledged whole,
    // before the acknowledgements the kill waits for arrived (it did on a loaded machine).
    const typing = type(Number.POSITIVE_INFINITY, () => stop, 10)
    // Killed in the middle of the typing, once the server has said it stored a part of it.
    const acknowledged = () => acks.flatMap((a) => a.acknowledged())
    await eventually(() => expect(acknowledged().length).toBeGreaterThanOrEqual(100), 30_000)
    const killed = new Promise((r) => server.child.once('exit', r))
    server.child.kill('SIGKILL')
    await killed
    stop = true
    await typing
    // What the killed server left on disk holds every keystroke it acknowledged (a part of what was typed):
    // client i's i-th mark at least as many times as the server acknowledged it.
    const stored = acknowledged()
    const onDisk = (await readFromDisk(where, sheetId)).sheet.situation
    const count = (text: string | string[], char: string) => [...text].filter((ch) => ch === char).length
    const marks = clients.map((_, i) => mark(i))
    expect(marks.map((m) => Math.min(count(onDisk, m), count(stored, m)))).toEqual(marks.map((m) => count(stored, m)))
    expect(stored.length).toBeLessThan(typed.reduce((a, b) => a + b, 0))
    await type(10) // typed while the server is down
    // A new port (another process may have taken the old one): the clients are pointed at it.
    server = await spawnServer(dir, 0, env)
    for (const client of clients) client.provider.serverUrl = `${server.url.replace(/^http/, 'ws')}/collab`
    await type(10) // typed after the restart
    const restartedAt = Date.now()
    await eventually(() => {
      const texts = clients.map((c) => situationText(c.doc))
      expect(new Set(texts).size).toBe(1)
      for (let i = 0; i < 20; i++) expect([...texts[0]!].filter((ch) => ch === mark(i)).length).toBe(typed[i])
    }, 45_000).catch((error) => {
      // Which clients fell behind, and how their connections ended, says more than the diff of two texts.
      for (const [i, c] of clients.entries()) {
        console.log(`client ${i}: connected ${c.provider.wsconnected}, synced ${c.provider.synced}, closes ${JSON.stringify(c.closeEvents)}`)
      }
      throw error
    })
    console.log(`${storage}: 20 clients converged ${Date.now() - restartedAt} ms after the restart; ${stored.length} characters acknowledged before the kill`)
    const expected = situationText(clients[0]!.doc)
    for (const c of clients) c.destroy()
    // What the restarted server serves to someone who was not there.
    const fresh = collabClient(server.url, sheetId, await new TestClient(server.url).login('joho'))
    await fresh.synced()
    expect(situationText(fresh.doc)).toBe(expected)
    fresh.destroy()
    const exited = new Promise((r) => server.child.on('exit', r))
    server.child.kill('SIGTERM')
    await exited

    expect((await readFromDisk(where, sheetId)).sheet.situation).toBe(expected)
  }, 90_000)
})
