import { ja, type MessageKey } from '../../i18n/catalog'
import { fill } from '../../i18n/fill'

type T = (key: MessageKey) => string

const isKey = (key: string): key is MessageKey => key in ja

/** An audit action in words: 「承認」, 「評価の承認（権限がなく拒否）」; an unknown one as it is stored. */
export function actionLabel(action: string, t: T): string {
  const refused = action.endsWith('.refused')
  const base = refused ? action.slice(0, -'.refused'.length) : action
  const key = `history.action.${base}`
  const label = isKey(key) ? t(key) : base
  return refused ? fill(t('history.action.refused'), { action: label }) : label
}

/** 'midyear' → 中間評価, in the person's language; anything else as it is. */
function kindLabel(kind: string, t: T): string {
  const key = `history.evaluationKind.${kind}`
  return isKey(key) ? t(key) : kind
}

const formats: Record<string, string> = { xlsx: 'Excel', json: 'JSON' }

/** The stored detail in words where it has a known shape (「改訂 2」, 「3 件の変更」, 「中間評価」); otherwise as it is. */
export function detailLabel(action: string, detail: string | null, t: T): string {
  if (!detail) return ''
  const revision = /^revision (\d+)$/.exec(detail)
  if (action === 'sheet.reopen' && revision) return fill(t('history.detail.revision'), { n: revision[1]! })
  const changes = /^(\d+) changes$/.exec(detail)
  if ((action === 'sheet.import' || action === 'sheet.import.undo') && changes) return fill(t('history.detail.changes'), { n: changes[1]! })
  // The whole hash is in the version list; here its head is enough to tell versions apart.
  const version = /^(v\d+) sha256=([0-9a-f]{12})[0-9a-f]*$/.exec(detail)
  if (action === 'sheet.version' && version) return `${version[1]}（SHA-256 ${version[2]}…）`
  if (action.startsWith('evaluation.')) {
    // Written by the server as 'midyear', 'midyear: <reason>', 'midyear sha256=<hash>', 'xlsx midyear'.
    const approved = /^(\w+) sha256=([0-9a-f]{12})[0-9a-f]*$/.exec(detail)
    if (approved) return `${kindLabel(approved[1]!, t)}（SHA-256 ${approved[2]}…）`
    const exported = /^(xlsx|json) (\w+)$/.exec(detail)
    if (exported) return fill(t('history.detail.evaluationExport'), { kind: kindLabel(exported[2]!, t), format: formats[exported[1]!]! })
    const reason = /^(midyear|yearend): ([\s\S]*)$/.exec(detail)
    if (reason) return fill(t('history.detail.evaluationReason'), { kind: kindLabel(reason[1]!, t), reason: reason[2]! })
    return kindLabel(detail, t)
  }
  return detail
}
