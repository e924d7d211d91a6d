// A project's workers (W-N) with their online state and sessions: busy, idle, offline or
// awaiting input, last active, cost so far; starting a session on an online worker
// (optionally for a task); renaming, stopping, resuming and deleting sessions.
import { useContext, useState } from "preact/hooks";
import { all, del, describe, get, patch, post } from "../api/client";
import { NEWEST } from "../api/stream";
import type { EventPage, Session, Task, Worker } from "../api/types";
import { navigate } from "../router";
import { ago, ChangesContext, Chip, Confirm, ErrorLine, Link, money, worktreesText } from "../ui/kit";
import { useAction, useLoad } from "../ui/hooks";

/** A session with what its list row shows: its state and when it was last active. */
export interface SessionRow {
  session: Session;
  lastActive: string | null;
}

export async function sessionRows(sessions: Session[]): Promise<SessionRow[]> {
  return Promise.all(
    sessions.map(async (s) => {
      const [full, page] = await Promise.all([
        get<Session>(`/api/sessions/${s.id}`),
        get<EventPage>(`/api/sessions/${s.id}/events?before=${NEWEST}&limit=1`).catch(() => null),
      ]);
      return { session: full, lastActive: page?.items[0]?.at ?? null };
    }),
  );
}

export function WorkersView(props: { project: number }) {
  const version = useContext(ChangesContext);
  const data = useLoad(async () => {
    const [workers, sessions, tasks] = await Promise.all([
      all<Worker>(`/api/workers?project_id=${props.project}`),
      all<Session>(`/api/projects/${props.project}/sessions`),
      all<Task>(`/api/projects/${props.project}/tasks`),
    ]);
    return { workers, rows: await sessionRows(sessions), tasks };
  }, [props.project, version]);
  const { error, setError, act } = useAction(data.reload);
  const [doomed, setDoomed] = useState<Session | null>(null);
  const { workers = [], rows = [], tasks = [] } = data.data ?? {};
  const unassigned = rows.filter((r) => !workers.some((w) => w.id === r.session.worker_id));

  const sessionList = (list: SessionRow[]) => (
    <ul class="sessions">
      {list.map(({ session: s, lastActive }) => (
        <li class="session-row">
          <Link href={`/p/${props.project}/${s.handle}`} class="handle">
            {s.handle}
          </Link>
          <span class="title">{s.name ?? "unnamed"}</span>
          <Chip value={s.state ?? "offline"} />
          <span class="muted">active {ago(lastActive)}</span>
          <span class="muted">{money(s.cost?.cost_usd)}</span>
          <span class="spacer" />
          <button
            type="button"
            class="quiet"
            onClick={act(async () => {
              const name = prompt(`New name of ${s.handle}`, s.name ?? "")?.trim();
              if (name) await patch(`/api/sessions/${s.id}`, { name });
            })}
          >
            Rename
          </button>
          {s.state === "busy" || s.state === "awaiting_input" || s.state === "idle" ? (
            <button type="button" class="quiet" onClick={act(() => post(`/api/sessions/${s.id}/stop`))}>
              Stop
            </button>
          ) : (
            <button type="button" class="quiet" onClick={act(() => post(`/api/sessions/${s.id}/resume`))}>
              Resume
            </button>
          )}
          <button type="button" class="quiet danger" onClick={() => setDoomed(s)}>
            Delete
          </button>
        </li>
      ))}
    </ul>
  );
  return (
    <section aria-labelledby="workers-title">
      <h1 id="workers-title">Workers & sessions</h1>
      <ErrorLine error={error ?? data.error} />
      {workers.length === 0 && !data.loading ? (
        <p>
          No workers yet. On a machine with the repository, run <code>baton worker register</code> then{" "}
          <code>baton worker run</code>.
        </p>
      ) : null}
      <ul class="workers">
        {workers.map((w) => (
          <li class="worker">
            <div class="row">
              <span class="handle">{w.handle}</span>
              <span class="title">{w.name}</span>
              <span class={w.online ? "online" : "offline"}>{w.online ? "online" : "offline"}</span>
              <span class="muted">
                {w.agent} on {w.hostname} · seen {ago(w.last_seen_at)}
                {w.worktrees ? ` · ${worktreesText(w.worktrees.count, w.worktrees.bytes)}` : ""}
              </span>
            </div>
            {sessionList(rows.filter((r) => r.session.worker_id === w.id))}
            {w.online ? <StartSession project={props.project} worker={w} tasks={tasks} onError={setError} /> : null}
          </li>
        ))}
      </ul>
      {unassigned.length ? (
        <>
          <h2>Conversations</h2>
          {sessionList(unassigned)}
        </>
      ) : null}
      <Confirm
        title={`Delete ${doomed?.handle ?? ""}?`}
        open={doomed !== null}
        body={<p>This stops the session's agent, removes its worktree (its branch stays) and deletes its transcript.</p>}
        action="Delete session"
        onConfirm={async () => {
          if (doomed) await del(`/api/sessions/${doomed.id}`);
          data.reload();
        }}
        onClose={() => setDoomed(null)}
      />
    </section>
  );
}

function StartSession(props: { project: number; worker: Worker; tasks: Task[]; onError: (e: string) => void }) {
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const task = String(form.get("task") ?? "");
    const name = String(form.get("name") ?? "").trim();
    try {
      const session = await post<Session>("/api/sessions", {
        project_id: props.project,
        worker_id: props.worker.id,
        ...(task ? { task } : {}),
        ...(name ? { name } : {}),
      });
      navigate({ view: "session", project: props.project, session: session.handle });
    } catch (e) {
      props.onError(describe(e));
    }
  };
  const open = props.tasks.filter((t) => t.status !== "done" && t.status !== "cancelled");
  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Start a session on ${props.worker.handle}`}>
      <label class="grow">
        <span class="sr-only">Session name</span>
        <input name="name" placeholder="Session name (optional)" />
      </label>
      <label>
        <span class="sr-only">Task</span>
        <select name="task">
          <option value="">No task</option>
          {open.map((t) => (
            <option value={t.handle}>
              {t.handle} {t.title}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary">
        Start session on {props.worker.handle}
      </button>
    </form>
  );
}
