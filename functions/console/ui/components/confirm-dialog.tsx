// A modal confirmation (the platform's <dialog>: focus moves in, Escape cancels, focus returns after).
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api/http.js";

export function ConfirmDialog(props: { title: string; confirmLabel: string; children: ComponentChildren; onConfirm(): Promise<void>; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="dialog-title" onClose={props.onClose}>
      <h2 id="dialog-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      {error !== undefined && (
        <p class="field-error" role="alert">
          {errorText(error)}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" class="button-secondary" onClick={() => dialog.current?.close()} disabled={busy}>
          Cancel
        </button>
        <button type="button" class="button-danger" onClick={confirm} disabled={busy}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
