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

let zone: string = valid(stored()) ? (stored() as string) : TOWN_TIME_ZONE

/**
 * The town's time zone (the server's HOSHIN_TIME_ZONE, Asia/Tokyo by default): every date and time on
 * screen and in print is shown in it, not in the zone this PC's clock happens to be set to. Told by
 * /api/me; remembered for opening the app offline.
 */
export function townTimeZone(): string {
  return zone
}

export function setTownTimeZone(next: string | undefined): void {
  if (!valid(next) || next === zone) return
  zone = next
  try {
    globalThis.localStorage?.setItem(KEY, next)
  } catch {
    // private mode: the zone is still right for this page
  }
}
