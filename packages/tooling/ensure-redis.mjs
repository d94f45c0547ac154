// The multi-process tests (several server processes sharing sheets through Redis) need a Redis server: the
// one at 127.0.0.1:6379 when it runs (this project's machines), else a throwaway one the server's test setup
// starts from Debian's redis-server package in a temp dir (apps/server/test/redis-global-setup.ts). This
// installs that package when neither is there — Debian's apt only, never a downloaded build.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'

/** Where Debian puts the server, or undefined. */
export function redisServerBinary() {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(candidate)) return candidate
  return undefined
}

function answers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
    socket.on('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

export async function ensureRedisPackages() {
  if (process.env.HOSHIN_TEST_REDIS_URL) return
  if (redisServerBinary()) return
  if (process.env.HOSHIN_TEST_REDIS !== 'throwaway' && (await answers('127.0.0.1', 6379))) return
  if (process.getuid?.() !== 0) {
    console.error('The multi-process tests need a Redis server or its package. Install as root:\n  apt-get install -y --no-install-recommends redis-server')
    process.exit(1)
  }
  console.log('Installing redis-server from Debian…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env })
}

if (import.meta.url === `file://${process.argv[1]}`) await ensureRedisPackages()
