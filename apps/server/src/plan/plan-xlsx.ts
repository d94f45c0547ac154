import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CsvLineError } from '@hoshin/protocol'
import type ExcelJS from 'exceljs'
import { errors } from '../http/errors.js'
import type { CsvRow } from '../org/csv.js'
import { checkZip, ZipRefused } from '../output/zip-guard.js'

/** A plan of 116 KPI is ~120 lines; past these a workbook is no plan (and would cost memory to read). */
export const MAX_PLAN_ROWS = 2000
const MAX_COLUMNS = 40
const MAX_CELL_CHARS = 1000
const PARSE_MEMORY_MB = 96
const PARSE_TIMEOUT_MS = 15_000

export type WorkbookRows = { ok: true; rows: CsvRow[] } | { ok: false; errors: CsvLineError[] }

function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value
  if (v === null || v === undefined) return ''
  if (typeof v === 'object' && 'richText' in v) return v.richText.map((r) => r.text).join('')
  if (typeof v === 'object' && 'result' in v) return String(v.result ?? '')
  if (typeof v === 'object' && 'text' in v) return String(v.text)
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  return String(v)
}

/**
 * The first worksheet's lines as CSV lines (line = Excel row number), within bounds: the archive is
 * checked before exceljs touches it (zip-guard), then rows, columns and cell sizes.
 */
export async function rowsFromWorkbook(data: Uint8Array): Promise<WorkbookRows> {
  const refuse = (message: string): WorkbookRows => ({ ok: false, errors: [{ line: 1, message }] })
  try {
    checkZip(data)
  } catch (error) {
    if (!(error instanceof ZipRefused)) throw error
    return refuse('この Excel ファイルは展開すると大きすぎるか、壊れています。')
  }
  const workbook = new (await import('exceljs')).default.Workbook()
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer)
  } catch {
    return refuse('Excel ファイル（.xlsx）として読み取れません。')
  }
  const ws = workbook.worksheets[0]
  if (!ws) return refuse('ワークシートがありません。')
  if (ws.rowCount > MAX_PLAN_ROWS) return refuse(`行が多すぎます（${MAX_PLAN_ROWS.toLocaleString('ja-JP')} 行まで）。`)
  const rows: CsvRow[] = []
  const errs: CsvLineError[] = []
  ws.eachRow((row) => {
    const cells: string[] = []
    const count = Math.min(row.cellCount, MAX_COLUMNS)
    for (let c = 1; c <= count; c++) cells.push(cellText(row.getCell(c)).replace(/\r\n?/g, '\n'))
    if (cells.some((c) => c.length > MAX_CELL_CHARS)) errs.push({ line: row.number, message: `セルの文字が多すぎます（${MAX_CELL_CHARS.toLocaleString('ja-JP')} 文字まで）。` })
    else if (cells.some((c) => c.trim())) rows.push({ line: row.number, cells })
  })
  return errs.length ? { ok: false, errors: errs } : { ok: true, rows }
}

const workerFile = fileURLToPath(new URL('./plan-xlsx-worker.js', import.meta.url))
let running = 0

/**
 * Reads the workbook in a worker thread with a memory and a time limit, one at a time (as the sheet
 * import, output/xlsx-parse.ts): a hostile file never takes the main thread or the process's memory.
 * Where the compiled worker is not there (tests from the TypeScript sources) it reads in this thread.
 */
export async function readPlanWorkbook(data: Uint8Array): Promise<WorkbookRows> {
  if (!existsSync(workerFile)) return rowsFromWorkbook(data)
  if (running >= 1) throw errors.rateLimited('ほかの取り込みを処理しています。少し待ってからもう一度お試しください。', 5)
  running++
  try {
    return await new Promise<WorkbookRows>((resolve) => {
      const worker = new Worker(workerFile, { workerData: { data }, resourceLimits: { maxOldGenerationSizeMb: PARSE_MEMORY_MB, maxYoungGenerationSizeMb: 32 } })
      const failed = (message: string) => resolve({ ok: false, errors: [{ line: 1, message }] })
      const timer = setTimeout(() => {
        void worker.terminate()
        failed('ファイルの読み取りに時間がかかりすぎました。')
      }, PARSE_TIMEOUT_MS)
      worker.once('message', (answer: WorkbookRows) => {
        clearTimeout(timer)
        void worker.terminate()
        resolve(answer)
      })
      worker.once('error', () => {
        clearTimeout(timer)
        failed('このファイルは読み取れませんでした（大きすぎるか、壊れています）。')
      })
    })
  } finally {
    running--
  }
}
