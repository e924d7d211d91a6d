//! `baton task create|ls|get|update|set-status|rm` and `baton task comment add|ls`.

use anyhow::Result;
use protocol::api::Cost;
use protocol::handle::HandleKind;
use protocol::model::{Comment, CreateComment, CreateTask, ItemRef, Task, TaskStatus, UpdateTask};

use super::requirement::read_body;
use super::{confirm, Env};
use crate::{output, resolve};

#[derive(Debug, clap::Args)]
pub struct Target {
    /// The task: its handle (T-12) or id
    pub task: String,
    /// The project of a handle [default: see `baton use`]
    #[arg(long, short)]
    pub project: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a task under a requirement
    #[command(
        after_help = "Example:\n  baton task create --requirement R-1 'Write the migration' --depends-on T-1,T-2"
    )]
    Create {
        title: String,
        /// The requirement: handle, GitHub issue (#123) or id
        #[arg(long, short)]
        requirement: String,
        /// Tasks this one waits for, comma-separated handles or ids
        #[arg(long, value_delimiter = ',')]
        depends_on: Vec<String>,
        /// Markdown body
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// Read the body from a file (- for stdin)
        #[arg(long, value_name = "PATH")]
        body_file: Option<String>,
        #[arg(long, short)]
        project: Option<String>,
    },
    /// List the project's tasks
    #[command(
        after_help = "Example:\n  baton task ls --ready\n  baton task ls --status in_progress --requirement R-2"
    )]
    Ls {
        #[arg(long, short)]
        project: Option<String>,
        /// Only this status
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(protocol::model::TaskStatus::names()))]
        status: Option<String>,
        /// Only tasks of this requirement (R-N or id)
        #[arg(long)]
        requirement: Option<String>,
        /// Only ready tasks: to do, with every dependency done
        #[arg(long)]
        ready: bool,
    },
    /// Show one task
    Get(Target),
    /// Change a task's title, body, dependencies or requirement
    Update {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        #[arg(long, value_name = "PATH")]
        body_file: Option<String>,
        /// Replace the dependencies (comma-separated; empty string for none)
        #[arg(long, value_delimiter = ',')]
        depends_on: Option<Vec<String>>,
        /// Move it under another requirement
        #[arg(long)]
        requirement: Option<String>,
    },
    /// Set a task's status
    #[command(after_help = "Example:\n  baton task set-status T-3 in_progress\n\n\
Starting (in_progress) or finishing (done) needs every dependency done.")]
    SetStatus {
        #[command(flatten)]
        target: Target,
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(protocol::model::TaskStatus::names()))]
        status: String,
    },
    /// Delete a task and its comments
    Rm {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        yes: bool,
    },
    /// Comments on a task
    #[command(subcommand)]
    Comment(CommentCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum CommentCommand {
    /// Add a comment
    #[command(after_help = "Example:\n  baton task comment add T-3 'tests pass; PR #12'")]
    Add {
        #[command(flatten)]
        target: Target,
        /// The comment (Markdown)
        text: String,
    },
    /// List a task's comments, oldest first
    Ls(Target),
}

fn refs(given: &[String]) -> Result<Vec<ItemRef>> {
    given.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(reference).collect()
}

/// A reference as typed (`12`, `R-3`, `T-12`, `#123`): the server resolves it in the project.
pub fn reference(given: &str) -> Result<ItemRef> {
    given.parse().map_err(|e: String| anyhow::anyhow!("{e}"))
}

async fn id_of(env: &Env, target: &Target) -> Result<i64> {
    env.item_id(&target.task, target.project.as_deref(), HandleKind::Task).await
}

/// A task as `baton task get` shows it: with what its sessions' turns cost (`None`: not
/// readable).
#[derive(Debug, serde::Serialize)]
struct TaskView {
    #[serde(flatten)]
    task: Task,
    cost: Option<Cost>,
}

fn show(t: &Task) -> String {
    let mut out = format!(
        "{} {} [{}{}] under {}",
        t.handle,
        t.title,
        t.status.as_str(),
        if t.ready { ", ready" } else { "" },
        t.requirement
    );
    if !t.depends_on.is_empty() {
        out.push_str(&format!("\ndepends on {}", t.depends_on.join(", ")));
    }
    if !t.body.is_empty() {
        out.push_str(&format!("\n\n{}", t.body.trim_end()));
    }
    out
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { title, requirement, depends_on, body, body_file, project } => {
            create(env, title, requirement, depends_on, body.as_deref(), body_file.as_deref(), project.as_deref()).await
        }
        Command::Ls { project, status, requirement, ready } => {
            ls(env, project.as_deref(), status.as_deref(), requirement.as_deref(), *ready).await
        }
        Command::Get(target) => get(env, target).await,
        Command::Update { target, title, body, body_file, depends_on, requirement } => {
            let body = (body.as_deref(), body_file.as_deref());
            update(env, target, title, body, depends_on.as_deref(), requirement.as_deref()).await
        }
        Command::SetStatus { target, status } => set_status(env, target, status).await,
        Command::Rm { target, yes } => rm(env, target, *yes).await,
        Command::Comment(CommentCommand::Add { target, text }) => comment(env, target, text).await,
        Command::Comment(CommentCommand::Ls(target)) => comments(env, target).await,
    }
}

async fn create(
    env: &Env,
    title: &str,
    requirement: &str,
    depends_on: &[String],
    body: Option<&str>,
    body_file: Option<&str>,
    project: Option<&str>,
) -> Result<()> {
    let p = env.project(project, None).await?;
    let create = CreateTask {
        requirement_id: reference(requirement)?,
        title: title.to_owned(),
        body: read_body(body, body_file)?,
        depends_on: Some(refs(depends_on)?),
        status: None,
    };
    let t: Task = env.client.post("create task", &format!("/api/projects/{}/tasks", p.id), &create).await?;
    env.print(&t, |t| {
        format!("Created {} under {}: {}{}", t.handle, t.requirement, t.title, if t.ready { " (ready)" } else { "" })
    })
}

async fn ls(
    env: &Env,
    project: Option<&str>,
    status: Option<&str>,
    requirement: Option<&str>,
    ready: bool,
) -> Result<()> {
    let p = env.project(project, None).await?;
    let mut filters = Vec::new();
    if let Some(s) = status {
        filters.push(format!("status={s}"));
    }
    if let Some(r) = requirement {
        filters.push(format!("requirement={r}"));
    }
    if ready {
        filters.push("ready=true".into());
    }
    let query = if filters.is_empty() { String::new() } else { format!("?{}", filters.join("&")) };
    let path = format!("/api/projects/{}/tasks{query}", p.id);
    let all: Vec<Task> = resolve::all_pages(&env.client, "list tasks", &path).await?;
    env.print_table(&all, &["TASK", "STATUS", "READY", "REQ", "DEPENDS ON", "TITLE"], |t| {
        vec![
            t.handle.clone(),
            t.status.as_str().into(),
            if t.ready { "yes".into() } else { String::new() },
            t.requirement.clone(),
            t.depends_on.join(","),
            t.title.clone(),
        ]
    })
}

async fn get(env: &Env, target: &Target) -> Result<()> {
    let id = id_of(env, target).await?;
    let task: Task = env.client.get("get task", &format!("/api/tasks/{id}")).await?;
    // The cost adds to the task: a failure to read it (an older server) leaves it out.
    let cost = env.client.get::<Cost>("read the task's cost", &format!("/api/tasks/{id}/cost")).await.ok();
    let view = TaskView { task, cost };
    env.print(&view, |v| match &v.cost {
        Some(c) if c.turns > 0 => format!("{}\n\ncost: {}", show(&v.task), super::cost_line(c)),
        _ => show(&v.task),
    })
}

/// `body` is `--body` and `--body-file`.
async fn update(
    env: &Env,
    target: &Target,
    title: &Option<String>,
    (body, body_file): (Option<&str>, Option<&str>),
    depends_on: Option<&[String]>,
    requirement: Option<&str>,
) -> Result<()> {
    let id = id_of(env, target).await?;
    let patch = UpdateTask {
        title: title.clone(),
        body: read_body(body, body_file)?,
        status: None,
        depends_on: depends_on.map(refs).transpose()?,
        requirement_id: requirement.map(reference).transpose()?,
    };
    let t: Task = env.client.patch("update task", &format!("/api/tasks/{id}"), &patch).await?;
    env.print(&t, |t| format!("Updated {}.", t.handle))
}

async fn set_status(env: &Env, target: &Target, status: &str) -> Result<()> {
    let id = id_of(env, target).await?;
    let patch = UpdateTask { status: TaskStatus::parse(status), ..UpdateTask::default() };
    let t: Task = env.client.patch("set status", &format!("/api/tasks/{id}"), &patch).await?;
    if t.status != TaskStatus::Done {
        return env.print(&t, |t| format!("{} is {}.", t.handle, t.status.as_str()));
    }
    // Finishing a task is when work opens up: say what may start now, so the next step
    // needs no second query.
    let path = format!("/api/projects/{}/tasks?ready=true", t.project_id);
    let ready: Vec<Task> = resolve::all_pages(&env.client, "list ready tasks", &path).await?;
    let now_ready = unblocked_by(&t.handle, &ready);
    let mut value = serde_json::to_value(&t)?;
    value["now_ready"] = serde_json::json!(now_ready);
    env.print(&value, |_| done_line(&t.handle, &now_ready))
}

/// The ready tasks that depended on `handle`: the ones its completion may have unblocked.
fn unblocked_by(handle: &str, ready: &[Task]) -> Vec<String> {
    ready.iter().filter(|t| t.depends_on.iter().any(|d| d == handle)).map(|t| t.handle.clone()).collect()
}

fn done_line(handle: &str, now_ready: &[String]) -> String {
    if now_ready.is_empty() {
        format!("{handle} is done.")
    } else {
        format!("{handle} is done; now ready: {}.", now_ready.join(", "))
    }
}

async fn rm(env: &Env, target: &Target, yes: bool) -> Result<()> {
    // Looked up first: one that does not exist says so before asking for --yes.
    let id = id_of(env, target).await?;
    let _: serde_json::Value = env.client.get(&format!("find {}", target.task), &format!("/api/tasks/{id}")).await?;
    confirm(yes, &format!("task {} with its comments", target.task))?;
    env.client.delete("delete task", &format!("/api/tasks/{id}")).await?;
    env.print(&serde_json::json!({"deleted": target.task}), |_| format!("Deleted {}.", target.task))
}

async fn comment(env: &Env, target: &Target, text: &str) -> Result<()> {
    let id = id_of(env, target).await?;
    let c: Comment = env
        .client
        .post("comment", &format!("/api/tasks/{id}/comments"), &CreateComment { body: text.to_owned() })
        .await?;
    env.print(&c, |c| format!("Commented on {} (comment {}).", target.task, c.id))
}

async fn comments(env: &Env, target: &Target) -> Result<()> {
    let id = id_of(env, target).await?;
    let all: Vec<Comment> =
        resolve::all_pages(&env.client, "list comments", &format!("/api/tasks/{id}/comments")).await?;
    if env.json {
        return Ok(output::json(&all)?);
    }
    if all.is_empty() {
        // Say so: silence reads like a failure to a person and an agent alike.
        return Ok(output::line(&format!("No comments on {} yet.", target.task))?);
    }
    for c in &all {
        output::line(&format!("{} {}: {}", c.created_at.get(..16).unwrap_or(&c.created_at), c.author.name, c.body))?;
    }
    Ok(())
}
