// Hocuspocus (@hocuspocus/server 3.4, the last major that runs on Node 20) for compare.mjs, in its own
// process like the other servers. With DATABASE set it persists through its SQLite extension, stores
// debounced to STORE_MS (the benchmark asks for every update durable within 100 ms); without, in memory.
import { SQLite, schema } from '@hocuspocus/extension-sqlite'
import { Server } from '@hocuspocus/server'
import sqlite3 from 'sqlite3'

// The extension creates its table without waiting for it before the server listens, so a client that
// connects at once fails ("no such table"): create it first.
if (process.env.DATABASE) {
  const db = new sqlite3.Database(process.env.DATABASE)
  await new Promise((resolve, reject) => db.exec(schema, (error) => (error ? reject(error) : resolve())))
  await new Promise((resolve) => db.close(resolve))
}

const storeMs = Number(process.env.STORE_MS ?? 100)
const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  debounce: storeMs,
  maxDebounce: storeMs,
  extensions: process.env.DATABASE ? [new SQLite({ database: process.env.DATABASE })] : [],
})
await server.listen()
console.log(`Hocuspocus running at ${server.webSocketURL}`)
