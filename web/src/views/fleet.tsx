// For admins: every project's workers and their busy sessions, what waits for input, and
// today's cost, at a glance. It reads only what a fleet is: each project's workers, then for
// the projects that have any their cost today and the sessions of their busy workers. It follows the streams of the projects
// whose workers are online, busiest first and at most FOLLOWED of them: a browser holds six
// connections to a host over HTTP/1.1 (local development), and each stream keeps one.
import { useState } from "preact/hooks";
import { all, get } from "../api/client";
import type { Cost, Input, Project, Session, Worker, Workspace } from "../api/types";
import { ErrorLine, Link, money } from "../ui/kit";
import { Follow, useLoad } from "../ui/hooks";

const FOLLOWED = 4;

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
    const fleets = await Promise.all(
      projects.map(async (project) => ({ project, workers: await all<Worker>(`/api/workers?project_id=${project.id}`) })),
    );
    const since = new Date();
    since.setHours(0, 0, 0, 0);
    const rows: ProjectFleet[] = await Promise.all(
      fleets
        .filter((f) => f.workers.length > 0)
        .map(async ({ project, workers }) => {
        const [cost, sessions] = await Promise.all([
          get<Cost>(`/api/projects/${project.id}/cost?since=${encodeURIComponent(since.toISOString())}`).catch(() => null),
          Promise.all(workers.filter((w) => (w.busy_sessions ?? 0) > 0).map((w) => all<Session>(`/api/workers/${w.id}/sessions`))),
        ]);
        const states = await Promise.all(sessions.flat().map((s) => get<Session>(`/api/sessions/${s.id}`)));
        return { project, workers, busy: states.filter((s) => s.state === "busy" || s.state === "awaiting_input"), cost };
      }),
    );
    rows.sort((a, b) => b.busy.length - a.busy.length || a.project.name.localeCompare(b.project.name));
    const inputs = (await get<{ items: Input[] }>("/api/inputs?status=pending")).items.filter((i) => i.status === "pending");
    return { rows, inputs };
  }, [tick]);
  const followed = (fleet.data?.rows ?? []).filter((r) => r.workers.some((w) => w.online)).slice(0, FOLLOWED);
  return (
    <section aria-labelledby="fleet-title">
      {followed.map((r) => (
        <Follow key={r.project.id} base={`/api/projects/${r.project.id}`} onChange={() => setTick((t) => t + 1)} />
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

