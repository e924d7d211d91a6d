//! `baton requirement create|ls|get|update|set-status|rm` (alias `req`).

use anyhow::{Context, Result};
use protocol::handle::HandleKind;
use protocol::model::{CreateRequirement, Requirement, RequirementStatus, Resource, ResourceKind, UpdateRequirement};

use super::{confirm, Env};
use crate::resolve;

#[derive(Debug, clap::Args)]
pub struct Target {
    /// The requirement: its handle, its GitHub issue (#123) or id
    pub requirement: String,
    /// The project of a handle [default: see `baton use`]
    #[arg(long, short)]
    pub project: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Fields {
    /// One line on what it is for
    #[arg(long)]
    pub description: Option<String>,
    /// Markdown body
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the Markdown body from a file (- for stdin)
    #[arg(long, value_name = "PATH")]
    pub body_file: Option<String>,
    /// A link (URL); repeat for more. Replaces the resources on update
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<String>,
    /// A document (URL); repeat for more
    #[arg(long = "doc", value_name = "URL")]
    pub docs: Vec<String>,
    /// A file in the repository; repeat for more
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<String>,
}

impl Fields {
    fn body(&self) -> Result<Option<String>> {
        read_body(self.body.as_deref(), self.body_file.as_deref())
    }

    fn resources(&self) -> Option<Vec<Resource>> {
        let make = |kind, targets: &Vec<String>| {
            targets.iter().map(move |t| Resource { kind, target: t.clone(), title: None }).collect::<Vec<_>>()
        };
        let all: Vec<Resource> = make(ResourceKind::Link, &self.links)
            .into_iter()
            .chain(make(ResourceKind::Doc, &self.docs))
            .chain(make(ResourceKind::File, &self.files))
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

/// `--body TEXT` or `--body-file PATH|-`.
pub fn read_body(text: Option<&str>, file: Option<&str>) -> Result<Option<String>> {
    match (text, file) {
        (Some(text), _) => Ok(Some(text.to_owned())),
        (None, Some("-")) => {
            Ok(Some(std::io::read_to_string(std::io::stdin()).context("cannot read the body from stdin")?))
        }
        (None, Some(path)) => Ok(Some(std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?)),
        (None, None) => Ok(None),
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a requirement in the project
    #[command(after_help = "Example:\n  baton requirement create 'Sign-in with SSO' --link https://example.org/spec")]
    Create {
        title: String,
        #[arg(long, short)]
        project: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// List the project's requirements
    Ls {
        #[arg(long, short)]
        project: Option<String>,
        /// Only this status: active, done or cancelled
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one requirement
    Get(Target),
    /// Change a requirement's title, text or resources
    Update {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// Set a requirement's status: active, done or cancelled
    #[command(after_help = "Example:\n  baton requirement set-status R-2 done")]
    SetStatus {
        #[command(flatten)]
        target: Target,
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(protocol::model::RequirementStatus::names()))]
        status: String,
    },
    /// Delete a requirement with its tasks and their comments
    Rm {
        #[command(flatten)]
        target: Target,
        /// Really delete
        #[arg(long)]
        yes: bool,
    },
}

async fn id_of(env: &Env, target: &Target) -> Result<i64> {
    env.item_id(&target.requirement, target.project.as_deref(), HandleKind::Requirement).await
}

fn show(r: &Requirement) -> String {
    let mut out = format!("{} {} [{}]", r.handle, r.title, r.status.as_str());
    if let Some(issue) = &r.github {
        out.push_str(&format!("\nGitHub #{} ({}) {}", issue.number, issue.state.as_str(), issue.url));
    }
    if !r.description.is_empty() {
        out.push_str(&format!("\n{}", r.description));
    }
    for resource in &r.resources {
        out.push_str(&format!("\n  {:?}: {}", resource.kind, resource.target).to_lowercase());
    }
    if !r.body.is_empty() {
        out.push_str(&format!("\n\n{}", r.body.trim_end()));
    }
    out
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Create { title, project, fields } => {
            let p = env.project(project.as_deref(), None).await?;
            let body = CreateRequirement {
                title: title.clone(),
                description: fields.description.clone(),
                body: fields.body()?,
                resources: fields.resources(),
                status: None,
            };
            let r: Requirement =
                env.client.post("create requirement", &format!("/api/projects/{}/requirements", p.id), &body).await?;
            env.print(&r, |r| format!("Created {} in {}: {}", r.handle, p.name, r.title))
        }
        Command::Ls { project, status } => {
            let p = env.project(project.as_deref(), None).await?;
            let filter = status.as_deref().map(|s| format!("?status={s}")).unwrap_or_default();
            let path = format!("/api/projects/{}/requirements{filter}", p.id);
            let all: Vec<Requirement> = resolve::all_pages(&env.client, "list requirements", &path).await?;
            env.print_table(&all, &["REQ", "ISSUE", "STATUS", "TITLE"], |r| {
                let issue = r.github.as_ref().map(|g| format!("#{}", g.number)).unwrap_or_default();
                vec![r.handle.clone(), issue, r.status.as_str().into(), r.title.clone()]
            })
        }
        Command::Get(target) => {
            let id = id_of(env, target).await?;
            let r: Requirement = env.client.get("get requirement", &format!("/api/requirements/{id}")).await?;
            env.print(&r, show)
        }
        Command::Update { target, title, fields } => {
            let id = id_of(env, target).await?;
            let patch = UpdateRequirement {
                title: title.clone(),
                description: fields.description.clone(),
                body: fields.body()?,
                resources: fields.resources(),
                status: None,
            };
            let r: Requirement =
                env.client.patch("update requirement", &format!("/api/requirements/{id}"), &patch).await?;
            env.print(&r, |r| format!("Updated {}.", r.handle))
        }
        Command::SetStatus { target, status } => {
            let id = id_of(env, target).await?;
            let patch = UpdateRequirement { status: RequirementStatus::parse(status), ..UpdateRequirement::default() };
            let r: Requirement = env.client.patch("set status", &format!("/api/requirements/{id}"), &patch).await?;
            env.print(&r, |r| format!("{} is {}.", r.handle, r.status.as_str()))
        }
        Command::Rm { target, yes } => {
            // Looked up first: one that does not exist says so before asking for --yes.
            let id = id_of(env, target).await?;
            let _: serde_json::Value =
                env.client.get(&format!("find {}", target.requirement), &format!("/api/requirements/{id}")).await?;
            confirm(*yes, &format!("requirement {} with its tasks and comments", target.requirement))?;
            env.client.delete("delete requirement", &format!("/api/requirements/{id}")).await?;
            env.print(&serde_json::json!({"deleted": target.requirement}), |_| {
                format!("Deleted {}.", target.requirement)
            })
        }
    }
}
