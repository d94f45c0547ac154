import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Sheet } from '@hoshin/sheet'
import { errors } from '../http/errors.js'
import { ImportError, sheetFromWorkbook } from './xlsx.js'

/** What one parse may take: memory, time, and how many run at once. */
const PARSE_MEMORY_MB = 96
const PARSE_TIMEOUT_MS = 15_000
const PARSES_AT_ONCE = 1

const workerFile = fileURLToPath(new URL('./xlsx-worker.js', import.meta.url))
let running = 0

/**
 * Reads an uploaded workbook in a worker thread with a memory and a time limit, one at a time, so
 * the main thread (everyone's typing) never waits on exceljs and a hostile file cannot take the process's
 * memory. Where the compiled worker is not there (tests run from the TypeScript sources), it reads in
 * this thread instead.
 */
export async function parseWorkbook(data: Uint8Array, expected: { departmentId: string; fiscalYear: number }): Promise<Sheet> {
  if (!existsSync(workerFile)) return sheetFromWorkbook(data, expected)
  if (running >= PARSES_AT_ONCE) throw errors.rateLimited('ほかの取り込みを処理しています。少し待ってからもう一度お試しください。', 5)
  running++
  try {
    return await new Promise<Sheet>((resolve, reject) => {
      const worker = new Worker(workerFile, {
        workerData: { data, expected },
        resourceLimits: { maxOldGenerationSizeMb: PARSE_MEMORY_MB, maxYoungGenerationSizeMb: 32 },
      })
      const timer = setTimeout(() => {
        void worker.terminate()
        reject(new ImportError('invalid_file', 'ファイルの読み取りに時間がかかりすぎました。Hoshin から書き出した .xlsx を選んでください。'))
      }, PARSE_TIMEOUT_MS)
      worker.once('message', (answer: { ok: true; sheet: Sheet } | { ok: false; code: ImportError['code']; message: string; path?: string }) => {
        clearTimeout(timer)
        void worker.terminate()
        if (answer.ok) resolve(answer.sheet)
        else reject(new ImportError(answer.code, answer.message, answer.path))
      })
      // Out of memory, or a crash: the file is refused, the server goes on.
      worker.once('error', () => {
        clearTimeout(timer)
        reject(new ImportError('invalid_file', 'このファイルは読み取れませんでした（大きすぎるか、壊れています）。'))
      })
    })
  } finally {
    running--
  }
}
