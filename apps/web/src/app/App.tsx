import { type ComponentType, useEffect } from 'react'
import { createBrowserRouter, matchRoutes, type RouteObject, RouterProvider } from 'react-router'
import { adminRoute } from '../features/admin/routes'
import { AuthProvider } from '../features/auth/AuthProvider'
import { LoginPage } from '../features/auth/LoginPage'
import { I18nProvider } from '../i18n/I18nProvider'
import { NotFoundPage, RouteErrorPage } from './ErrorPages'
import { LanguageSwitch, Layout } from './Layout'
import { Lazy, type LazyComponent, lazyNamed, whenIdle } from './lazyPage'

// Every page is its own chunk, fetched when first shown (issue 18: the sheet page's first load stays
// small); the service worker keeps all of them for offline use.
const SheetListPage = lazyNamed(() => import('../features/sheets/SheetListPage'), 'SheetListPage')
const SheetPage = lazyNamed(() => import('../features/sheets/SheetPage'), 'SheetPage')
const PrintPage = lazyNamed(() => import('../features/sheets/PrintPage'), 'PrintPage')
const EvaluationPrintPage = lazyNamed(() => import('../features/sheets/EvaluationPrintPage'), 'EvaluationPrintPage')
const BoardPage = lazyNamed(() => import('../features/years/BoardPage'), 'BoardPage')
const YearsIndex = lazyNamed(() => import('../features/years/BoardPage'), 'YearsIndex')
const BoardPrintPage = lazyNamed(() => import('../features/years/BoardPrintPage'), 'BoardPrintPage')
const PartnersPage = lazyNamed(() => import('../features/years/PartnersPage'), 'PartnersPage')
const PlanPage = lazyNamed(() => import('../features/plan/PlanPage'), 'PlanPage')
const CoveragePage = lazyNamed(() => import('../features/plan/CoveragePage'), 'CoveragePage')

/** The page's chunk, named on its route so the address the app opens at can fetch it at once. */
const page = (Page: LazyComponent<ComponentType>): Pick<RouteObject, 'element' | 'handle'> => ({
  element: (
    <Lazy>
      <Page />
    </Lazy>
  ),
  handle: { preload: Page.preload },
})

const routes: RouteObject[] = [
  {
    path: '/login',
    element: (
      <>
        <header className="app-header">
          <span className="brand">方針 Hoshin</span>
          <LanguageSwitch />
        </header>
        <LoginPage />
      </>
    ),
  },
  { path: '/sheets/:id/print', ...page(PrintPage) },
  { path: '/sheets/:id/evaluations/:kind/print', ...page(EvaluationPrintPage) },
  { path: '/years/:year/print', ...page(BoardPrintPage) },
  {
    element: <Layout />,
    children: [
      { path: '/', ...page(SheetListPage) },
      { path: '/sheets/:id', ...page(SheetPage) },
      { path: '/years', ...page(YearsIndex) },
      { path: '/years/:year', ...page(BoardPage) },
      { path: '/partners', ...page(PartnersPage) },
      { path: '/plan', ...page(PlanPage) },
      { path: '/plan/coverage/:year', ...page(CoveragePage) },
      adminRoute,
      // Any other path: the app's own 404 inside the frame (signed-out visitors go to /login first).
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]

// The page's code is fetched beside the session check (/api/me), not after it: the frame waits for
// the session before it renders its page.
for (const match of matchRoutes(routes, window.location) ?? []) {
  void (match.route.handle as { preload?: () => Promise<unknown> } | undefined)?.preload?.().catch(() => undefined)
}

// Whatever fails while rendering shows the app's own Japanese page, never react-router's default screen.
const router = createBrowserRouter([{ errorElement: <RouteErrorPage />, children: routes }])

export function App() {
  // The two pages everyone goes between, ready before the first click.
  useEffect(
    () =>
      whenIdle(() => {
        void SheetListPage.preload().catch(() => undefined)
        void SheetPage.preload().catch(() => undefined)
      }),
    [],
  )
  return (
    <I18nProvider>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </I18nProvider>
  )
}
