//! Pure rules of the mirror: what an issue payload says, which requirement status it maps to,
//! whether an event is newer than what the mirror shows, and the small parsers the sync needs
//! (repository names, the `Link` header).

use protocol::model::{GithubState, RequirementStatus};
use serde_json::Value;

/// What the mirror keeps of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub number: i64,
    pub title: String,
    pub url: String,
    pub state: GithubState,
    /// The requirement status the issue's state implies.
    pub status: RequirementStatus,
    /// Deleted or transferred away: the mirror marks it and leaves an existing requirement's
    /// status alone (the issue leaving says nothing about the work).
    pub left: bool,
    pub updated_at_ms: i64,
    pub is_pull_request: bool,
}

/// Reads `issue` from a payload (or an issue of the REST API). `left` marks an issue that was
/// deleted or transferred away.
pub fn snapshot(issue: &Value, left: Option<GithubState>) -> Result<Snapshot, String> {
    let number = issue["number"].as_i64().filter(|n| *n > 0).ok_or("issue.number is missing")?;
    let title = issue["title"].as_str().ok_or("issue.title is missing")?;
    let url = issue["html_url"].as_str().ok_or("issue.html_url is missing")?;
    let updated = issue["updated_at"].as_str().ok_or("issue.updated_at is missing")?;
    let updated_at_ms = protocol::time::ms_from_rfc3339(updated).ok_or("issue.updated_at is not a time")?;
    let open = match issue["state"].as_str() {
        Some("open") => true,
        Some("closed") => false,
        _ => return Err("issue.state must be open or closed".into()),
    };
    let state = left.unwrap_or(if open { GithubState::Open } else { GithubState::Closed });
    let status = status_for(open, issue["state_reason"].as_str());
    Ok(Snapshot {
        number,
        title: title.chars().take(crate::http::validate::MAX_TITLE_CHARS).collect(),
        url: url.to_owned(),
        state,
        status,
        left: left.is_some(),
        updated_at_ms,
        is_pull_request: issue.get("pull_request").is_some_and(|p| !p.is_null()),
    })
}

/// open → active; closed as completed (or with no reason, as older GitHub sends) → done;
/// closed as not planned, a duplicate, or anything else → cancelled.
pub fn status_for(open: bool, state_reason: Option<&str>) -> RequirementStatus {
    match (open, state_reason) {
        (true, _) => RequirementStatus::Active,
        (false, None | Some("completed")) => RequirementStatus::Done,
        (false, Some(_)) => RequirementStatus::Cancelled,
    }
}

/// What the mirror shows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mirrored {
    pub updated_at_ms: i64,
    pub state: GithubState,
}

fn has_left(state: GithubState) -> bool {
    matches!(state, GithubState::Deleted | GithubState::Transferred)
}

/// Events converge whatever order they arrive in: a newer `updated_at` wins; at the same
/// instant an issue leaving (deleted, transferred) wins over one still there, and an equal
/// event applies again harmlessly.
pub fn should_apply(stored: Option<Mirrored>, incoming: Mirrored) -> bool {
    match stored {
        None => true,
        Some(s) if incoming.updated_at_ms != s.updated_at_ms => incoming.updated_at_ms > s.updated_at_ms,
        Some(s) => has_left(incoming.state) || !has_left(s.state),
    }
}

/// `owner/name` as GitHub allows it, or `None`.
pub fn valid_repo(text: &str) -> Option<String> {
    let (owner, name) = text.trim().split_once('/')?;
    let part_ok = |p: &str, max: usize| {
        !p.is_empty()
            && p.len() <= max
            && p != "."
            && p != ".."
            && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (part_ok(owner, 39) && part_ok(name, 100)).then(|| format!("{owner}/{name}"))
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue(state: &str, reason: Option<&str>, updated: &str) -> Value {
        json!({"number": 7, "title": "Fix it", "html_url": "https://github.com/o/r/issues/7",
               "state": state, "state_reason": reason, "updated_at": updated})
    }

    #[test]
    fn statuses_follow_state_and_reason() {
        let s = snapshot(&issue("open", None, "2024-01-01T00:00:00Z"), None).unwrap();
        assert_eq!((s.state, s.status, s.left), (GithubState::Open, RequirementStatus::Active, false));
        assert_eq!(status_for(false, Some("completed")), RequirementStatus::Done);
        assert_eq!(status_for(false, None), RequirementStatus::Done);
        assert_eq!(status_for(false, Some("not_planned")), RequirementStatus::Cancelled);
        assert_eq!(status_for(false, Some("duplicate")), RequirementStatus::Cancelled);
        let gone = snapshot(&issue("closed", None, "2024-01-01T00:00:00Z"), Some(GithubState::Deleted)).unwrap();
        assert_eq!((gone.state, gone.status, gone.left), (GithubState::Deleted, RequirementStatus::Done, true));
    }

    #[test]
    fn malformed_issues_are_refused_and_pull_requests_recognised() {
        assert!(snapshot(&json!({"number": 1}), None).is_err());
        assert!(snapshot(&issue("merged", None, "2024-01-01T00:00:00Z"), None).is_err());
        assert!(snapshot(&issue("open", None, "yesterday"), None).is_err());
        let mut pr = issue("open", None, "2024-01-01T00:00:00Z");
        pr["pull_request"] = json!({"url": "x"});
        assert!(snapshot(&pr, None).unwrap().is_pull_request);
    }

    #[test]
    fn newer_wins_and_leaving_wins_a_tie() {
        let m = |t, state| Mirrored { updated_at_ms: t, state };
        use GithubState::*;
        assert!(should_apply(None, m(1, Open)));
        assert!(should_apply(Some(m(1, Open)), m(2, Closed)));
        assert!(!should_apply(Some(m(2, Closed)), m(1, Open)), "an older event never wins");
        assert!(should_apply(Some(m(2, Open)), m(2, Open)), "the same instant again is harmless");
        assert!(should_apply(Some(m(2, Open)), m(2, Deleted)));
        assert!(!should_apply(Some(m(2, Deleted)), m(2, Open)), "a tie never resurrects a deleted issue");
        assert!(should_apply(Some(m(2, Deleted)), m(3, Open)), "a later reopen (after a transfer back) does");
    }

    #[test]
    fn repository_names_and_link_headers() {
        assert_eq!(valid_repo(" octo-org/octo.repo ").as_deref(), Some("octo-org/octo.repo"));
        for bad in ["octo", "/repo", "o/", "o/r/x", "o/..", "o w/r", "o/r?x=1"] {
            assert_eq!(valid_repo(bad), None, "{bad}");
        }
        let header = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(next_link(header).as_deref(), Some("https://api.github.com/repositories/1/issues?page=2"));
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
    }
}
