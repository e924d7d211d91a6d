// A session's share links: create (read or write), copy, rotate and revoke. A link's URL is
// shown once, when it is created or rotated.
import { useState } from "preact/hooks";
import { all, del, describe, post } from "../api/client";
import type { Share, ShareMode } from "../api/types";
import { ago, Dialog, ErrorLine } from "../ui/kit";
import { useLoad } from "../ui/hooks";

export function ShareDialog(props: { session: number; open: boolean; onClose: () => void }) {
  const shares = useLoad(() => (props.open ? all<Share>(`/api/sessions/${props.session}/shares`) : Promise.resolve([])), [props.open]);
  const [fresh, setFresh] = useState<Share | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const act = (work: () => Promise<Share | void>) => async () => {
    setError(null);
    setCopied(false);
    try {
      const share = await work();
      if (share && share.url) setFresh(share);
      shares.reload();
    } catch (e) {
      setError(describe(e));
    }
  };
  const create = (mode: ShareMode) => act(() => post<Share>(`/api/sessions/${props.session}/shares`, { mode }));
  return (
    <Dialog title="Share this session" open={props.open} onClose={props.onClose}>
      <p>Anyone with a link sees this session, live, without signing in, and nothing else.</p>
      <div class="buttons">
        <button type="button" onClick={create("read")}>
          New read-only link
        </button>
        <button type="button" onClick={create("write")}>
          New link that may write
        </button>
      </div>
      {fresh?.url ? (
        <div class="share-url">
          <label>
            Link ({fresh.mode}), shown once
            <input readOnly value={fresh.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          </label>
          <button
            type="button"
            onClick={async () => {
              await navigator.clipboard?.writeText(fresh.url ?? "").catch(() => undefined);
              setCopied(true);
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
      ) : null}
      <ErrorLine error={error ?? shares.error} />
      <ul class="plain shares">
        {(shares.data ?? []).map((s) => (
          <li>
            {s.mode} link, created {ago(s.created_at)}
            {s.expires_at ? `, expires ${new Date(s.expires_at).toLocaleString()}` : ""}{" "}
            <button type="button" class="quiet" onClick={act(() => post<Share>(`/api/shares/${s.id}/rotate`))}>
              Rotate
            </button>
            <button type="button" class="quiet danger" onClick={act(() => del(`/api/shares/${s.id}`))}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <div class="buttons">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
