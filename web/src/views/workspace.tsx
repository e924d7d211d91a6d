// A workspace: its projects, and creating, renaming and deleting projects and workspaces.
// A delete names what goes with it before it happens.
import { useState } from "preact/hooks";
import { all, del, get, patch, post } from "../api/client";
import type { Project, Requirement, Session, Task, Worker, Workspace } from "../api/types";
import { navigate } from "../router";
import { Confirm, ErrorLine, Link } from "../ui/kit";
import { useAction, useLoad } from "../ui/hooks";

export function WorkspaceView(props: { workspace: number }) {
  const workspace = useLoad(() => get<Workspace>(`/api/workspaces/${props.workspace}`), [props.workspace]);
  const projects = useLoad(() => all<Project>(`/api/workspaces/${props.workspace}/projects`), [props.workspace]);
  const { error, act } = useAction();
  const [doomed, setDoomed] = useState<{ title: string; body: string; go: () => Promise<void> } | null>(null);
  const createProject = act(async () => {
    const name = prompt("Name of the new project")?.trim();
    if (!name) return;
    const project = await post<Project>("/api/projects", { workspace_id: props.workspace, name });
    navigate({ view: "plan", project: project.id });
  });
  const createWorkspace = act(async () => {
    const name = prompt("Name of the new workspace")?.trim();
    if (!name) return;
    const created = await post<Workspace>("/api/workspaces", { name });
    navigate({ view: "workspace", workspace: created.id });
  });
  const renameWorkspace = act(async () => {
    const name = prompt("New name of the workspace", workspace.data?.name)?.trim();
    if (!name) return;
    await patch(`/api/workspaces/${props.workspace}`, { name });
    workspace.reload();
  });
  const renameProject = (p: Project) =>
    act(async () => {
      const name = prompt(`New name of ${p.name}`, p.name)?.trim();
      if (!name) return;
      await patch(`/api/projects/${p.id}`, { name });
      projects.reload();
    });
  const deleteProject = (p: Project) =>
    act(async () => {
      const [requirements, tasks, sessions, workers] = await Promise.all([
        all<Requirement>(`/api/projects/${p.id}/requirements`),
        all<Task>(`/api/projects/${p.id}/tasks`),
        all<Session>(`/api/projects/${p.id}/sessions`),
        all<Worker>(`/api/workers?project_id=${p.id}`),
      ]);
      setDoomed({
        title: `Delete project ${p.name}?`,
        body:
          `This deletes ${p.name} and everything in it: ${requirements.length} requirements, ${tasks.length} tasks ` +
          `with their comments, ${sessions.length} sessions with their transcripts, and ${workers.length} workers' ` +
          `registrations. It cannot be undone.`,
        go: async () => {
          await del(`/api/projects/${p.id}`);
          projects.reload();
        },
      });
    });
  const deleteWorkspace = act(async () => {
    const names = (projects.data ?? []).map((p) => p.name);
    setDoomed({
      title: `Delete workspace ${workspace.data?.name ?? ""}?`,
      body:
        `This deletes the workspace and its ${names.length} projects` +
        (names.length ? ` (${names.join(", ")})` : "") +
        ", with all their requirements, tasks, sessions, workers and batons. It cannot be undone.",
      go: async () => {
        await del(`/api/workspaces/${props.workspace}`);
        navigate("/", true);
      },
    });
  });

  return (
    <section aria-labelledby="ws-title">
      <div class="title-row">
        <h1 id="ws-title">{workspace.data?.name ?? "Workspace"}</h1>
        <button type="button" onClick={renameWorkspace}>
          Rename
        </button>
        <button type="button" class="danger" onClick={deleteWorkspace}>
          Delete
        </button>
        <button type="button" onClick={createWorkspace}>
          New workspace
        </button>
      </div>
      <ErrorLine error={error ?? workspace.error ?? projects.error} />
      <h2>Projects</h2>
      <ul class="cards">
        {(projects.data ?? []).map((p) => (
          <li class="card">
            <Link href={`/p/${p.id}`}>{p.name}</Link>
            <span class="spacer" />
            <button type="button" class="quiet" onClick={renameProject(p)}>
              Rename
            </button>
            <button type="button" class="quiet danger" onClick={deleteProject(p)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {projects.data && projects.data.length === 0 ? <p>No projects yet.</p> : null}
      <button type="button" class="primary" onClick={createProject}>
        New project
      </button>
      <Confirm
        title={doomed?.title ?? ""}
        open={doomed !== null}
        body={<p>{doomed?.body}</p>}
        action="Delete"
        onConfirm={async () => doomed?.go()}
        onClose={() => setDoomed(null)}
      />
    </section>
  );
}
