// One of several Hocuspocus instances (@hocuspocus/server 3.4) for compare.mjs's cluster scenario, sharing
// live updates and presence through Redis with @hocuspocus/extension-redis 3.4.4 (pub/sub on
// `<REDIS_PREFIX>:<document>`, a lock `<REDIS_PREFIX>:<document>:lock` while storing). No persistence: the
// documents live in the instances' memory (the extension keeps none in Redis), so each delivery costs the
// instances only the relay through Redis, no database write.
import { Redis } from '@hocuspocus/extension-redis'
import { Server } from '@hocuspocus/server'

// Every instance holding a document stores it (debounced) and takes a Redis lock first; the instances that
// lose the race end the store with an error the extension means to be silent ("Could not acquire lock,
// another instance locked it already."), which the server logs anyway, a stack each time: not logged here.
const logError = console.error
console.error = (...args) => {
  if (args[0] === 'Caught error during storeDocumentHooks' && String(args[1]?.cause).startsWith('Could not acquire lock')) return
  logError(...args)
}

const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  extensions: [
    new Redis({
      host: redis.hostname,
      port: Number(redis.port || 6379),
      prefix: process.env.REDIS_PREFIX ?? 'hocuspocus',
      identifier: `bench-${process.env.PORT}-${process.pid}`,
    }),
  ],
})
// SIGTERM: the server's own handler (stopOnSignals) unloads the documents, closes Redis and exits.
await server.listen()
console.log(`Hocuspocus running at ${server.webSocketURL}`)
