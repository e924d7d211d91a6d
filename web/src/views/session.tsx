// One session, live: its header (state, worker, cost), the plan-mode, model and permission
// chips, the share button, the transcript, a working indicator with Stop, and the composer.
import { useContext, useMemo, useState } from "preact/hooks";
import { get, patch, post } from "../api/client";
import type { PermissionPolicy, Session } from "../api/types";
import { ChangesContext, Chip, ErrorLine, money } from "../ui/kit";
import { useAction, useLoad } from "../ui/hooks";
import { Composer } from "./composer";
import { ShareDialog } from "./share-dialog";
import { LiveTranscript, type Endpoints } from "./transcript";

export function SessionView(props: { project: number; session: string }) {
  const version = useContext(ChangesContext);
  const session = useLoad(() => get<Session>(`/api/sessions/${props.session}`), [props.session, version]);
  const s = session.data;
  if (!s) return <ErrorLine error={session.error} />;
  return <LiveSession session={s} reload={session.reload} />;
}

function LiveSession(props: { session: Session; reload: () => void }) {
  const s = props.session;
  const endpoints = useMemo<Endpoints>(() => ({ base: `/api/sessions/${s.id}`, shared: false }), [s.id]);
  const [sharing, setSharing] = useState(false);
  const { error, act } = useAction(props.reload);
  const permissions: PermissionPolicy = s.permissions ?? "ask";
  return (
    <section class="session" aria-labelledby="session-title">
      <header class="session-head">
        <h1 id="session-title">
          <span class="handle">{s.handle}</span> {s.name ?? ""}
        </h1>
        <Chip value={s.state ?? "offline"} />
        <span class="muted" title="cost so far">
          {money(s.cost?.cost_usd)}
        </span>
        <span class="spacer" />
        <button
          type="button"
          class={s.plan_mode ? "chip-button on" : "chip-button"}
          aria-pressed={s.plan_mode ?? false}
          onClick={act(() => patch(`/api/sessions/${s.id}`, { plan_mode: !s.plan_mode }))}
        >
          plan mode
        </button>
        <button
          type="button"
          class="chip-button"
          title="The agent's model (click to change)"
          onClick={act(async () => {
            const model = prompt("Model for this session's agent (empty: its default)", s.model ?? "");
            if (model !== null) await patch(`/api/sessions/${s.id}`, { model: model.trim() || null });
          })}
        >
          model: {s.model ?? "default"}
          {s.effort ? ` · ${s.effort}` : ""}
        </button>
        <button
          type="button"
          class="chip-button"
          title="What the agent asks before acting (click to switch)"
          onClick={act(() => patch(`/api/sessions/${s.id}`, { permissions: permissions === "ask" ? "allow_all" : "ask" }))}
        >
          permissions: {permissions.replace("_", " ")}
        </button>
        <button type="button" onClick={() => setSharing(true)}>
          Share
        </button>
      </header>
      <ErrorLine error={error} />
      <LiveTranscript endpoints={endpoints} onStop={act(() => post(`/api/sessions/${s.id}/abort`))} />
      <Composer endpoints={endpoints} session={s} onChanged={props.reload} />
      <ShareDialog session={s.id} open={sharing} onClose={() => setSharing(false)} />
    </section>
  );
}
