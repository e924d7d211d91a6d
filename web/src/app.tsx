// The app's frame: who is signed in, where they are, and the shell around every view
// (workspace and project switchers, navigation as a drawer on phones, the badge of what
// waits for an answer).
import { useEffect, useRef, useState } from "preact/hooks";
import { all, ApiError, get, post, whenUnauthorized } from "./api/client";
import type { Input, Project, User, Workspace } from "./api/types";
import { href, lastPlace, navigate, usePlace, type Place } from "./router";
import { ChangesContext, ErrorLine, Link } from "./ui/kit";
import { useLoad, useProjectChanges } from "./ui/hooks";
import { Login } from "./views/login";
import { WorkspaceView } from "./views/workspace";
import { PlanView, ItemView } from "./views/plan";
import { WorkersView } from "./views/workers";
import { SessionView } from "./views/session";
import { BatonsView } from "./views/batons";
import { FleetView } from "./views/fleet";
import { ShareView } from "./views/share";

export function App() {
  const place = usePlace();
  // undefined: not known yet; null: signed out.
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const refresh = () =>
    get<User>("/api/auth/me").then(setMe, (e) => setMe(e instanceof ApiError && e.status !== 401 ? undefined : null));
  useEffect(() => {
    whenUnauthorized(() => setMe(null));
    if (place.view !== "share") void refresh();
  }, []);

  if (place.view === "share") return <ShareView token={place.token} />;
  if (me === undefined) return <p class="splash">baton</p>;
  if (me === null) return <Login onSignedIn={refresh} />;
  if (place.view === "login") {
    navigate("/", true);
    return null;
  }
  return <Shell me={me} place={place} onSignedOut={() => setMe(null)} />;
}

/** The project a place is in, if any. */
function projectOf(place: Place): number | null {
  return "project" in place ? place.project : null;
}

function Shell(props: { me: User; place: Place; onSignedOut: () => void }) {
  const { place, me } = props;
  const projectId = projectOf(place);
  const project = useLoad(() => (projectId ? get<Project>(`/api/projects/${projectId}`) : Promise.resolve(null)), [projectId]);
  const workspaceId = "workspace" in place ? place.workspace : (project.data?.workspace_id ?? null);
  const workspaces = useLoad(() => all<Workspace>("/api/workspaces"), [place.view === "workspace" ? place.workspace : 0]);
  const projects = useLoad(
    () => (workspaceId ? all<Project>(`/api/workspaces/${workspaceId}/projects`) : Promise.resolve([])),
    [workspaceId],
  );
  const changes = useProjectChanges(projectId);
  const [drawer, setDrawer] = useState(false);
  useEffect(() => setDrawer(false), [href(place)]);

  if (place.view === "home") return <Home me={me} />;

  const nav = (label: string, to: string, current: boolean) => (
    <li>
      <Link href={to} aria-current={current ? "page" : undefined}>
        {label}
      </Link>
    </li>
  );
  return (
    <ChangesContext.Provider value={changes.version}>
      <div class={drawer ? "shell drawer-open" : "shell"}>
        <header class="top">
          <button type="button" class="menu" aria-label="Menu" aria-expanded={drawer} onClick={() => setDrawer(!drawer)}>
            ☰
          </button>
          <Link href="/" class="brand">
            baton
          </Link>
          <label class="switch">
            <span class="sr-only">Workspace</span>
            <select
              value={workspaceId ?? ""}
              onChange={(e) => navigate({ view: "workspace", workspace: Number((e.target as HTMLSelectElement).value) })}
            >
              {workspaceId === null ? <option value="">Workspace…</option> : null}
              {(workspaces.data ?? []).map((w) => (
                <option value={w.id}>{w.name}</option>
              ))}
            </select>
          </label>
          {workspaceId !== null ? (
            <label class="switch">
              <span class="sr-only">Project</span>
              <select
                value={projectId ?? ""}
                onChange={(e) => {
                  const value = (e.target as HTMLSelectElement).value;
                  if (value) navigate({ view: "plan", project: Number(value) });
                }}
              >
                {projectId === null ? <option value="">Project…</option> : null}
                {(projects.data ?? []).map((p) => (
                  <option value={p.id}>{p.name}</option>
                ))}
              </select>
            </label>
          ) : null}
          <span class="spacer" />
          {changes.state === "reconnecting" && projectId ? (
            <span class="live-dot" title="reconnecting to live updates">
              ○
            </span>
          ) : null}
          <Inbox version={changes.version} />
          <SignOut onSignedOut={props.onSignedOut} />
        </header>
        <nav class="side" aria-label="Views">
          <ul>
            {projectId !== null ? nav("Plan", href({ view: "plan", project: projectId }), place.view === "plan" || place.view === "item") : null}
            {projectId !== null
              ? nav("Workers & sessions", href({ view: "workers", project: projectId }), place.view === "workers" || place.view === "session")
              : null}
            {workspaceId !== null ? nav("Projects", href({ view: "workspace", workspace: workspaceId }), place.view === "workspace") : null}
            {workspaceId !== null ? nav("Batons", href({ view: "batons", workspace: workspaceId }), place.view === "batons") : null}
            {me.role === "admin" ? nav("Fleet", "/fleet", place.view === "fleet") : null}
          </ul>
          <p class="who">
            Signed in as <b>{me.username}</b>
          </p>
          <SignOut onSignedOut={props.onSignedOut} />
        </nav>
        <main class="content">
          <ErrorLine error={project.error} />
          <View place={place} me={me} />
        </main>
      </div>
    </ChangesContext.Provider>
  );
}

/** Sign out: in the header on wide screens, in the drawer on phones (CSS picks). */
function SignOut(props: { onSignedOut: () => void }) {
  return (
    <button
      type="button"
      class="quiet signout"
      onClick={async () => {
        await post("/api/auth/logout").catch(() => undefined);
        props.onSignedOut();
      }}
    >
      Sign out
    </button>
  );
}

function View(props: { place: Place; me: User }) {
  const { place } = props;
  switch (place.view) {
    case "workspace":
      return <WorkspaceView workspace={place.workspace} />;
    case "batons":
      return <BatonsView workspace={place.workspace} />;
    case "plan":
      return <PlanView project={place.project} />;
    case "item":
      return <ItemView project={place.project} handle={place.handle} />;
    case "workers":
      return <WorkersView project={place.project} />;
    case "session":
      return <SessionView project={place.project} session={place.session} />;
    case "fleet":
      return <FleetView />;
    default:
      return null;
  }
}

/** Where to go when the app opens at `/`: the last place, else the first project, else the
 *  workspace page (to create one). */
function Home(props: { me: User }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const last = lastPlace();
    if (last) return navigate(last, true);
    (async () => {
      const workspaces = await all<Workspace>("/api/workspaces");
      const first = workspaces.find((w) => w.id === props.me.default_workspace_id) ?? workspaces[0];
      if (!first) return setError("You are not a member of any workspace yet: ask an admin to add you.");
      const projects = await all<Project>(`/api/workspaces/${first.id}/projects`);
      navigate(projects[0] ? { view: "plan", project: projects[0].id } : { view: "workspace", workspace: first.id }, true);
    })().catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  return <main class="content">{error ? <ErrorLine error={error} /> : <p class="splash">baton</p>}</main>;
}

/** What waits for the signed-in person: a badge, and a browser notification when it grows
 *  (once they allowed notifications). */
function Inbox(props: { version: number }) {
  const inbox = useLoad(() => get<{ items: Input[] }>("/api/inputs?status=pending"), [props.version]);
  const pending = (inbox.data?.items ?? []).filter((i) => i.status === "pending");
  const seen = useRef(new Set<string>());
  useEffect(() => {
    for (const input of pending) {
      const key = `${input.session_id}/${input.request_id}`;
      if (seen.current.has(key)) continue;
      seen.current.add(key);
      if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
        new Notification("baton: an agent waits for you", { body: input.summary, tag: key });
      }
    }
  }, [pending.map((i) => i.request_id).join()]);
  const ask = () => {
    if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  };
  const first = pending[0];
  return (
    <button
      type="button"
      class={pending.length ? "inbox waiting" : "inbox"}
      aria-label={`${pending.length} waiting for you`}
      title={pending.length ? "Agents wait for your answer" : "Nothing waits for you"}
      onClick={() => {
        ask();
        if (first) void openSession(first.session_id);
      }}
    >
      ● <span class="badge">{pending.length}</span>
    </button>
  );
}

async function openSession(id: number) {
  const session = await get<{ project_id: number; handle: string }>(`/api/sessions/${id}`);
  navigate({ view: "session", project: session.project_id, session: session.handle });
}
