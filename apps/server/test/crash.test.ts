import path from 'node:path'
import { docToSheet } from '@hoshin/sheet'
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { type CollabClient, collabClient, eventually } from './collab-harness.js'
import { readFromDisk, spawnServer, TestClient, tempDir } from './harness.js'

const situationText = (doc: Y.Doc) => docToSheet(doc).situation

describe('crash', () => {
  it('SIGKILL while 20 clients type: after a restart every character is on every client and in the stored state', async () => {
    const dir = await tempDir()
    let server = await spawnServer(dir)
    const { url } = server
    const mark = (i: number) => String.fromCharCode(0xe000 + i)
    const login = await new TestClient(url).login('kikaku')
    const sheets = await login.get<{ sheets: { id: string; department: { id: string } }[] }>('/api/sheets')
    const sheetId = sheets.body.sheets.find((s) => s.department.id === 'kikaku-zaisei')!.id
    const clients: CollabClient[] = []
    for (let i = 0; i < 20; i++) clients.push(collabClient(url, sheetId, login))
    await Promise.all(clients.map((c) => c.synced()))

    // Client i types its own character (from the private-use area, so none occurs in the sheet) at random places.
    const typed = new Array<number>(20).fill(0)
    const type = (rounds: number, stopped = () => false) =>
      Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < rounds && !stopped(); k++) {
            const text = (client.doc.getXmlFragment('situation').get(0) as Y.XmlElement).get(0) as Y.XmlText
            text.insert(Math.floor(Math.random() * (text.length + 1)), mark(i))
            typed[i]!++
            await new Promise((r) => setTimeout(r, 2))
          }
        }),
      )
    let stop = false
    const typing = type(40, () => stop)
    // Killed in the middle of the typing, once the server has stored a part of it: acknowledgements beyond
    // the one each client gets for its first sync step 2.
    const acks = () => clients.reduce((n, c) => n + c.messages.filter((m) => m.kind === 'stored').length, 0)
    await eventually(() => expect(acks()).toBeGreaterThanOrEqual(60), 30_000)
    const killed = new Promise((r) => server.child.once('exit', r))
    server.child.kill('SIGKILL')
    await killed
    stop = true
    await typing
    await type(10) // typed while the server is down
    // A new port (another process may have taken the old one): the clients are pointed at it.
    server = await spawnServer(dir)
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
    console.log(`20 clients converged ${Date.now() - restartedAt} ms after the restart`)
    const expected = situationText(clients[0]!.doc)
    for (const c of clients) c.destroy()
    const exited = new Promise((r) => server.child.on('exit', r))
    server.child.kill('SIGTERM')
    await exited

    expect((await readFromDisk(path.join(dir, 'hoshin.sqlite'), sheetId)).sheet.situation).toBe(expected)
  }, 90_000)
})
