#!/usr/bin/env node
import { loadConfig } from '../env.js'
import { openServices } from '../server.js'
import { CliError, runAdminCommand } from './admin-commands.js'

/** The whole of standard input (a piped password); an interactive terminal gets a prompt first. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('パスワード: ')
  let text = ''
  for await (const chunk of process.stdin) {
    text += chunk
    // Only the first line is wanted: stop there so a terminal need not send end-of-file.
    if (text.includes('\n') || text.length > 1024) break
  }
  return text
}

const { services, db } = await openServices({ ...loadConfig(), logLevel: 'silent' })
try {
  const lines = await runAdminCommand(services, process.argv.slice(2), readStdin)
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
