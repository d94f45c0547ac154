import type { Named } from '@hoshin/protocol'
import { newId, nowIso } from './ids.js'
import type { SqlExecutor } from './database.js'

export interface Section extends Named {
  retired: boolean
}

export interface Department extends Named {
  retired: boolean
  /** 職員数 as the sheet's header prints it (null: not given). */
  staffCount: number | null
  sections: Section[]
}

/**
 * Departments (課) and their sections (係 / 室), in the town's own order. Nothing is ever deleted: a
 * retired unit keeps its old sheets and history and only leaves the pickers.
 */
export interface OrgStore {
  upsertDepartment(department: Named): Promise<void>
  upsertSection(departmentId: string, section: Named): Promise<void>
  /** A new department at the end of the order; its id is generated. */
  createDepartment(name: string): Promise<Named>
  createSection(departmentId: string, name: string): Promise<Named>
  renameDepartment(id: string, name: string): Promise<void>
  renameSection(id: string, name: string): Promise<void>
  setDepartmentRetired(id: string, retired: boolean): Promise<void>
  setSectionRetired(id: string, retired: boolean): Promise<void>
  /** 職員数 (null clears it). */
  setStaffCount(id: string, staffCount: number | null): Promise<void>
  /** Renumbers the given ids 1..n in that order. */
  orderDepartments(ids: readonly string[]): Promise<void>
  orderSections(ids: readonly string[]): Promise<void>
  getDepartment(id: string): Promise<Department | undefined>
  getSection(id: string): Promise<(Section & { departmentId: string }) | undefined>
  /** The names of a person's department and section in one statement (every request resolves them). */
  unitNames(departmentId: string | null, sectionId: string | null): Promise<{ department: string | null; section: string | null }>
  /** In the town's order; retired ones only when asked. */
  listDepartments(options?: { includeRetired?: boolean }): Promise<Department[]>
}

interface UnitRow {
  id: string
  name: string
  retiredAt: string | null
}
interface SectionRow extends UnitRow {
  departmentId: string
}
interface DepartmentRow extends UnitRow {
  staffCount: number | null
}

export class SqliteOrgStore implements OrgStore {
  /** Works on the database or on an open transaction (the CSV import applies all or nothing). */
  constructor(private readonly db: SqlExecutor) {}

  async upsertDepartment({ id, name }: Named): Promise<void> {
    await this.db.run(
      `INSERT INTO departments (id, name, created_at, sort_order) VALUES (?, ?, ?, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM departments))
       ON CONFLICT (id) DO UPDATE SET name = excluded.name`,
      [id, name, nowIso()],
    )
  }

  async upsertSection(departmentId: string, { id, name }: Named): Promise<void> {
    await this.db.run(
      `INSERT INTO sections (id, department_id, name, sort_order) VALUES (?, ?, ?, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM sections))
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, department_id = excluded.department_id`,
      [id, departmentId, name],
    )
  }

  async createDepartment(name: string): Promise<Named> {
    const department = { id: newId('d'), name }
    await this.upsertDepartment(department)
    return department
  }

  async createSection(departmentId: string, name: string): Promise<Named> {
    const section = { id: newId('s'), name }
    await this.upsertSection(departmentId, section)
    return section
  }

  async renameDepartment(id: string, name: string): Promise<void> {
    await this.db.run('UPDATE departments SET name = ? WHERE id = ?', [name, id])
  }

  async renameSection(id: string, name: string): Promise<void> {
    await this.db.run('UPDATE sections SET name = ? WHERE id = ?', [name, id])
  }

  async setDepartmentRetired(id: string, retired: boolean): Promise<void> {
    await this.db.run('UPDATE departments SET retired_at = ? WHERE id = ?', [retired ? nowIso() : null, id])
  }

  async setSectionRetired(id: string, retired: boolean): Promise<void> {
    await this.db.run('UPDATE sections SET retired_at = ? WHERE id = ?', [retired ? nowIso() : null, id])
  }

  async setStaffCount(id: string, staffCount: number | null): Promise<void> {
    await this.db.run('UPDATE departments SET staff_count = ? WHERE id = ?', [staffCount, id])
  }

  async orderDepartments(ids: readonly string[]): Promise<void> {
    for (const [i, id] of ids.entries()) await this.db.run('UPDATE departments SET sort_order = ? WHERE id = ?', [i + 1, id])
  }

  async orderSections(ids: readonly string[]): Promise<void> {
    for (const [i, id] of ids.entries()) await this.db.run('UPDATE sections SET sort_order = ? WHERE id = ?', [i + 1, id])
  }

  async getDepartment(id: string): Promise<Department | undefined> {
    const row = await this.db.get<DepartmentRow>('SELECT id, name, retired_at AS retiredAt, staff_count AS staffCount FROM departments WHERE id = ?', [id])
    if (!row) return undefined
    const sections = await this.db.all<UnitRow>(
      'SELECT id, name, retired_at AS retiredAt FROM sections WHERE department_id = ? ORDER BY sort_order, rowid',
      [id],
    )
    return { ...unit(row), staffCount: count(row.staffCount), sections: sections.map(unit) }
  }

  async unitNames(departmentId: string | null, sectionId: string | null): Promise<{ department: string | null; section: string | null }> {
    const row = await this.db.get<{ department: string | null; section: string | null }>(
      'SELECT (SELECT name FROM departments WHERE id = ?) AS department, (SELECT name FROM sections WHERE id = ?) AS section',
      [departmentId, sectionId],
    )
    return { department: row?.department ?? null, section: row?.section ?? null }
  }

  async getSection(id: string): Promise<(Section & { departmentId: string }) | undefined> {
    const row = await this.db.get<SectionRow>(
      'SELECT id, name, retired_at AS retiredAt, department_id AS departmentId FROM sections WHERE id = ?',
      [id],
    )
    return row ? { ...unit(row), departmentId: row.departmentId } : undefined
  }

  async listDepartments({ includeRetired = false } = {}): Promise<Department[]> {
    const departments = await this.db.all<DepartmentRow>(
      'SELECT id, name, retired_at AS retiredAt, staff_count AS staffCount FROM departments ORDER BY sort_order, rowid',
    )
    const sections = await this.db.all<SectionRow>(
      'SELECT id, name, retired_at AS retiredAt, department_id AS departmentId FROM sections ORDER BY sort_order, rowid',
    )
    return departments
      .filter((d) => includeRetired || !d.retiredAt)
      .map((d) => ({
        ...unit(d),
        staffCount: count(d.staffCount),
        sections: sections.filter((s) => s.departmentId === d.id && (includeRetired || !s.retiredAt)).map(unit),
      }))
  }
}

/** A count column as a number (PostgreSQL's BIGINT may arrive as a string through some paths). */
function count(value: number | string | null): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function unit(row: UnitRow): Section {
  return { id: row.id, name: row.name, retired: row.retiredAt !== null }
}
