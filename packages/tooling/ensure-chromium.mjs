// Browser tests drive Debian's Chromium (never a downloaded browser: only the npm registry and Debian's
// apt are reachable here). Installs it with the CJK fonts when missing (Japanese renders as boxes without
// them), and poppler-utils, whose pdftotext/pdftoppm check the PDF of the print view.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const chromium = process.env.HOSHIN_CHROMIUM || '/usr/bin/chromium'
const cjkFonts = ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', '/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf']

const haveBrowser = existsSync(chromium)
const haveFonts = cjkFonts.some((f) => existsSync(f))
const havePoppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdftoppm')
if (haveBrowser && haveFonts && havePoppler) process.exit(0)

const missing = [!haveBrowser && 'chromium', !haveFonts && 'fonts-noto-cjk', !havePoppler && 'poppler-utils'].filter(Boolean)
if (process.getuid?.() !== 0) {
  console.error(`Browser tests need ${missing.join(' and ')}. Install as root:\n  apt-get install -y --no-install-recommends chromium fonts-noto-cjk poppler-utils`)
  process.exit(1)
}
console.log(`Installing ${missing.join(', ')} from Debian…`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-noto-cjk', 'poppler-utils'], { stdio: 'inherit', env })
