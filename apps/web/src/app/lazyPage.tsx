import { type ComponentType, type LazyExoticComponent, lazy, type ReactNode, Suspense } from 'react'
import { useI18n } from '../i18n/I18nProvider'

// biome-ignore lint/suspicious/noExplicitAny: React.lazy's own bound; each page keeps its props' type.
type AnyComponent = ComponentType<any>

/** A component loaded on first use, and `preload()` to fetch its chunk sooner (idle, hover, the current address). */
export type LazyComponent<C extends AnyComponent> = LazyExoticComponent<C> & { preload(): Promise<unknown> }

/**
 * `export function SheetPage` of a module that becomes its own chunk: the module keeps its named export
 * (others import it by name; tests too), and the first use or `preload()` fetches it once.
 */
export function lazyNamed<M extends Record<K, AnyComponent>, K extends keyof M>(load: () => Promise<M>, name: K): LazyComponent<M[K]> {
  let loading: Promise<M> | undefined
  const preload = () => {
    // A failed fetch (the network went while offline) is tried again on the next use.
    loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return loading
  }
  return Object.assign(
    lazy(() => preload().then((module) => ({ default: module[name] }))),
    { preload },
  )
}

/** What a page shows while its code arrives: the page's own frame and a line of text, as while its data loads. */
export function PageLoading() {
  const { t } = useI18n()
  return (
    <main id="main" aria-busy="true">
      <p role="status">{t('loading.page')}</p>
    </main>
  )
}

/** A part of a page (a tab, a panel) while its code arrives. */
export function PartLoading() {
  const { t } = useI18n()
  return <p role="status">{t('loading')}</p>
}

/** A page loaded on demand inside its route, the app's header and frame staying as they are. */
export function Lazy({ children, fallback = <PageLoading /> }: { children: ReactNode; fallback?: ReactNode }) {
  return <Suspense fallback={fallback}>{children}</Suspense>
}

/** Runs `work` when the browser has nothing else to do (soon after, where it cannot tell). */
export function whenIdle(work: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: 5000 })
    return () => cancelIdleCallback(handle)
  }
  const timer = setTimeout(work, 1500)
  return () => clearTimeout(timer)
}
