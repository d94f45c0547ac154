import type { Sheet } from '../schema.js'
import { kikakuZaisei2025 } from './kikaku-zaisei-2025.js'
import { somu2025 } from './somu-2025.js'

export { kikakuZaisei2025, somu2025 }

export const demoSheets: readonly Sheet[] = [kikakuZaisei2025, somu2025]

/** The demo town's departments (課) and their sections (係 / 室). */
export const demoDepartments = [
  {
    id: 'kikaku-zaisei',
    name: '企画財政課',
    sections: [
      { id: 'kikaku-chosei', name: '企画調整係' },
      { id: 'chiiki-kassei', name: '地域活力共創係' },
      { id: 'joho-senryaku', name: '情報戦略係' },
      { id: 'zero-carbon', name: 'ゼロカーボン推進室' },
    ],
  },
  {
    id: 'somu',
    name: '総務課',
    sections: [
      { id: 'somu-kakari', name: '総務係' },
      { id: 'jinji', name: '人事係' },
      { id: 'kiki-kanri', name: '危機管理室' },
    ],
  },
] as const
