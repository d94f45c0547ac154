import type { Role } from '@hoshin/protocol'
import { sheetToDoc } from '@hoshin/sheet'
import { demoDepartments, demoSheets } from '@hoshin/sheet/demo'
import * as Y from 'yjs'
import { hashPassword } from '../auth/passwords.js'
import type { Services } from '../context.js'

export const DEMO_PASSWORD = 'hoshin-demo'

interface DemoAccount {
  username: string
  displayName: string
  role: Role
  departmentId: string | null
  sectionId: string | null
  description: string
}

export const demoAccounts: readonly DemoAccount[] = [
  { username: 'kikaku', displayName: '佐藤 美咲', role: 'staff', departmentId: 'kikaku-zaisei', sectionId: 'kikaku-chosei', description: '企画財政課 企画調整係 (係員)' },
  { username: 'chiiki', displayName: '鈴木 健太', role: 'staff', departmentId: 'kikaku-zaisei', sectionId: 'chiiki-kassei', description: '企画財政課 地域活力共創係 (係員)' },
  { username: 'joho', displayName: '高橋 誠', role: 'staff', departmentId: 'kikaku-zaisei', sectionId: 'joho-senryaku', description: '企画財政課 情報戦略係 (係員)' },
  { username: 'zero', displayName: '田中 葵', role: 'staff', departmentId: 'kikaku-zaisei', sectionId: 'zero-carbon', description: '企画財政課 ゼロカーボン推進室 (係員)' },
  { username: 'kacho', displayName: '伊藤 正和', role: 'head', departmentId: 'kikaku-zaisei', sectionId: null, description: '企画財政課 課長 (承認者)' },
  { username: 'somu', displayName: '渡辺 直子', role: 'staff', departmentId: 'somu', sectionId: 'somu-kakari', description: '総務課 総務係 (係員)' },
  { username: 'planning', displayName: '山口 由紀', role: 'planning', departmentId: null, sectionId: null, description: '企画 (全課の方針の取りまとめ・年度の開始)' },
  { username: 'admin', displayName: 'システム管理者', role: 'admin', departmentId: null, sectionId: null, description: '管理者 (組織と利用者の管理)' },
]

/**
 * Seeds the demo town: 企画財政課 with the seed's sheet of fiscal 2025, 総務課 with a short sheet, and the
 * demo accounts. Idempotent item by item: a second run creates nothing and changes nothing that exists
 * (an edited sheet or a changed password stays as it is). Returns whether anything was created.
 */
export async function seedDemo({ stores }: Pick<Services, 'stores'>): Promise<boolean> {
  let created = false
  for (const department of demoDepartments) {
    await stores.org.upsertDepartment({ id: department.id, name: department.name })
    for (const section of department.sections) await stores.org.upsertSection(department.id, section)
  }
  for (const account of demoAccounts) {
    if (await stores.users.findByUsername(account.username)) continue
    const { description: _description, ...user } = account
    await stores.users.create({ ...user, passwordHash: await hashPassword(DEMO_PASSWORD) })
    created = true
  }
  for (const sheet of demoSheets) {
    if (await stores.sheets.findByDepartmentYear(sheet.department.id, sheet.fiscalYear)) continue
    const doc = sheetToDoc(sheet)
    await stores.sheets.create({
      departmentId: sheet.department.id,
      fiscalYear: sheet.fiscalYear,
      state: Y.encodeStateAsUpdate(doc),
    })
    doc.destroy()
    created = true
  }
  return created
}
