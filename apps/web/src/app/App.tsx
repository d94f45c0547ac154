import { createBrowserRouter, RouterProvider } from 'react-router'
import { AuthProvider } from '../features/auth/AuthProvider'
import { LoginPage } from '../features/auth/LoginPage'
import { SheetListPage } from '../features/sheets/SheetListPage'
import { PrintPage } from '../features/sheets/PrintPage'
import { SheetPage } from '../features/sheets/SheetPage'
import { I18nProvider } from '../i18n/I18nProvider'
import { LanguageSwitch, Layout } from './Layout'

const router = createBrowserRouter([
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
  {
    element: <Layout />,
    children: [
      { path: '/', element: <SheetListPage /> },
      { path: '/sheets/:id', element: <SheetPage /> },
    ],
  },
])

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </I18nProvider>
  )
}
