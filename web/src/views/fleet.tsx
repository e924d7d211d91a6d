// For admins: every project's workers and their busy sessions, what waits for input, and
// today's cost, at a glance; re-read whenever any project's stream says something changed.
import { useState } from "preact/hooks";
import { all, get } from "../api/client";
import type { Cost, Input, Project, Session, Worker, Workspace } from "../api/types";
import { ErrorLine, Link, money } from "../ui/kit";
import { Follow, useLoad } from "../ui/hooks";

interface ProjectFleet {
  project: Project;
  workers: Worker[];
  busy: Session[];
  cost: Cost | null;
}

export function FleetView() {
  const [tick, setTick] = useState(0);
  const fleet = useLoad(async () => {
    const workspaces = await all<Workspace>("/api/workspaces");
    const projects = (await Promise.all(workspaces.map((w) => all<Project>(`/api/workspaces/${w.id}/projects`)))).flat();
    const since = new Date();
    since.setHours(0, 0, 0, 0);
    const rows: ProjectFleet[] = await Promise.all(
      projects.map(async (project) => {
        const [workers, sessions, cost] = await Promise.all([
          all<Worker>(`/api/workers?project_id=${project.id}`),
          all<Session>(`/api/projects/${project.id}/sessions`),
          get<Cost>(`/api/projects/${project.id}/cost?since=${encodeURIComponent(since.toISOString())}`).catch(() => null),
        ]);
        const states = await Promise.all(sessions.map((s) => get<Session>(`/api/sessions/${s.id}`)));
        return { project, workers, busy: states.filter((s) => s.state === "busy" || s.state === "awaiting_input"), cost };
      }),
    );
    const inputs = (await get<{ items: Input[] }>("/api/inputs")).items.filter((i) => i.status === "pending");
    return { rows, inputs };
  }, [tick]);
  return (
    <section aria-labelledby="fleet-title">
      {(fleet.data?.rows ?? []).map((r) => (
        <Follow base={`/api/projects/${r.project.id}`} onChange={() => setTick((t) => t + 1)} />
      ))}
      <h1 id="fleet-title">Fleet</h1>
      <ErrorLine error={fleet.error} />
      <p>
        {fleet.data ? `${fleet.data.inputs.length} waiting for input · today ${money(fleet.data.rows.reduce((s, r) => s + (r.cost?.cost_usd ?? 0), 0))}` : ""}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Workers online</th>
              <th scope="col">Busy sessions</th>
              <th scope="col">Cost today</th>
            </tr>
          </thead>
          <tbody>
            {(fleet.data?.rows ?? []).map((r) => (
              <tr>
                <td>
                  <Link href={`/p/${r.project.id}/workers`}>{r.project.name}</Link>
                </td>
                <td>
                  {r.workers.filter((w) => w.online).length} / {r.workers.length}
                  <div class="muted">{r.workers.map((w) => `${w.handle}${w.online ? "" : " (offline)"}`).join(", ")}</div>
                </td>
                <td>
                  {r.busy.map((s) => (
                    <div>
                      <Link href={`/p/${r.project.id}/${s.handle}`}>{s.handle}</Link> {s.name ?? ""}{" "}
                      {s.state === "awaiting_input" ? <b>waits for input</b> : "busy"}
                    </div>
                  ))}
                </td>
                <td>{money(r.cost?.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

