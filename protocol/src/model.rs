//! The planning model of a project: requirements (`R-N`), tasks (`T-N`) with dependencies,
//! and task comments; their request bodies, and the pure rules about their statuses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::event::Author;
use crate::handle::Handle;

/// A reference people type: a row id (`12`), a handle (`T-3`, `R-1`, `W-2`, `S-7`) or a
/// mirrored GitHub issue (`#123`, or `%23123` as it arrives in a URL path). The one parser of
/// such references: the Worker, the CLI and the bodies all read them through [`FromStr`].
/// In JSON an id is a number (or its digits as a string) and the others are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef {
    Id(i64),
    Handle(Handle),
    Github(u64),
}

impl FromStr for ItemRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Some(digits) = text.strip_prefix('#').or_else(|| text.strip_prefix("%23")) {
            return match digits.parse::<u64>() {
                Ok(n) if n > 0 && !digits.starts_with('+') => Ok(ItemRef::Github(n)),
                _ => Err(format!("{text:?} is not a GitHub issue number like #123")),
            };
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<i64>() {
                Ok(id) if id > 0 => Ok(ItemRef::Id(id)),
                _ => Err(format!("{text:?} is not a positive id")),
            };
        }
        text.parse::<Handle>()
            .map(ItemRef::Handle)
            .map_err(|_| format!("{text:?} is neither an id, a handle like T-3 nor an issue like #123"))
    }
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemRef::Id(id) => write!(f, "{id}"),
            ItemRef::Handle(h) => write!(f, "{h}"),
            ItemRef::Github(n) => write!(f, "#{n}"),
        }
    }
}

impl Serialize for ItemRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ItemRef::Id(id) => s.serialize_i64(*id),
            other => s.collect_str(other),
        }
    }
}

impl<'de> Deserialize<'de> for ItemRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(id) if id > 0 => Ok(ItemRef::Id(id)),
            Raw::Number(id) => Err(serde::de::Error::custom(format!("{id} is not a positive id"))),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequirementStatus {
    Active,
    Done,
    Cancelled,
}

impl RequirementStatus {
    pub const ALL: [RequirementStatus; 3] =
        [RequirementStatus::Active, RequirementStatus::Done, RequirementStatus::Cancelled];

    /// The names of [`RequirementStatus::ALL`], for a command line's choices.
    pub fn names() -> [&'static str; 3] {
        RequirementStatus::ALL.map(RequirementStatus::as_str)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequirementStatus::Active => "active",
            RequirementStatus::Done => "done",
            RequirementStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Blocked,
    Done,
    Failed,
    Cancelled,
}

/// Why a task may not take a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRefusal {
    /// The move itself is not allowed (`done` → `blocked`, say).
    NotAllowed { from: TaskStatus, to: TaskStatus },
    /// Work cannot start or finish while a dependency is not done.
    WaitsFor,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Blocked,
        TaskStatus::Done,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// The names of [`TaskStatus::ALL`], for a command line's choices.
    pub fn names() -> [&'static str; 6] {
        TaskStatus::ALL.map(TaskStatus::as_str)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Blocked => "blocked",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }

    /// The lifecycle: open work moves freely between todo, in progress and blocked and ends
    /// done, failed or cancelled; an ended task can only be reopened (to todo), and a failed
    /// one retried (to in progress). Staying put is always allowed.
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        if self == to {
            return true;
        }
        match self {
            Todo | InProgress | Blocked => true,
            Done | Cancelled => to == Todo,
            Failed => matches!(to, Todo | InProgress),
        }
    }

    /// Checks a status change, given whether every dependency is done. Starting or finishing
    /// work needs every dependency done.
    pub fn change(self, to: TaskStatus, dependencies_done: bool) -> Result<TaskStatus, StatusRefusal> {
        if !self.can_become(to) {
            return Err(StatusRefusal::NotAllowed { from: self, to });
        }
        if self != to && matches!(to, TaskStatus::InProgress | TaskStatus::Done) && !dependencies_done {
            return Err(StatusRefusal::WaitsFor);
        }
        Ok(to)
    }

    /// Ready: to do, with every dependency done.
    pub fn is_ready(self, dependencies_done: bool) -> bool {
        self == TaskStatus::Todo && dependencies_done
    }
}

/// What a requirement points at: a document, a link or a file in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub kind: ResourceKind,
    /// A URL for `link` and `doc`, a repository path for `file`.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Doc,
    Link,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Requirement {
    pub id: i64,
    pub handle: String,
    pub project_id: i64,
    pub title: String,
    pub description: String,
    /// Markdown.
    pub body: String,
    pub resources: Vec<Resource>,
    pub status: RequirementStatus,
    /// The GitHub issue this requirement mirrors, if any.
    #[serde(default)]
    pub github: Option<GithubIssue>,
    pub created_at: String,
    pub updated_at: String,
}

/// A mirrored GitHub issue, as a requirement shows it: `#number` and its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GithubIssue {
    pub number: u64,
    pub url: String,
    pub state: GithubState,
}

/// The issue's state on GitHub. `deleted` and `transferred` mark issues that left the
/// repository; their requirements are kept, never silently dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GithubState {
    Open,
    Closed,
    Deleted,
    Transferred,
    #[serde(other)]
    Unknown,
}

impl GithubState {
    pub fn as_str(self) -> &'static str {
        match self {
            GithubState::Open => "open",
            GithubState::Closed => "closed",
            GithubState::Deleted => "deleted",
            GithubState::Transferred => "transferred",
            GithubState::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> GithubState {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(GithubState::Unknown)
    }
}

/// `POST /api/projects/:id/requirements`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRequirement {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub resources: Option<Vec<Resource>>,
    #[serde(default)]
    pub status: Option<RequirementStatus>,
}

/// `PATCH /api/requirements/:id`: absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateRequirement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<Resource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequirementStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Task {
    pub id: i64,
    pub handle: String,
    pub project_id: i64,
    pub requirement_id: i64,
    /// The requirement's handle.
    pub requirement: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub status: TaskStatus,
    /// Handles of the tasks this one waits for.
    pub depends_on: Vec<String>,
    /// To do, with every dependency done.
    pub ready: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/projects/:id/tasks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    /// The requirement, by id or handle (`"R-2"`).
    pub requirement_id: ItemRef,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub depends_on: Option<Vec<ItemRef>>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

/// `PATCH /api/tasks/:id`: absent fields stay as they are; `depends_on` replaces the set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<ItemRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement_id: Option<ItemRef>,
}

/// A task comment. Comments are append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Comment {
    pub id: i64,
    pub task_id: i64,
    pub author: Author,
    /// Markdown.
    pub body: String,
    pub created_at: String,
}

/// `POST /api/tasks/:id/comments`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    pub body: String,
}

/// `GET /api/projects/:id/items/:handle`: whatever the handle names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Requirement(Requirement),
    Task(Task),
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ItemRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ItemRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A row id, a handle (R-3, T-12, W-2, S-7) or a mirrored GitHub issue (#123).",
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": "^([1-9][0-9]*|[RrTtWwSs]-[1-9][0-9]*|#[1-9][0-9]*)$"}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a command line offers (and `as_str`) are the wire's names, for every closed
    /// set the CLI takes or shows.
    #[test]
    fn closed_sets_name_their_members_as_the_wire_does() {
        fn check<T: Serialize + Copy>(all: &[T], as_str: impl Fn(T) -> &'static str) {
            for member in all {
                assert_eq!(serde_json::to_value(member).unwrap(), as_str(*member));
            }
        }
        check(&TaskStatus::ALL, TaskStatus::as_str);
        check(&RequirementStatus::ALL, RequirementStatus::as_str);
        check(&crate::api::Effort::ALL, crate::api::Effort::as_str);
        check(&crate::api::SessionState::ALL, crate::api::SessionState::as_str);
        check(&crate::worker::RegistrationOutcome::ALL, crate::worker::RegistrationOutcome::as_str);
        check(&crate::worker::AgentKind::ALL, crate::worker::AgentKind::as_str);
        use crate::event::AuthorKind;
        check(
            &[
                AuthorKind::User,
                AuthorKind::Worker,
                AuthorKind::Agent,
                AuthorKind::Guest,
                AuthorKind::Loop,
                AuthorKind::Chat,
            ],
            AuthorKind::as_str,
        );
        use crate::loops::LoopOutcome;
        check(&[LoopOutcome::Ran, LoopOutcome::Skipped], LoopOutcome::as_str);
        assert_eq!(TaskStatus::names().len(), TaskStatus::ALL.len());
    }

    #[test]
    fn item_refs_have_one_parser() {
        use crate::handle::HandleKind;
        assert_eq!("12".parse::<ItemRef>(), Ok(ItemRef::Id(12)));
        assert_eq!("t-3".parse::<ItemRef>(), Ok(ItemRef::Handle(Handle::new(HandleKind::Task, 3))));
        assert_eq!("#123".parse::<ItemRef>(), Ok(ItemRef::Github(123)));
        assert_eq!("%23123".parse::<ItemRef>(), Ok(ItemRef::Github(123)));
        for bad in ["", "0", "-1", "+1", "#0", "#", "#x", "X-1", "99999999999999999999"] {
            assert!(bad.parse::<ItemRef>().is_err(), "{bad:?}");
        }
        let refs: Vec<ItemRef> = serde_json::from_str(r##"[4, "T-1", "7", "#9"]"##).unwrap();
        assert_eq!(serde_json::to_string(&refs).unwrap(), r##"[4,"T-1",7,"#9"]"##);
        assert!(serde_json::from_str::<ItemRef>("0").is_err());
        assert!(serde_json::from_str::<ItemRef>("true").is_err());
        for r in refs {
            assert_eq!(r.to_string().parse::<ItemRef>(), Ok(r));
        }
    }
    use TaskStatus::*;

    #[test]
    fn every_legal_and_illegal_move() {
        let legal = |from: TaskStatus, to: TaskStatus| match from {
            Todo | InProgress | Blocked => true,
            Done | Cancelled => to == Todo || to == from,
            Failed => matches!(to, Todo | InProgress | Failed),
        };
        for from in TaskStatus::ALL {
            for to in TaskStatus::ALL {
                assert_eq!(from.can_become(to), legal(from, to), "{from:?} -> {to:?}");
            }
        }
        assert_eq!(Done.change(Blocked, true), Err(StatusRefusal::NotAllowed { from: Done, to: Blocked }));
    }

    #[test]
    fn work_waits_for_dependencies() {
        assert_eq!(Todo.change(InProgress, false), Err(StatusRefusal::WaitsFor));
        assert_eq!(InProgress.change(Done, false), Err(StatusRefusal::WaitsFor));
        assert_eq!(Todo.change(Blocked, false), Ok(Blocked));
        assert_eq!(Todo.change(Cancelled, false), Ok(Cancelled));
        assert_eq!(InProgress.change(InProgress, false), Ok(InProgress), "staying put is fine");
        assert_eq!(Todo.change(InProgress, true), Ok(InProgress));
        assert!(Todo.is_ready(true) && !Todo.is_ready(false) && !Blocked.is_ready(true));
    }

    #[test]
    fn references_are_ids_or_handles() {
        let refs: Vec<ItemRef> = serde_json::from_str(r#"[3, "T-4"]"#).unwrap();
        assert_eq!(refs[0], ItemRef::Id(3));
        assert_eq!(refs[1], ItemRef::Handle("T-4".parse().unwrap()));
        assert!(serde_json::from_str::<ItemRef>(r#""X-4""#).is_err());
    }

    #[test]
    fn statuses_parse_their_wire_names() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequirementStatus::parse("done"), Some(RequirementStatus::Done));
        assert_eq!(TaskStatus::parse("doing"), None);
    }

    #[test]
    fn an_item_is_tagged_with_its_kind() {
        let text = r#"{"kind":"requirement","id":1,"handle":"R-1","project_id":2,"title":"t","description":"","body":"","resources":[{"kind":"link","target":"https://x"}],"status":"active","github":null,"created_at":"a","updated_at":"b"}"#;
        let item: Item = serde_json::from_str(text).unwrap();
        assert!(matches!(item, Item::Requirement(ref r) if r.handle == "R-1"));
        assert_eq!(serde_json::to_string(&item).unwrap(), text);
    }
}
