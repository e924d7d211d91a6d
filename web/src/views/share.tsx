// `/s/:token`: one shared session as the same live view, with no login and no way to
// anything else: every request goes to `/api/share/:token/...`, which sees this session only.
import { useMemo } from "preact/hooks";
import type { Session } from "../api/types";
import { Chip, ErrorLine } from "../ui/kit";
import { useLoad } from "../ui/hooks";
import { Composer } from "./composer";
import { LiveTranscript, type Endpoints } from "./transcript";

export function ShareView(props: { token: string }) {
  const base = `/api/share/${encodeURIComponent(props.token)}`;
  // The link's mode comes with the session (a header), so a read link shows no composer.
  const session = useLoad(async () => {
    const response = await fetch(base, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { session: (await response.json()) as Session, mode: response.headers.get("x-baton-share-mode") };
  }, [base]);
  const mode = session.data?.mode;
  const endpoints = useMemo<Endpoints>(() => ({ base, shared: true, readOnly: mode !== "write" }), [base, mode]);
  if (session.error) {
    return (
      <main class="content share">
        <h1>baton</h1>
        <ErrorLine error="This link does not open a session: it may have been revoked or rotated, or it has expired." />
      </main>
    );
  }
  const s = session.data?.session;
  return (
    <main class="content share session">
      <header class="session-head">
        <h1>
          <span class="handle">{s?.handle}</span> {s?.name ?? ""}
        </h1>
        {s ? <Chip value={s.state ?? "offline"} /> : null}
        <span class="muted">shared with you</span>
      </header>
      {session.data ? <LiveTranscript endpoints={endpoints} /> : null}
      {mode === "write" ? (
        <Composer endpoints={endpoints} session={null} />
      ) : (
        <p class="muted">This link is read-only: you see the session as it happens.</p>
      )}
    </main>
  );
}
