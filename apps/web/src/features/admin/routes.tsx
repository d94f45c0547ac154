import { Navigate, type RouteObject } from 'react-router'
import { Lazy, lazyNamed, PartLoading } from '../../app/lazyPage'

// The admin area is loaded when an admin opens it, never with the sheet pages (issue 18).
const AdminPage = lazyNamed(() => import('./AdminPage'), 'AdminPage')
const CsvImportTab = lazyNamed(() => import('./CsvImportTab'), 'CsvImportTab')
const OrgTab = lazyNamed(() => import('./OrgTab'), 'OrgTab')
const UsersTab = lazyNamed(() => import('./UsersTab'), 'UsersTab')

/** `/admin` and its tabs, mounted inside the signed-in Layout. */
export const adminRoute: RouteObject = {
  path: '/admin',
  element: (
    <Lazy>
      <AdminPage />
    </Lazy>
  ),
  handle: { preload: AdminPage.preload },
  children: [
    { index: true, element: <Navigate to="org" replace /> },
    {
      path: 'org',
      element: (
        <Lazy fallback={<PartLoading />}>
          <OrgTab />
        </Lazy>
      ),
    },
    {
      path: 'users',
      element: (
        <Lazy fallback={<PartLoading />}>
          <UsersTab />
        </Lazy>
      ),
    },
    // key: the two imports are separate flows; switching tabs must not carry one's preview into the other.
    {
      path: 'import',
      element: (
        <Lazy fallback={<PartLoading />}>
          <CsvImportTab key="org" kind="org" />
        </Lazy>
      ),
    },
    {
      path: 'transfers',
      element: (
        <Lazy fallback={<PartLoading />}>
          <CsvImportTab key="transfers" kind="transfers" />
        </Lazy>
      ),
    },
  ],
}
