import { type CsvLineError, withoutBidiControls } from '@hoshin/protocol'

/** A town has a few hundred staff; this leaves room and keeps one upload from taking the server's memory. */
export const MAX_CSV_LINES = 5000
export const MAX_LINE_CHARS = 1000
/** Bytes of one line, checked before decoding so that a 1 MB line is never turned into a string. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 3
export const MAX_CSV_BYTES = 2 * 1024 * 1024

export interface CsvRow {
  /** 1-based line of the file. */
  line: number
  cells: string[]
}

export type CsvResult = { ok: true; rows: CsvRow[]; encoding: 'utf-8' | 'shift_jis' } | { ok: false; errors: CsvLineError[] }

const utf8 = new TextDecoder('utf-8', { fatal: true })
const sjis = new TextDecoder('shift_jis', { fatal: true })

type LineKind = 'ascii' | 'utf-8' | 'shift_jis' | 'invalid'

function kindOf(bytes: Uint8Array): LineKind {
  if (bytes.every((b) => b < 0x80)) return 'ascii'
  try {
    utf8.decode(bytes)
    return 'utf-8'
  } catch {
    try {
      sjis.decode(bytes)
      return 'shift_jis'
    } catch {
      return 'invalid'
    }
  }
}

/**
 * Reads a CSV file as town offices have it: UTF-8 with or without BOM, or Shift_JIS (CP932, what
 * Japanese Excel writes by default). The encoding is decided per line, so a file pasted together from
 * both is refused with the lines that differ rather than read as mojibake. Fields may be quoted
 * ("a,b", "" for a quote); a quoted field does not span lines (no organisation field needs a newline).
 */
export function readCsv(data: Uint8Array): CsvResult {
  let bytes = data
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
  const errors: CsvLineError[] = []
  const lines: { line: number; bytes: Uint8Array; kind: LineKind }[] = []
  let start = 0
  let line = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end === -1) end = bytes.length
    line++
    let stop = end
    if (stop > start && bytes[stop - 1] === 0x0d) stop--
    const slice = bytes.subarray(start, stop)
    start = end + 1
    if (slice.length === 0 && end === bytes.length) break
    if (line > MAX_CSV_LINES + 1) {
      errors.push({ line, message: `行が多すぎます（見出しを除いて ${MAX_CSV_LINES.toLocaleString('ja-JP')} 行まで）。` })
      break
    }
    if (slice.length > MAX_LINE_BYTES) {
      errors.push({ line, message: `1 行が長すぎます（${MAX_LINE_CHARS.toLocaleString('ja-JP')} 文字まで）。` })
      continue
    }
    lines.push({ line, bytes: slice, kind: kindOf(slice) })
  }
  const utf8Lines = lines.filter((l) => l.kind === 'utf-8')
  const sjisLines = lines.filter((l) => l.kind === 'shift_jis')
  for (const l of lines) if (l.kind === 'invalid') errors.push({ line: l.line, message: '文字コードを読み取れません（UTF-8 または Shift_JIS で保存してください）。' })
  if (utf8Lines.length && sjisLines.length) {
    const minority = utf8Lines.length >= sjisLines.length ? sjisLines : utf8Lines
    const other = minority === sjisLines ? 'UTF-8' : 'Shift_JIS'
    for (const l of minority) {
      errors.push({ line: l.line, message: `文字コードが混在しています（この行だけ ${other} ではありません）。ファイル全体を同じ文字コードで保存してください。` })
    }
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) }
  const encoding = sjisLines.length ? 'shift_jis' : 'utf-8'
  const decoder = encoding === 'shift_jis' ? sjis : utf8
  const rows: CsvRow[] = []
  for (const l of lines) {
    const text = decoder.decode(l.bytes)
    if ([...text].length > MAX_LINE_CHARS) {
      errors.push({ line: l.line, message: `1 行が長すぎます（${MAX_LINE_CHARS.toLocaleString('ja-JP')} 文字まで）。` })
      continue
    }
    const cells = splitLine(text)
    if (!cells) {
      errors.push({ line: l.line, message: '引用符（"）が閉じていません。' })
      continue
    }
    if (cells.every((c) => c.trim() === '')) continue
    rows.push({ line: l.line, cells })
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows, encoding }
}

/** One CSV line into its fields (RFC 4180 quoting); null when a quote is left open. */
function splitLine(text: string): string[] | null {
  const cells: string[] = []
  let i = 0
  for (;;) {
    let cell = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) return null
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"'
            i += 2
            continue
          }
          i++
          break
        }
        cell += text[i++]
      }
      // Anything between the closing quote and the comma is kept, as Excel does.
      while (i < text.length && text[i] !== ',') cell += text[i++]
    } else {
      while (i < text.length && text[i] !== ',') cell += text[i++]
    }
    cells.push(cell)
    if (i >= text.length) return cells
    i++ // the comma
  }
}

/** For matching headers, roles and user names: full-width letters and digits as ASCII, spaces trimmed. */
export function normalise(value: string): string {
  return value.normalize('NFKC').trim()
}

/** A name as the town wrote it, without the surrounding (full-width) spaces. */
export function cleanName(value: string): string {
  return withoutBidiControls(value).trim()
}
