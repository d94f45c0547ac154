#!/usr/bin/env node
import { loadConfig } from '../env.js'
import { openServices } from '../server.js'
import { CliError, runAdminCommand } from './admin-commands.js'

const { services, db } = await openServices({ ...loadConfig(), logLevel: 'silent' })
try {
  const lines = await runAdminCommand(services, process.argv.slice(2))
  for (const line of lines) console.log(line)
} catch (error) {
  if (error instanceof CliError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(error.message)
    process.exitCode = 2
  } else {
    throw error
  }
} finally {
  await db.close()
}
