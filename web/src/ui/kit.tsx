// Small shared pieces of UI: links that stay in the app, confirmation and prompt dialogs,
// status chips, relative times, sizes and money.
import type { ComponentChildren } from "preact";
import { createContext } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { follow } from "../router";

export function Link(props: { href: string; children: ComponentChildren; class?: string; "aria-current"?: "page" }) {
  return (
    <a href={props.href} class={props.class} aria-current={props["aria-current"]} onClick={(e) => follow(e, props.href)}>
      {props.children}
    </a>
  );
}

export function Chip(props: { value: string; title?: string }) {
  return (
    <span class={`chip chip-${props.value.replace(/[^a-z_]/g, "")}`} title={props.title}>
      {props.value.replace(/_/g, " ")}
    </span>
  );
}

export function ErrorLine(props: { error: string | null }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/** A modal dialog (the native <dialog>: focus trapping and Escape for free). */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} onClose={props.onClose} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.open ? props.children : null}
    </dialog>
  );
}

/** A confirmation: says what goes, and needs a deliberate click. */
export function Confirm(props: {
  title: string;
  open: boolean;
  body: ComponentChildren;
  action: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={props.title} open={props.open} onClose={props.onClose}>
      <div class="confirm-body">{props.body}</div>
      <ErrorLine error={error} />
      <div class="buttons">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onConfirm();
              props.onClose();
            } catch (e) {
              setError(e instanceof Error ? e.message : String(e));
            } finally {
              setBusy(false);
            }
          }}
        >
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** `3 worktrees (412.5 MiB)`: what a worker's session worktrees hold on its disk. */
export function worktreesText(count: number, bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const size = mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib.toFixed(1)} MiB`;
  return `${count} worktree${count === 1 ? "" : "s"} (${size})`;
}

export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "–";
  return usd < 0.01 && usd > 0 ? "<$0.01" : `$${usd.toFixed(2)}`;
}

/** Live changes of the project on screen (see ui/hooks.ts): views re-read when it grows. */
export const ChangesContext = createContext(0);
