import { TOWN_TIME_ZONE } from '@hoshin/sheet'

const KEY = 'hoshin-time-zone'

function valid(zone: string | null | undefined): zone is string {
  if (!zone) return false
  try {
    new Intl.DateTimeFormat('ja-JP', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

function stored(): string | null {
  try {
    return globalThis.localStorage?.getItem(KEY) ?? null
  } catch {
    return null
  }
}

/**
 * Checked on first use, not when this module loads: the first Intl.DateTimeFormat of a page costs ~100 ms
 * (issue 18), and most pages show no time while they open.
 */
let zone: string | undefined
/** The zone /api/me told, checked with the one above. */
let told: string | undefined

/**
 * The town's time zone (the server's HOSHIN_TIME_ZONE, Asia/Tokyo by default): every date and time on
 * screen and in print is shown in it, not in the zone this PC's clock happens to be set to. Told by
 * /api/me; remembered for opening the app offline.
 */
export function townTimeZone(): string {
  if (zone === undefined) {
    const remembered = stored()
    zone = valid(remembered) ? remembered : TOWN_TIME_ZONE
  }
  const next = told
  told = undefined
  if (next !== undefined && next !== zone && valid(next)) {
    zone = next
    try {
      globalThis.localStorage?.setItem(KEY, next)
    } catch {
      // private mode: the zone is still right for this page
    }
  }
  return zone
}

export function setTownTimeZone(next: string | undefined): void {
  if (!next) return
  told = next
  // Remembered for an offline start even if this page shows no time.
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => townTimeZone(), { timeout: 5000 })
  else townTimeZone()
}
