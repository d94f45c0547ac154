import { SPECIAL_PARTNERS, type Sheet } from './schema.js'

export interface DepartmentName {
  id: string
  name: string
}

const specials: readonly string[] = SPECIAL_PARTNERS

/** How a 連携課 entry reads to people ([S12]): a department id as its name; 全課, 関係課 and unknown entries as written. */
export function partnerLabel(entry: string, departments: readonly DepartmentName[]): string {
  if (specials.includes(entry)) return entry
  return departments.find((d) => d.id === entry)?.name ?? entry
}

/**
 * The entry for what a person wrote ([S12]): 全課 / 関係課 as they are, a department's name (or id) as its
 * id; undefined when it names no department.
 */
export function partnerEntry(written: string, departments: readonly DepartmentName[]): string | undefined {
  const text = written.trim()
  if (specials.includes(text)) return text
  return (departments.find((d) => d.id === text) ?? departments.find((d) => d.name === text))?.id
}

/** The sheet with every 連携課 entry as its department's name, for print and Excel. */
export function withPartnerNames(sheet: Sheet, departments: readonly DepartmentName[]): Sheet {
  const label = (row: { partners: string[] }) => ({ partners: row.partners.map((p) => partnerLabel(p, departments)) })
  return {
    ...sheet,
    measures: sheet.measures.map((m) => ({ ...m, ...label(m) })),
    projects: sheet.projects.map((p) => ({ ...p, ...label(p) })),
  }
}
