import { createBrowserRouter, type RouteObject, RouterProvider } from 'react-router'
import { adminRoute } from '../features/admin/routes'
import { AuthProvider } from '../features/auth/AuthProvider'
import { LoginPage } from '../features/auth/LoginPage'
import { SheetListPage } from '../features/sheets/SheetListPage'
import { EvaluationPrintPage } from '../features/sheets/EvaluationPrintPage'
import { PrintPage } from '../features/sheets/PrintPage'
import { SheetPage } from '../features/sheets/SheetPage'
import { BoardPage, YearsIndex } from '../features/years/BoardPage'
import { BoardPrintPage } from '../features/years/BoardPrintPage'
import { PartnersPage } from '../features/years/PartnersPage'
import { CoveragePage } from '../features/plan/CoveragePage'
import { PlanPage } from '../features/plan/PlanPage'
import { I18nProvider } from '../i18n/I18nProvider'
import { NotFoundPage, RouteErrorPage } from './ErrorPages'
import { LanguageSwitch, Layout } from './Layout'

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
  { path: '/sheets/:id/print', element: <PrintPage /> },
  { path: '/sheets/:id/evaluations/:kind/print', element: <EvaluationPrintPage /> },
  { path: '/years/:year/print', element: <BoardPrintPage /> },
  {
    element: <Layout />,
    children: [
      { path: '/', element: <SheetListPage /> },
      { path: '/sheets/:id', element: <SheetPage /> },
      { path: '/years', element: <YearsIndex /> },
      { path: '/years/:year', element: <BoardPage /> },
      { path: '/partners', element: <PartnersPage /> },
      { path: '/plan', element: <PlanPage /> },
      { path: '/plan/coverage/:year', element: <CoveragePage /> },
      adminRoute,
      // Any other path: the app's own 404 inside the frame (signed-out visitors go to /login first).
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]

// Whatever fails while rendering shows the app's own Japanese page, never react-router's default screen.
const router = createBrowserRouter([{ errorElement: <RouteErrorPage />, children: routes }])

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </I18nProvider>
  )
}
