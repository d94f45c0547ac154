import { parentPort, workerData } from 'node:worker_threads'
import { rowsFromWorkbook } from './plan-xlsx.js'

/** Reads one plan workbook off the main thread (see plan-xlsx.ts). */
const { data } = workerData as { data: Uint8Array }
rowsFromWorkbook(data).then(
  (answer) => parentPort?.postMessage(answer),
  () => parentPort?.postMessage({ ok: false, errors: [{ line: 1, message: 'Excel ファイル（.xlsx）として読み取れません。' }] }),
)
