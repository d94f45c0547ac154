import { inflateRawSync } from 'node:zlib'

/** What an uploaded .xlsx may hold. A sheet's export inflates to ~40 KB, a year's workbook of 30 departments to ~1 MB. */
export interface ZipLimits {
  entries: number
  /** Bytes all entries inflate to, together. */
  totalBytes: number
  /** How many times larger than its compressed form an entry may inflate (Apache POI's ZipSecureFile: 100). */
  ratio: number
}

export const defaultZipLimits: ZipLimits = { entries: 100, totalBytes: 4 * 1024 * 1024, ratio: 100 }

export class ZipRefused extends Error {}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/**
 * Checks a ZIP archive before anything parses it, as Apache POI's ZipSecureFile does: the number of
 * entries, what they inflate to, and each entry's compression ratio — from the central directory, then
 * for real, by inflating every entry with an output cap (an archive may understate its sizes). A zip bomb
 * (1.5 MB expanding to 1.5 GB) is refused after at most `totalBytes` of work, without exceljs touching it.
 */
export function checkZip(data: Uint8Array, limits: ZipLimits = defaultZipLimits): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let eocd = -1
  for (let i = data.byteLength - 22; i >= Math.max(0, data.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new ZipRefused('not a zip archive')
  const count = view.getUint16(eocd + 10, true)
  let offset = view.getUint32(eocd + 16, true)
  if (count > limits.entries) throw new ZipRefused(`${count} entries`)
  let total = 0
  for (let n = 0; n < count; n++) {
    if (offset + 46 > data.byteLength || view.getUint32(offset, true) !== CENTRAL) throw new ZipRefused('broken central directory')
    const method = view.getUint16(offset + 10, true)
    const compressed = view.getUint32(offset + 20, true)
    const size = view.getUint32(offset + 24, true)
    const nameLength = view.getUint16(offset + 28, true)
    const extraLength = view.getUint16(offset + 30, true)
    const commentLength = view.getUint16(offset + 32, true)
    const local = view.getUint32(offset + 42, true)
    if (size > limits.totalBytes - total) throw new ZipRefused('too large when inflated')
    if (size > Math.max(compressed, 1) * limits.ratio && size > 64 * 1024) throw new ZipRefused('compression ratio')
    if (local + 30 > data.byteLength || view.getUint32(local, true) !== LOCAL) throw new ZipRefused('broken entry')
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    const body = data.subarray(start, start + compressed)
    if (method === 8) {
      // Inflated for real, never past the size the directory declares: a lying archive stops here.
      try {
        inflateRawSync(body, { maxOutputLength: Math.max(size, 1) })
      } catch {
        throw new ZipRefused('entry inflates past its declared size, or is broken')
      }
    } else if (method !== 0 || compressed !== size) {
      throw new ZipRefused('unsupported compression')
    }
    total += size
    offset += 46 + nameLength + extraLength + commentLength
  }
}
