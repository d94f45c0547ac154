/**
 * Bidirectional-control characters (RTL override and friends): in a name or a comment they make text
 * read differently from what it is (「課長」 shown where another name is stored). Nothing in a Japanese
 * town's planning needs them; they are removed where text comes in.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '')
}
