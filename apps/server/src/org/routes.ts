import {
  type AdminDepartmentsResponse,
  type AdminUsersResponse,
  type DepartmentResponse,
  departmentPatchSchema,
  type ImportPlanResponse,
  newDepartmentSchema,
  newSectionSchema,
  newUserSchema,
  orderSchema,
  type PasswordResetResponse,
  roles,
  sectionPatchSchema,
  type UserResponse,
  userPatchSchema,
} from '@hoshin/protocol'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requireActor } from '../auth/middleware.js'
import type { Actor, AppEnv, Services } from '../context.js'
import { errors } from '../http/errors.js'
import { readJson } from '../http/json.js'
import { MAX_CSV_BYTES } from './csv.js'

function requireAdmin(c: Context<AppEnv>): Actor {
  const actor = requireActor(c)
  if (actor.role !== 'admin') throw errors.forbidden()
  return actor
}

/** `/api/admin/*`: the organisation and its accounts, for admins only. */
export function adminRoutes({ org }: Services) {
  const csvLimit = bodyLimit({
    maxSize: MAX_CSV_BYTES,
    onError: () => {
      throw errors.payloadTooLarge('CSV ファイルが大きすぎます（2 MB まで）。')
    },
  })
  const csvBody = async (c: Context<AppEnv>) => new Uint8Array(await c.req.arrayBuffer())

  return (
    new Hono<AppEnv>()
      // Everything below answers 401/403 before reading any body.
      .use('*', async (c, next) => {
        requireAdmin(c)
        await next()
      })
      .get('/departments', async (c) => c.json<AdminDepartmentsResponse>({ departments: await org.departments() }))
      .post('/departments', async (c) => {
        const body = await readJson(c, newDepartmentSchema)
        return c.json<DepartmentResponse>({ department: await org.createDepartment(requireAdmin(c), body) }, 201)
      })
      .put('/departments/order', async (c) => {
        const { ids } = await readJson(c, orderSchema)
        await org.orderDepartments(requireAdmin(c), ids)
        return c.json<AdminDepartmentsResponse>({ departments: await org.departments() })
      })
      .patch('/departments/:id', async (c) => {
        const patch = await readJson(c, departmentPatchSchema)
        return c.json<DepartmentResponse>({ department: await org.patchDepartment(requireAdmin(c), c.req.param('id'), patch) })
      })
      .post('/departments/:id/sections', async (c) => {
        const { name } = await readJson(c, newSectionSchema)
        return c.json<DepartmentResponse>({ department: await org.createSection(requireAdmin(c), c.req.param('id'), name) }, 201)
      })
      .put('/departments/:id/sections/order', async (c) => {
        const { ids } = await readJson(c, orderSchema)
        return c.json<DepartmentResponse>({ department: await org.orderSections(requireAdmin(c), c.req.param('id'), ids) })
      })
      .patch('/sections/:id', async (c) => {
        const patch = await readJson(c, sectionPatchSchema)
        return c.json<DepartmentResponse>({ department: await org.patchSection(requireAdmin(c), c.req.param('id'), patch) })
      })
      .get('/users', async (c) => {
        const role = c.req.query('role')
        if (role && !(roles as readonly string[]).includes(role)) throw errors.validation('role')
        const users = await org.users({
          department: c.req.query('department') || undefined,
          role: role || undefined,
          q: c.req.query('q')?.slice(0, 100) || undefined,
          disabled: c.req.query('disabled') === '1' || c.req.query('disabled') === 'true',
        })
        return c.json<AdminUsersResponse>({ users })
      })
      .post('/users', async (c) => {
        const body = await readJson(c, newUserSchema)
        return c.json<UserResponse>({ user: await org.createUser(requireAdmin(c), body) }, 201)
      })
      .patch('/users/:id', async (c) => {
        const patch = await readJson(c, userPatchSchema)
        return c.json({ user: await org.patchUser(requireAdmin(c), c.req.param('id'), patch) })
      })
      .post('/users/:id/password', async (c) => {
        return c.json<PasswordResetResponse>({ password: await org.resetPassword(requireAdmin(c), c.req.param('id')) })
      })
      .post('/org-import/preview', csvLimit, async (c) => c.json<ImportPlanResponse>((await org.planOrgImport(await csvBody(c))).plan))
      .post('/org-import', csvLimit, async (c) => {
        const data = await csvBody(c)
        return c.json<ImportPlanResponse>(await org.exclusive(async () => (await org.planOrgImport(data)).apply(requireAdmin(c))))
      })
      .post('/transfers/preview', csvLimit, async (c) => c.json<ImportPlanResponse>((await org.planTransfers(await csvBody(c))).plan))
      .post('/transfers', csvLimit, async (c) => {
        const data = await csvBody(c)
        return c.json<ImportPlanResponse>(await org.exclusive(async () => (await org.planTransfers(data)).apply(requireAdmin(c))))
      })
  )
}
