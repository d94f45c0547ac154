import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { type Catalog, ja, type Locale, loadCatalog, loadedCatalog, type MessageKey } from './catalog'
import { townTimeZone } from '../app/town-zone'

const STORAGE_KEY = 'hoshin.locale'

interface I18n {
  locale: Locale
  setLocale(locale: Locale): void
  t(key: MessageKey): string
}

const I18nContext = createContext<I18n | null>(null)

/** Japanese unless the person chose English before on this machine (storage unreadable: Japanese). */
export function initialLocale(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Locale {
  try {
    return storage?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja'
  } catch {
    return 'ja'
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  // The locale changes with its strings: English, not loaded yet, shows once its chunk is here (main.tsx
  // loads it before the first render when it was chosen before, so nothing shows in Japanese first).
  const [state, setState] = useState<{ locale: Locale; catalog: Catalog }>(() => {
    const locale = initialLocale()
    const catalog = loadedCatalog(locale)
    return catalog ? { locale, catalog } : { locale: 'ja', catalog: ja }
  })
  const { locale, catalog } = state
  const show = useCallback((next: Locale) => {
    const here = loadCatalog(next)
    if (!(here instanceof Promise)) return setState({ locale: next, catalog: here })
    // Offline with the chunk never fetched: the page stays in the language it shows.
    here.then((c) => setState({ locale: next, catalog: c })).catch(() => undefined)
  }, [])
  useEffect(() => {
    // Chosen before, but its strings were not here for the first render.
    const chosen = initialLocale()
    if (!loadedCatalog(chosen)) show(chosen)
  }, [show])
  useEffect(() => {
    document.documentElement.lang = locale
  }, [locale])
  const setLocale = useCallback(
    (next: Locale) => {
      show(next)
      try {
        localStorage.setItem(STORAGE_KEY, next)
      } catch {
        // Private mode: the choice lasts for this page only.
      }
    },
    [show],
  )
  const value = useMemo<I18n>(() => ({ locale, setLocale, t: (key) => catalog[key] }), [locale, catalog, setLocale])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n outside I18nProvider')
  return value
}

/** A date and time as people read it in the chosen language (2026/11/24 5:17 or 24/11/2026, 05:17), in the town's time zone. */
export function formatDateTime(iso: string | null, locale: string, dateStyle: 'short' | 'medium' = 'short'): string {
  return iso ? new Date(iso).toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle, timeStyle: 'short', timeZone: townTimeZone() }) : ''
}
