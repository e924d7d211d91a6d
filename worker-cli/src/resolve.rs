//! Turning what people type into ids: a workspace, project or user given by id or by name, a
//! session by id or `S-N` handle.

use anyhow::{anyhow, bail, Result};
use protocol::api::{Page, Project, User, Workspace};
use protocol::handle::HandleKind;
use protocol::model::ItemRef;
use serde::de::DeserializeOwned;

use crate::client::Client;

/// Reads every page of a list.
pub async fn all_pages<T: DeserializeOwned>(client: &Client, action: &str, path: &str) -> Result<Vec<T>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
            None => format!("{path}{sep}limit=200"),
        };
        let page: Page<T> = client.get(action, &url).await?;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// A workspace by id or (case-insensitive) name.
pub async fn workspace(client: &Client, given: &str) -> Result<Workspace> {
    if let Ok(id) = given.parse::<i64>() {
        return client.get("find workspace", &format!("/api/workspaces/{id}")).await;
    }
    let all: Vec<Workspace> = all_pages(client, "list workspaces", "/api/workspaces").await?;
    all.into_iter()
        .find(|w| w.name.eq_ignore_ascii_case(given))
        .ok_or_else(|| anyhow!("no workspace named {given:?} is visible to you: see `baton workspace ls`"))
}

/// A person by id or username (exact, else case-insensitive when that names one), from the
/// list of people (admins see everyone; a member sees what the server shows them).
pub async fn user(client: &Client, given: &str) -> Result<User> {
    let all: Vec<User> = all_pages(client, "list users", "/api/users").await?;
    pick_user(all, given)
}

fn pick_user(all: Vec<User>, given: &str) -> Result<User> {
    let id = given.parse::<i64>().ok();
    if let Some(u) = all.iter().find(|u| Some(u.id) == id || u.username == given) {
        return Ok(u.clone());
    }
    let mut loose: Vec<User> = all.into_iter().filter(|u| u.username.eq_ignore_ascii_case(given)).collect();
    match loose.len() {
        1 => Ok(loose.remove(0)),
        0 => bail!("no user named {given:?}: see `baton user ls`"),
        _ => bail!("several users are named {given:?} but for case: give the exact username or the id"),
    }
}

/// A project by id, or by name within `workspace` (or within every visible workspace when
/// none is given, as long as the name is unambiguous).
pub async fn project(client: &Client, given: &str, workspace: Option<&str>) -> Result<Project> {
    if let Ok(id) = given.parse::<i64>() {
        return client.get("find project", &format!("/api/projects/{id}")).await;
    }
    let workspaces = match workspace {
        Some(w) => vec![self::workspace(client, w).await?],
        None => all_pages(client, "list workspaces", "/api/workspaces").await?,
    };
    let mut found = Vec::new();
    for w in &workspaces {
        let projects: Vec<Project> =
            all_pages(client, "list projects", &format!("/api/workspaces/{}/projects", w.id)).await?;
        found.extend(projects.into_iter().filter(|p| p.name.eq_ignore_ascii_case(given)));
    }
    match found.len() {
        0 => bail!("no project named {given:?} is visible to you: see `baton project ls`"),
        1 => Ok(found.remove(0)),
        _ => bail!("several workspaces have a project named {given:?}: add --workspace or use the project id"),
    }
}

/// The row id of a requirement or task given by id (`12`) or handle (`R-3`, `T-12`), or for a
/// requirement `#123` (the one mirroring GitHub issue 123), in a project. The text is read by
/// the protocol's one parser of such references, [`ItemRef`].
pub async fn item_id(client: &Client, project_id: Option<i64>, given: &str, kind: HandleKind) -> Result<i64> {
    let parsed: ItemRef =
        given.parse().map_err(|_| anyhow!("{given:?} is neither an id nor a handle like {}-3", kind.prefix()))?;
    let segment = match parsed {
        ItemRef::Id(id) => return Ok(id),
        ItemRef::Github(number) if kind == HandleKind::Requirement => format!("%23{number}"),
        ItemRef::Handle(handle) if handle.kind == kind => handle.to_string(),
        _ => bail!("{given} is not a {} handle ({}-N)", kind_name(kind), kind.prefix()),
    };
    let Some(project_id) = project_id else {
        bail!("{given} is a handle: say which project with --project, or `baton use PROJECT`");
    };
    let item: serde_json::Value =
        client.get(&format!("find {given}"), &format!("/api/projects/{project_id}/items/{segment}")).await?;
    item["id"].as_i64().ok_or_else(|| anyhow!("the server answered no id for {given}"))
}

fn kind_name(kind: HandleKind) -> &'static str {
    match kind {
        HandleKind::Requirement => "requirement",
        HandleKind::Task => "task",
        HandleKind::Worker => "worker",
        HandleKind::Session => "session",
    }
}

/// A session by id or `S-N`.
pub fn session_id(given: &str) -> Result<i64> {
    global_id(given, HandleKind::Session)
}

/// A worker by id or `W-N`.
pub fn worker_id(given: &str) -> Result<i64> {
    global_id(given, HandleKind::Worker)
}

/// A thing numbered across the server (a session, a worker) by id or handle.
fn global_id(given: &str, kind: HandleKind) -> Result<i64> {
    match given.parse::<ItemRef>() {
        Ok(ItemRef::Id(id)) => Ok(id),
        Ok(ItemRef::Handle(h)) if h.kind == kind => Ok(h.number as i64),
        _ => bail!("{given:?} is not a {}: give its id (7) or handle ({}-7)", kind_name(kind), kind.prefix()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_ids_or_usernames() {
        let user = |id: i64, name: &str| -> User {
            serde_json::from_value(serde_json::json!({"id": id, "username": name, "role": "member", "created_at": "t"}))
                .unwrap()
        };
        let all = vec![user(1, "ada"), user(2, "Bob"), user(3, "bob"), user(4, "Cy")];
        assert_eq!(pick_user(all.clone(), "ada").unwrap().id, 1);
        assert_eq!(pick_user(all.clone(), "2").unwrap().id, 2);
        assert_eq!(pick_user(all.clone(), "bob").unwrap().id, 3);
        assert_eq!(pick_user(all.clone(), "cy").unwrap().id, 4);
        assert!(pick_user(all.clone(), "BOB").unwrap_err().to_string().contains("exact username"));
        assert!(pick_user(all, "eve").unwrap_err().to_string().contains("baton user ls"));
    }

    #[test]
    fn sessions_are_ids_or_s_handles() {
        assert_eq!(session_id("7").unwrap(), 7);
        assert_eq!(session_id("S-7").unwrap(), 7);
        assert!(session_id("T-7").is_err());
        assert!(session_id("0").is_err());
    }
}
