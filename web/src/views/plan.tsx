// A project's plan: requirements as a tree with their tasks, indented by dependency depth,
// ready tasks marked; creating, editing and deleting requirements and tasks; a task's
// comments. Re-read on every change of the project (its stream), never polled.
import { useContext, useState } from "preact/hooks";
import { all, del, describe, get, patch, post } from "../api/client";
import type { Comment, Requirement, RequirementStatus, Task, TaskStatus } from "../api/types";
import { navigate } from "../router";
import { ago, ChangesContext, Chip, Confirm, ErrorLine, Link } from "../ui/kit";
import { useLoad } from "../ui/hooks";
import { Markdown } from "../ui/markdown";

const TASK_STATUSES: TaskStatus[] = ["todo", "in_progress", "blocked", "done", "failed", "cancelled"];
const REQUIREMENT_STATUSES: RequirementStatus[] = ["active", "done", "cancelled"];

/** How deep each task sits in its dependency chain (0: depends on nothing in this list). */
export function depths(tasks: Task[]): Map<string, number> {
  const byHandle = new Map(tasks.map((t) => [t.handle, t]));
  const depth = new Map<string, number>();
  const visit = (task: Task, path: Set<string>): number => {
    const known = depth.get(task.handle);
    if (known !== undefined) return known;
    if (path.has(task.handle)) return 0; // a cycle (the server refuses them): stop
    path.add(task.handle);
    let d = 0;
    for (const dep of task.depends_on) {
      const parent = byHandle.get(dep);
      if (parent) d = Math.max(d, visit(parent, path) + 1);
    }
    path.delete(task.handle);
    depth.set(task.handle, d);
    return d;
  };
  for (const task of tasks) visit(task, new Set());
  return depth;
}

/** Tasks in an order where each comes after what it depends on (then by number). */
function ordered(tasks: Task[], depth: Map<string, number>): Task[] {
  return [...tasks].sort((a, b) => (depth.get(a.handle) ?? 0) - (depth.get(b.handle) ?? 0) || a.id - b.id);
}

export function PlanView(props: { project: number }) {
  const version = useContext(ChangesContext);
  const plan = useLoad(
    () =>
      Promise.all([all<Requirement>(`/api/projects/${props.project}/requirements`), all<Task>(`/api/projects/${props.project}/tasks`)]),
    [props.project, version],
  );
  const [error, setError] = useState<string | null>(null);
  const [requirements, tasks] = plan.data ?? [[], []];
  const depth = depths(tasks);

  const createRequirement = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const title = String(new FormData(form).get("title") ?? "").trim();
    if (!title) return;
    try {
      await post(`/api/projects/${props.project}/requirements`, { title });
      form.reset();
      plan.reload();
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <section aria-labelledby="plan-title">
      <h1 id="plan-title">Plan</h1>
      <ErrorLine error={error ?? plan.error} />
      <form class="inline-form" onSubmit={createRequirement}>
        <label class="grow">
          <span class="sr-only">New requirement</span>
          <input name="title" placeholder="New requirement…" />
        </label>
        <button type="submit" class="primary">
          Add requirement
        </button>
      </form>
      {requirements.length === 0 && !plan.loading ? <p>No requirements yet: add the first above.</p> : null}
      <ul class="tree">
        {requirements.map((r) => (
          <RequirementNode
            project={props.project}
            requirement={r}
            tasks={ordered(
              tasks.filter((t) => t.requirement_id === r.id),
              depth,
            )}
            all={tasks}
            depth={depth}
            onChanged={plan.reload}
            onError={setError}
          />
        ))}
      </ul>
    </section>
  );
}

function RequirementNode(props: {
  project: number;
  requirement: Requirement;
  tasks: Task[];
  all: Task[];
  depth: Map<string, number>;
  onChanged: () => void;
  onError: (e: string) => void;
}) {
  const r = props.requirement;
  const [adding, setAdding] = useState(false);
  return (
    <li class="requirement">
      <div class="row">
        <Link href={`/p/${props.project}/${r.handle}`} class="handle">
          {r.handle}
        </Link>
        <span class="title">{r.title}</span>
        <GithubBadge requirement={r} />
        <Chip value={r.status} />
        <span class="spacer" />
        <button type="button" class="quiet" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          + Task
        </button>
      </div>
      {adding ? (
        <TaskForm
          project={props.project}
          requirement={r}
          all={props.all}
          onDone={() => {
            setAdding(false);
            props.onChanged();
          }}
          onError={props.onError}
        />
      ) : null}
      <ul>
        {props.tasks.map((t) => (
          <li class="task" style={{ "--depth": String(props.depth.get(t.handle) ?? 0) }}>
            <Link href={`/p/${props.project}/${t.handle}`} class="handle">
              {t.handle}
            </Link>
            <span class="title">{t.title}</span>
            {t.depends_on.length ? <span class="deps">after {t.depends_on.join(", ")}</span> : null}
            {t.ready ? <span class="ready">ready</span> : null}
            <Chip value={t.status} />
          </li>
        ))}
      </ul>
    </li>
  );
}

function GithubBadge(props: { requirement: Requirement }) {
  const github = props.requirement.github;
  if (!github) return null;
  return (
    <a class="github" href={github.url} target="_blank" rel="noopener noreferrer" title={`GitHub issue (${github.state})`}>
      #{github.number}
    </a>
  );
}

function TaskForm(props: {
  project: number;
  requirement: Requirement;
  all: Task[];
  onDone: () => void;
  onError: (e: string) => void;
}) {
  const [deps, setDeps] = useState<string[]>([]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const title = String(new FormData(event.target as HTMLFormElement).get("title") ?? "").trim();
    if (!title) return;
    try {
      await post(`/api/projects/${props.project}/tasks`, { requirement_id: props.requirement.id, title, depends_on: deps });
      props.onDone();
    } catch (e) {
      props.onError(describe(e));
    }
  };
  return (
    <form class="task-form" onSubmit={submit}>
      <label class="grow">
        <span class="sr-only">Title of the new task in {props.requirement.handle}</span>
        <input name="title" placeholder={`New task in ${props.requirement.handle}…`} autofocus />
      </label>
      <DependencyPicker tasks={props.all} selected={deps} onChange={setDeps} />
      <button type="submit" class="primary">
        Add task
      </button>
    </form>
  );
}

/** Picks the tasks a task waits for. */
function DependencyPicker(props: { tasks: Task[]; selected: string[]; exclude?: string; onChange: (deps: string[]) => void }) {
  const choices = props.tasks.filter((t) => t.handle !== props.exclude);
  if (choices.length === 0) return null;
  return (
    <fieldset class="deps-picker">
      <legend>Depends on</legend>
      {choices.map((t) => (
        <label>
          <input
            type="checkbox"
            checked={props.selected.includes(t.handle)}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              props.onChange(on ? [...props.selected, t.handle] : props.selected.filter((h) => h !== t.handle));
            }}
          />
          {t.handle} {t.title}
        </label>
      ))}
    </fieldset>
  );
}

/** One requirement or task: read, edit, delete; a task's comments. */
export function ItemView(props: { project: number; handle: string }) {
  const version = useContext(ChangesContext);
  const item = useLoad(
    () => get<Requirement | Task>(`/api/projects/${props.project}/items/${props.handle}`),
    [props.project, props.handle, version],
  );
  const tasks = useLoad(() => all<Task>(`/api/projects/${props.project}/tasks`), [props.project, version]);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const data = item.data;
  const isTask = props.handle.startsWith("T-");
  const path = data ? `/api/${isTask ? "tasks" : "requirements"}/${data.id}` : "";
  const children = !isTask && data ? (tasks.data ?? []).filter((t) => t.requirement_id === data.id) : [];

  const save = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const body: Record<string, unknown> = {
      title: String(form.get("title") ?? "").trim(),
      body: String(form.get("body") ?? ""),
      status: String(form.get("status")),
    };
    if (isTask) body.depends_on = form.getAll("depends_on").map(String);
    try {
      await patch(path, body);
      setEditing(false);
      item.reload();
    } catch (e) {
      setError(describe(e));
    }
  };
  if (!data) return <ErrorLine error={item.error} />;
  return (
    <article aria-labelledby="item-title">
      <p class="crumbs">
        <Link href={`/p/${props.project}`}>Plan</Link>
        {isTask ? (
          <>
            {" › "}
            <Link href={`/p/${props.project}/${(data as Task).requirement}`}>{(data as Task).requirement}</Link>
          </>
        ) : null}
      </p>
      <div class="title-row">
        <h1 id="item-title">
          <span class="handle">{data.handle}</span> {data.title}
        </h1>
        {!isTask ? <GithubBadge requirement={data as Requirement} /> : null}
        <Chip value={data.status} />
        {isTask && (data as Task).ready ? <span class="ready">ready</span> : null}
      </div>
      <ErrorLine error={error} />
      {editing ? (
        // Uncontrolled fields: a live re-read of the item while editing never resets them.
        <form class="edit" onSubmit={save}>
          <label>
            Title
            <input name="title" defaultValue={data.title} required />
          </label>
          <label>
            Status
            <select name="status">
              {(isTask ? TASK_STATUSES : REQUIREMENT_STATUSES).map((s) => (
                <option value={s} selected={s === data.status}>
                  {s.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </label>
          <label>
            Description (Markdown)
            <textarea name="body" rows={8} defaultValue={data.body} />
          </label>
          {isTask ? (
            <fieldset class="deps-picker">
              <legend>Depends on</legend>
              {(tasks.data ?? [])
                .filter((t) => t.handle !== data.handle)
                .map((t) => (
                  <label>
                    <input type="checkbox" name="depends_on" value={t.handle} defaultChecked={(data as Task).depends_on.includes(t.handle)} />
                    {t.handle} {t.title}
                  </label>
                ))}
            </fieldset>
          ) : null}
          <div class="buttons">
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="submit" class="primary">
              Save
            </button>
          </div>
        </form>
      ) : (
        <>
          {data.body ? <Markdown text={data.body} /> : <p class="muted">No description.</p>}
          {isTask && (data as Task).depends_on.length ? <p>Waits for {(data as Task).depends_on.join(", ")}.</p> : null}
          <div class="buttons">
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" class="danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          </div>
        </>
      )}
      {!isTask ? (
        <>
          <h2>Tasks</h2>
          <ul class="plain">
            {children.map((t) => (
              <li>
                <Link href={`/p/${props.project}/${t.handle}`}>{t.handle}</Link> {t.title} <Chip value={t.status} />
              </li>
            ))}
          </ul>
        </>
      ) : (
        <Comments task={data.id} version={version} />
      )}
      <Confirm
        title={`Delete ${data.handle}?`}
        open={deleting}
        body={
          <p>
            {isTask
              ? `This deletes ${data.handle} "${data.title}" and its comments.`
              : `This deletes ${data.handle} "${data.title}" and its ${children.length} tasks with their comments.`}
          </p>
        }
        action="Delete"
        onConfirm={async () => {
          await del(path);
          navigate({ view: "plan", project: props.project });
        }}
        onClose={() => setDeleting(false)}
      />
    </article>
  );
}

function Comments(props: { task: number; version: number }) {
  const comments = useLoad(() => all<Comment>(`/api/tasks/${props.task}/comments`), [props.task, props.version]);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const body = String(new FormData(form).get("body") ?? "").trim();
    if (!body) return;
    try {
      await post(`/api/tasks/${props.task}/comments`, { body });
      form.reset();
      comments.reload();
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <section aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      <ul class="comments">
        {(comments.data ?? []).map((c) => (
          <li>
            <p class="meta">
              <b>{c.author.name}</b> <span class={`who-${c.author.kind}`}>{c.author.kind === "user" ? "" : c.author.kind}</span>{" "}
              <time dateTime={c.created_at}>{ago(c.created_at)}</time>
            </p>
            <Markdown text={c.body} />
          </li>
        ))}
      </ul>
      <ErrorLine error={error ?? comments.error} />
      <form onSubmit={submit} class="comment-form">
        <label>
          <span class="sr-only">Comment</span>
          <textarea name="body" rows={3} placeholder="Add a comment (Markdown)…" />
        </label>
        <button type="submit">Comment</button>
      </form>
    </section>
  );
}
