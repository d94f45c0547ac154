import type { Named } from '@hoshin/protocol'

/**
 * Each section's colour for carets and presence: dark enough for white label text at 4.5:1 or more
 * (JIS X 8341-3 AA), distinct from each other. Sections take the palette in the town's own order, so
 * the sections of one department never share a colour.
 */
const palette = ['#0b5cad', '#b3261e', '#1b6e20', '#7b1fa2', '#9a4a00', '#006b75', '#5d4037', '#ad1457']
export const noSectionColor = '#37474f'

export function sectionColor(sectionId: string | null | undefined, departments: readonly { sections: readonly Named[] }[]): string {
  if (!sectionId) return noSectionColor
  const index = departments.flatMap((d) => d.sections).findIndex((s) => s.id === sectionId)
  return index < 0 ? noSectionColor : (palette[index % palette.length] ?? noSectionColor)
}
