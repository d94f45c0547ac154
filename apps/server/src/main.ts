import { loadConfig } from './env.js'
import { DEMO_PASSWORD, demoAccounts } from './seed/demo.js'
import { startServer } from './server.js'

const config = loadConfig()
const server = await startServer(config)

/** Where the data is, never a password. */
function storage(): string {
  if (!config.databaseUrl) return config.databaseFile
  const url = new URL(config.databaseUrl)
  return `PostgreSQL ${url.host}${url.pathname}`
}
const lines = [`方針 Hoshin: ${server.url}`, `  database: ${storage()}`]
if (config.redisUrl) lines.push(`  sharing sheets through Redis at ${new URL(config.redisUrl).host} (prefix ${config.redisPrefix})`)
if (config.demo) {
  lines.push(`  demo accounts (password "${DEMO_PASSWORD}"):`)
  for (const a of demoAccounts) lines.push(`    ${a.username.padEnd(8)} ${a.description}`)
}
if (!config.demo && (await server.services.stores.users.list()).length === 0) {
  // A real town's first start: nobody can sign in until the first admin exists.
  lines.push(
    '  まだ利用者がいません。最初の管理者を作成してください / no users yet; create the first admin:',
    '    npm run admin -- create-user --username <name> --name <表示名> --role admin --password-stdin',
  )
}
console.log(lines.join('\n'))

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    server.services.log.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.services.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
