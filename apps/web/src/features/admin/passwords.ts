/**
 * Initial passwords: generated here when the admin wants one, listed as a CSV for Excel, copied to the
 * clipboard. They are never stored by the browser.
 */

// No 0/O, 1/l/I: people read these aloud or copy them by hand from a printout.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/** 14 characters from 56 symbols: about 81 bits, well past the server's minimum of 10 characters. */
export function generatePassword(length = 14): string {
  const out: string[] = []
  // Rejection sampling keeps every symbol equally likely (256 is not a multiple of 56).
  const limit = 256 - (256 % ALPHABET.length)
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
    for (const byte of bytes) {
      if (byte < limit && out.length < length) out.push(ALPHABET[byte % ALPHABET.length] ?? '')
    }
  }
  return out.join('')
}

function cell(value: string): string {
  // No formula guard (a leading '): it would become part of a password copied from the sheet. The cells
  // are user names and generated passwords, which start with a letter or digit.
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * The CSV of initial passwords: UTF-8 with a BOM (without it Japanese Excel reads the file as
 * Shift_JIS and garbles the names) and CRLF line ends, as Excel writes them.
 */
export function passwordsCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`
}

/** Starts the download of a text file made in the browser. */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started from the object URL by now; a later revoke frees it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * Copies text. The Clipboard API exists only on secure origins, and town servers are often plain http
 * inside LGWAN, so the older copy command on a selected field is the fallback.
 */
export async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // permission refused: try the field
    }
  }
  if (!field) return false
  field.focus()
  field.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  }
}
