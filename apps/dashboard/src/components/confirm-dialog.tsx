import { useEffect, useRef } from 'react';

/**
 * A modal confirmation naming the effect of an action. A native <dialog>: focus moves into it,
 * Escape cancels, and the page behind cannot be clicked while it is open.
 */
export function ConfirmDialog(props: {
  title: string;
  effect: string;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <p>{props.effect}</p>
      <div className="actions">
        <button type="button" className="primary" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
