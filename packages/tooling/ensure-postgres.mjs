// The PostgreSQL tests (the store contract suite, the server on PostgreSQL) need a PostgreSQL server: the
// one at 127.0.0.1:5432 when it runs (this project's machines), else a throwaway one the server's test setup
// starts from Debian's packages in a temp dir (apps/server/test/postgres-global-setup.ts). This installs
// those packages when neither is there — Debian's apt only, never a downloaded build, as for Chromium.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import net from 'node:net'

/** The newest installed server's bin directory (/usr/lib/postgresql/15/bin), or undefined. */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/initdb`) && existsSync(`${root}/${v}/bin/pg_ctl`))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length ? `${root}/${versions[0]}/bin` : undefined
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

export async function ensurePostgresPackages() {
  if (process.env.HOSHIN_TEST_POSTGRES_URL) return
  if (postgresBinDir()) return
  if (process.env.HOSHIN_TEST_POSTGRES !== 'throwaway' && (await answers('127.0.0.1', 5432))) return
  if (process.getuid?.() !== 0) {
    console.error('PostgreSQL tests need a PostgreSQL server or its packages. Install as root:\n  apt-get install -y --no-install-recommends postgresql')
    process.exit(1)
  }
  console.log('Installing postgresql from Debian…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env })
}

if (import.meta.url === `file://${process.argv[1]}`) await ensurePostgresPackages()
