import { type ReactNode, useEffect, useId, useRef } from 'react'

/**
 * A modal dialog on the native <dialog>: the browser keeps focus inside, makes the page behind inert and
 * closes on Esc. Shown while mounted; focus goes back to what opened it.
 */
export function Modal({ title, onClose, children, className }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const onCloseRef = useRef(onClose)
  onCloseRef.current = onClose

  useEffect(() => {
    const dialog = ref.current
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (dialog && !dialog.open) dialog.showModal()
    // The first field (or button) takes focus, also when StrictMode runs this effect twice.
    dialog?.querySelector<HTMLElement>('input:not([type=hidden]):not([readonly]), select, textarea, [data-autofocus], button')?.focus()
    return () => {
      if (opener?.isConnected) opener.focus()
    }
  }, [])

  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={titleId}
      // Esc closes the native dialog; the parent then unmounts it.
      onClose={() => onCloseRef.current()}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  )
}

/** Asks before an action that affects someone else (disabling an account, resetting a password). */
export function ConfirmModal({
  title,
  message,
  confirm,
  danger = false,
  busy = false,
  error,
  onConfirm,
  onClose,
  cancelLabel,
}: {
  title: string
  message: string
  confirm: string
  danger?: boolean
  busy?: boolean
  error?: string | null
  onConfirm: () => void
  onClose: () => void
  cancelLabel: string
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <p>{message}</p>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" data-autofocus onClick={onClose}>
          {cancelLabel}
        </button>
        <button type="button" className={danger ? 'danger-action' : 'primary-action'} disabled={busy} onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </Modal>
  )
}
