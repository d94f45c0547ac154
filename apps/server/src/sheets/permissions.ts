import { SPECIAL_PARTNERS, type Sheet } from '@hoshin/sheet'
import type { Actor } from '../context.js'
import type { SheetRecord } from '../persistence/sheet-store.js'

/** Roles that write their own department's sheet. 企画 (planning) and admin read, they do not write. */
const editorRoles = new Set(['staff', 'lead', 'head'])
/** Roles that read every department's sheet. */
const townWideReaders = new Set(['planning', 'admin'])

const ALL_DEPARTMENTS = SPECIAL_PARTNERS[0] // 全課

/**
 * Who may read a sheet (least privilege, as town rules ask):
 * - everyone in the sheet's own department;
 * - 企画 (planning) and admin, town-wide;
 * - another department when the sheet involves it: a measure or project names it as 連携課, or names
 *   全課 (all departments). 関係課 ("the departments concerned") names nobody in particular and grants nothing.
 * `content` is only consulted for that last rule.
 */
export function canReadSheet(actor: Actor, sheet: SheetRecord, content: () => Promise<Sheet>): Promise<boolean> {
  if (actor.department?.id === sheet.departmentId || townWideReaders.has(actor.role)) return Promise.resolve(true)
  const department = actor.department
  if (!department) return Promise.resolve(false)
  return content().then((sheetContent) => partnerDepartments(sheetContent).has(department))
}

/**
 * The departments a sheet involves as partners ([S12]): an entry is a department's id, so renaming a
 * department changes nobody's access; 全課 stands for every department. An entry written before
 * partners were ids is a department's name and still counts for that department.
 */
export function partnerDepartments(sheet: Sheet): { has(department: { id: string; name: string }): boolean } {
  const entries = new Set<string>()
  for (const row of [...sheet.measures, ...sheet.projects]) for (const p of row.partners) entries.add(p)
  const all = entries.has(ALL_DEPARTMENTS)
  return { has: (department) => all || entries.has(department.id) || entries.has(department.name) }
}

/** Staff, section leads and the head of the sheet's own department change its content. */
export function canEditSheet(actor: Actor, sheet: SheetRecord): boolean {
  return actor.department?.id === sheet.departmentId && editorRoles.has(actor.role)
}
