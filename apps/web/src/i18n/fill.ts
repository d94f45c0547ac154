/** Fills the {name}-style holes of a catalog text: 「{name}」を作成しました。 */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (hole, key: string) => (key in values ? String(values[key]) : hole))
}
