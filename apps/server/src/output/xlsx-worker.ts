import { parentPort, workerData } from 'node:worker_threads'
import { ImportError, sheetFromWorkbook } from './xlsx.js'

/** Runs one workbook parse off the main thread (see xlsx-parse.ts); answers with the sheet or the refusal. */
const { data, expected } = workerData as { data: Uint8Array; expected: { departmentId: string; fiscalYear: number } }
sheetFromWorkbook(data, expected).then(
  (sheet) => parentPort?.postMessage({ ok: true, sheet }),
  (error: unknown) =>
    parentPort?.postMessage(
      error instanceof ImportError
        ? { ok: false, code: error.code, message: error.message, path: error.path }
        : { ok: false, code: 'invalid_file', message: 'Excel ファイルとして読み取れません。Hoshin から書き出した .xlsx を選んでください。' },
    ),
)
