import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { redisKeys, testRedis } from './redis.js'

describe('the test run’s Redis (test/redis-global-setup.ts)', () => {
  it('answers, and gives each test a prefix of its own under the run’s', async () => {
    const a = testRedis()
    const b = testRedis()
    expect(a.url).toBe(b.url)
    expect(a.prefix).not.toBe(b.prefix)
    expect(a.prefix).toMatch(/^hoshin-test-[0-9a-f]{12}:[0-9a-f]{8}:$/)
    const client = createClient({ url: a.url })
    await client.connect()
    try {
      expect(await client.ping()).toBe('PONG')
      await client.set(`${a.prefix}probe`, '1')
      expect(await redisKeys(a.prefix)).toEqual([`${a.prefix}probe`])
      expect(await redisKeys(b.prefix)).toEqual([])
    } finally {
      await client.close()
    }
  })
})
