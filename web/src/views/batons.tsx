// A workspace's batons: state, attempt, holder, TTL, timestamps, what was handed over and
// what came back; live: re-read when a baton moves on a project stream of the workspace (a
// baton of the whole workspace moves on all of them). At most FOLLOWED streams are held: a
// browser keeps six connections to a host over HTTP/1.1 (local development), one per stream;
// batons addressed to a project past them show on the next re-read.
import { useContext, useState } from "preact/hooks";
import { all } from "../api/client";
import type { Baton, BatonStatus, Event } from "../api/types";
import { ago, ChangesContext, Chip, ErrorLine } from "../ui/kit";
import { Follow, useLoad } from "../ui/hooks";

const STATUSES: (BatonStatus | "")[] = ["", "pending", "caught", "done", "failed", "cancelled", "expired"];

export function BatonsView(props: { workspace: number }) {
  const version = useContext(ChangesContext);
  const [status, setStatus] = useState<BatonStatus | "">("");
  const [tick, setTick] = useState(0);
  const batons = useLoad(
    () => all<Baton>(`/api/batons?workspace_id=${props.workspace}${status ? `&status=${status}` : ""}`),
    [props.workspace, status, version, tick],
  );
  const projects = useLoad(() => all<{ id: number }>(`/api/workspaces/${props.workspace}/projects`), [props.workspace]);
  return (
    <section aria-labelledby="batons-title">
      {(projects.data ?? []).slice(0, FOLLOWED).map((p) => (
        <Follow key={p.id} base={`/api/projects/${p.id}`} which={isBaton} onChange={() => setTick((t) => t + 1)} />
      ))}
      <div class="title-row">
        <h1 id="batons-title">Batons</h1>
        <label>
          <span class="sr-only">Status</span>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as BatonStatus | "")}>
            {STATUSES.map((s) => (
              <option value={s}>{s || "any status"}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorLine error={batons.error} />
      {batons.data && batons.data.length === 0 ? <p>No batons yet. Agents pass them with <code>baton pass</code>.</p> : null}
      <div class="table-wrap">
        <table class="batons">
          <thead>
            <tr>
              <th scope="col">Baton</th>
              <th scope="col">State</th>
              <th scope="col">Attempt</th>
              <th scope="col">Holder</th>
              <th scope="col">Lease / TTL</th>
              <th scope="col">Passed</th>
              <th scope="col">Input and output</th>
            </tr>
          </thead>
          <tbody>
            {(batons.data ?? []).map((b) => (
              <tr>
                <td>
                  <code>{b.baton_id}</code>
                  <div class="muted">{b.task}</div>
                </td>
                <td>
                  <Chip value={b.status} />
                  {b.error ? <div class="error">{b.error}</div> : null}
                </td>
                <td>{b.attempt}</td>
                <td>{b.caught_by ? party(b.caught_by) : "–"}</td>
                <td>
                  {b.lease_expires_at && b.status === "caught" ? `lease until ${time(b.lease_expires_at)}` : ""}
                  <div class="muted">expires {time(b.expires_at)}</div>
                </td>
                <td>
                  {ago(b.created_at)} by {party(b.passed_by)}
                  {b.finished_at ? <div class="muted">finished {ago(b.finished_at)}</div> : null}
                </td>
                <td>
                  <details>
                    <summary>show</summary>
                    <pre>{JSON.stringify({ handed_over: b.handed_over, context: b.context, output: b.output, result: b.result }, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const FOLLOWED = 4;

const isBaton = (event: Event) => event.type === "change" && event.entity === "baton";

function party(p: unknown): string {
  if (p && typeof p === "object") {
    const o = p as Record<string, unknown>;
    return String(o.name ?? o.handle ?? o.kind ?? JSON.stringify(p));
  }
  return String(p ?? "–");
}

const time = (iso: string) => new Date(iso).toLocaleString();
