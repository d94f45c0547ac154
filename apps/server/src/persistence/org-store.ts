import type { Named } from '@hoshin/protocol'
import type { SqliteDatabase } from './sqlite.js'
import { nowIso } from './ids.js'

export interface Department extends Named {
  sections: Named[]
}

/** Departments (課) and their sections (係 / 室). */
export interface OrgStore {
  upsertDepartment(department: Named): Promise<void>
  upsertSection(departmentId: string, section: Named): Promise<void>
  getDepartment(id: string): Promise<Department | undefined>
  getSection(id: string): Promise<(Named & { departmentId: string }) | undefined>
  listDepartments(): Promise<Department[]>
}

export class SqliteOrgStore implements OrgStore {
  constructor(private readonly db: SqliteDatabase) {}

  async upsertDepartment({ id, name }: Named): Promise<void> {
    await this.db.run(
      `INSERT INTO departments (id, name, created_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name`,
      [id, name, nowIso()],
    )
  }

  async upsertSection(departmentId: string, { id, name }: Named): Promise<void> {
    await this.db.run(
      `INSERT INTO sections (id, department_id, name) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, department_id = excluded.department_id`,
      [id, departmentId, name],
    )
  }

  async getDepartment(id: string): Promise<Department | undefined> {
    const row = await this.db.get<Named>('SELECT id, name FROM departments WHERE id = ?', [id])
    if (!row) return undefined
    const sections = await this.db.all<Named>('SELECT id, name FROM sections WHERE department_id = ? ORDER BY rowid', [id])
    return { id: row.id, name: row.name, sections }
  }

  async getSection(id: string): Promise<(Named & { departmentId: string }) | undefined> {
    return this.db.get<Named & { departmentId: string }>(
      'SELECT id, name, department_id AS departmentId FROM sections WHERE id = ?',
      [id],
    )
  }

  async listDepartments(): Promise<Department[]> {
    const departments = await this.db.all<Named>('SELECT id, name FROM departments ORDER BY rowid')
    const sections = await this.db.all<Named & { departmentId: string }>(
      'SELECT id, name, department_id AS departmentId FROM sections ORDER BY rowid',
    )
    return departments.map((d) => ({
      id: d.id,
      name: d.name,
      sections: sections.filter((s) => s.departmentId === d.id).map(({ id, name }) => ({ id, name })),
    }))
  }
}
