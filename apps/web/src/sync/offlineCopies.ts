import { fromBase64, toBase64 } from 'lib0/buffer'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'

/**
 * This PC's copies of the sheets a person opened, so that edits made offline survive a reload: the
 * IndexedDB copy (y-indexeddb) and a synchronous copy written at pagehide. Every copy is keyed by the
 * person: on a shared PC the next person to open the same sheet must never push the previous person's
 * unsent edits under their own name. Which sheets hold changes not yet stored on the server is kept in
 * a small list per person, read at logout.
 */

const PREFIX = 'hoshin-sheet-'
const UNLOAD_PREFIX = 'hoshin-unload-'
const PENDING_PREFIX = 'hoshin-pending-'

export function copyName(userId: string, sheetId: string): string {
  return `${PREFIX}${userId}-${sheetId}`
}

function unloadKey(userId: string, sheetId: string): string {
  return `${UNLOAD_PREFIX}${userId}-${sheetId}`
}

/** IndexedDB writes are asynchronous; on pagehide the whole sheet (tens of KiB) is also written synchronously. */
export function saveUnloadCopy(userId: string, sheetId: string, doc: Y.Doc): void {
  try {
    localStorage.setItem(unloadKey(userId, sheetId), toBase64(Y.encodeStateAsUpdate(doc)))
  } catch {
    // quota or private mode: IndexedDB still has all but the last moment
  }
}

/** Merges the synchronous copy back (Yjs merges are idempotent); y-indexeddb takes it over. */
export function restoreUnloadCopy(userId: string, sheetId: string, doc: Y.Doc): void {
  try {
    const saved = localStorage.getItem(unloadKey(userId, sheetId))
    if (!saved) return
    localStorage.removeItem(unloadKey(userId, sheetId))
    Y.applyUpdate(doc, fromBase64(saved))
  } catch {
    // a damaged copy is ignored; IndexedDB and the server hold the rest
  }
}

function readPending(userId: string): string[] {
  try {
    const raw = localStorage.getItem(PENDING_PREFIX + userId)
    const list: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/** Records whether this person's copy of a sheet holds changes the server has not stored yet. */
export function setPending(userId: string, sheetId: string, pending: boolean): void {
  const list = new Set(readPending(userId))
  if (pending === list.has(sheetId)) return
  if (pending) list.add(sheetId)
  else list.delete(sheetId)
  try {
    if (list.size) localStorage.setItem(PENDING_PREFIX + userId, JSON.stringify([...list]))
    else localStorage.removeItem(PENDING_PREFIX + userId)
  } catch {
    // storage unavailable: logout cannot warn, the copies stay keyed by person
  }
}

/** The sheets whose copies hold changes not yet stored on the server. */
export function pendingSheets(userId: string): string[] {
  return readPending(userId)
}

async function deleteDatabase(name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => resolve()
    request.onblocked = () => resolve()
  })
}

/** Removes one sheet's copies for this person (a late change was kept aside by the server). */
export async function clearSheetCopy(userId: string, sheetId: string): Promise<void> {
  try {
    localStorage.removeItem(unloadKey(userId, sheetId))
  } catch {
    // nothing stored
  }
  setPending(userId, sheetId, false)
  await deleteDatabase(copyName(userId, sheetId))
}

/**
 * At logout: every copy of this person's sheets goes (`userId`), and every copy written before copies
 * were keyed by person (nobody can tell whose edits they hold; also at login, with `userId` null).
 */
export async function clearCopies(userId: string | null): Promise<void> {
  const mine = (rest: string) => userId !== null && rest.startsWith(`${userId}-`)
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(UNLOAD_PREFIX) && mine(key.slice(UNLOAD_PREFIX.length))) localStorage.removeItem(key)
      else if (userId !== null && key === PENDING_PREFIX + userId) localStorage.removeItem(key)
      else if (key.startsWith(UNLOAD_PREFIX) && isLegacy(key.slice(UNLOAD_PREFIX.length))) localStorage.removeItem(key)
    }
  } catch {
    // storage unavailable
  }
  const databases = (await indexedDB.databases?.().catch(() => [])) ?? []
  for (const { name } of databases) {
    if (!name?.startsWith(PREFIX)) continue
    const rest = name.slice(PREFIX.length)
    if (mine(rest) || isLegacy(rest)) await deleteDatabase(name)
  }
}

/** A copy named by the sheet alone (`sh_…`), written before copies carried the person's id. */
function isLegacy(rest: string): boolean {
  return /^sh_[^-]*$/.test(rest)
}

/** Opens this person's copy of a sheet into `doc` (IndexedDB and the synchronous copy). */
export function openCopy(userId: string, sheetId: string, doc: Y.Doc): IndexeddbPersistence {
  restoreUnloadCopy(userId, sheetId, doc)
  return new IndexeddbPersistence(copyName(userId, sheetId), doc)
}
