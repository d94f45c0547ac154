import { useEffect } from 'react'
import { useSearchParams } from 'react-router'

/**
 * `/sheets/:id?row=<rowId>` (from the 連携依頼 inbox): once the editor has drawn that row, bring it into
 * view and open a new comment on it, so the partner department can answer at once.
 */
export function useRowFromLink(): void {
  const [params] = useSearchParams()
  const rowId = params.get('row')
  useEffect(() => {
    if (!rowId) return
    const selector = `tr[data-row-id="${CSS.escape(rowId)}"]`
    const reveal = (): boolean => {
      const row = document.querySelector<HTMLElement>(selector)
      if (!row) return false
      row.scrollIntoView({ block: 'center' })
      row.classList.add('linked-row')
      const comment = row.querySelector<HTMLButtonElement>('button.comment-button')
      comment?.focus()
      comment?.click()
      return true
    }
    if (reveal()) return
    // The editor renders after its document has synced: wait for the row to appear.
    const observer = new MutationObserver(() => {
      if (reveal()) observer.disconnect()
    })
    observer.observe(document.body, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [rowId])
}
