import { Navigate, type RouteObject } from 'react-router'
import { AdminPage } from './AdminPage'
import { CsvImportTab } from './CsvImportTab'
import { OrgTab } from './OrgTab'
import { UsersTab } from './UsersTab'

/** `/admin` and its tabs, mounted inside the signed-in Layout. */
export const adminRoute: RouteObject = {
  path: '/admin',
  element: <AdminPage />,
  children: [
    { index: true, element: <Navigate to="org" replace /> },
    { path: 'org', element: <OrgTab /> },
    { path: 'users', element: <UsersTab /> },
    // key: the two imports are separate flows; switching tabs must not carry one's preview into the other.
    { path: 'import', element: <CsvImportTab key="org" kind="org" /> },
    { path: 'transfers', element: <CsvImportTab key="transfers" kind="transfers" /> },
  ],
}
