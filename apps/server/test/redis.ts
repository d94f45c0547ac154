import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, inject } from 'vitest'

/** Prefixes a test file handed out, their keys removed after the file (the run's setup removes the rest). */
const handedOut = new Set<string>()
afterAll(async () => {
  const prefixes = [...handedOut]
  handedOut.clear()
  if (!prefixes.length) return
  const client = createClient({ url: inject('redisUrl') })
  client.on('error', () => undefined)
  await client.connect()
  try {
    for (const prefix of prefixes) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys)
    }
  } finally {
    await client.close()
  }
})

/** The run's Redis (test/redis-global-setup.ts): its URL and a key prefix of this test's own, under the run's. */
export function testRedis(): { url: string; prefix: string } {
  const prefix = `${inject('redisPrefix')}${randomBytes(4).toString('hex')}:`
  handedOut.add(prefix)
  return { url: inject('redisUrl'), prefix }
}

/** Every key under a prefix now (to check what a test left). */
export async function redisKeys(prefix: string): Promise<string[]> {
  const client = createClient({ url: inject('redisUrl') })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const found: string[] = []
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) found.push(...keys)
    return found
  } finally {
    await client.close()
  }
}
