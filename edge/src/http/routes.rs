//! The route table: every path of the API, its method and its name. Pure: matching a method
//! and path to a [`Route`] does no I/O, so it is unit-tested natively and the OpenAPI
//! document can be checked against [`ROUTES`].
//!
//! Path parameters are written `:name` and captured as strings; handlers parse them (see
//! [`Matched::id`]).

use protocol::handle::{Handle, HandleKind};

use crate::http::error::{ApiError, ApiResult};

/// Declared in the order `Allow` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "GET" | "HEAD" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What a request asks for. One variant per (method, path) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    AuthBootstrap,
    AuthLogin,
    AuthLogout,
    AuthMe,
    AuthMeUpdate,
    AuthPassword,
    TokensCreate,
    TokensList,
    TokensRevoke,
    UsersCreate,
    UsersList,
    WorkspacesCreate,
    WorkspacesList,
    WorkspacesGet,
    WorkspacesUpdate,
    WorkspacesDelete,
    WorkspaceMembersList,
    WorkspaceMembersAdd,
    WorkspaceMembersRemove,
    WorkspaceProjectsList,
    ProjectsCreate,
    ProjectsGet,
    ProjectsUpdate,
    ProjectsDelete,
    ProjectStream,
    ProjectEventsList,
    ProjectItemGet,
    ProjectSessionsList,
    RequirementsCreate,
    RequirementsList,
    RequirementsGet,
    RequirementsUpdate,
    RequirementsDelete,
    TasksCreate,
    TasksList,
    TasksGet,
    TasksUpdate,
    TasksDelete,
    TaskCommentsCreate,
    TaskCommentsList,
    OpenApi,
    GithubWebhook,
    WorkersRegister,
    WorkersList,
    WorkersGet,
    WorkersDelete,
    WorkerStream,
    WorkerSessionsList,
    SessionEventsAppend,
    SessionsDelete,
    SessionsUpdate,
    SessionClear,
    SessionTokenMint,
    SessionInputsCreate,
    SessionInputsList,
    SessionInputAnswer,
    SessionInputExpire,
    InputsInbox,
    ProjectCost,
    TaskCost,
    SessionSharesCreate,
    ProjectWebhooksCreate,
    ProjectWebhooksList,
    ProjectWebhookDelete,
    SessionSharesList,
    ShareRevoke,
    ShareRotate,
    SharePage,
    ShareSession,
    ShareEvents,
    ShareStream,
    ShareInputs,
    ShareMessage,
    ShareAnswer,
    AttachmentUpload,
    AttachmentDownload,
    WorkerHeartbeat,
    WorkerTokenRotate,
    WorkerTokenRevoke,
    UsersUpdate,
    UserTokensRevoke,
    UserTokensCreate,
    SessionStop,
    SessionResume,
    SessionAbort,
    GithubConnect,
    GithubLinksList,
    GithubLinkUpdate,
    GithubLinkDelete,
    GithubSync,
    GithubSecretRotate,
    SessionsCreate,
    SessionsGet,
    SessionMessagesPost,
    SessionEventsList,
    SessionStream,
    BatonPass,
    BatonCatch,
    BatonDone,
    BatonStatus,
    BatonHeartbeat,
    BatonFail,
    BatonCancel,
    BatonsList,
    Mcp,
    A2aCard,
    A2a,
    A2aProjectCard,
    A2aProject,
    A2aWorkerCard,
    A2aWorker,
    ChannelsCreate,
    ChannelsList,
    ChannelHelp,
    ChannelsGet,
    ChannelsUpdate,
    ChannelsDelete,
    ChannelMembersList,
    ChannelMemberJoin,
    ChannelMemberLeave,
    ChannelMessagesPost,
    ChannelMessagesList,
    ChannelStream,
    ChannelInvitesCreate,
    ChannelInvitesList,
    ChannelInviteRevoke,
    RelaysCreate,
    ChannelAttachmentUpload,
    ChannelAttachmentDownload,
    BridgesCreate,
    BridgesList,
    BridgesGet,
    BridgesUpdate,
    BridgesDelete,
    BridgeDingtalk,
    BridgeFeishu,
    BridgeHelp,
    LoopsCreate,
    LoopsList,
    LoopsGet,
    LoopsUpdate,
    LoopsDelete,
}

/// One row of the table.
pub struct RouteSpec {
    pub method: Method,
    pub pattern: &'static str,
    pub route: Route,
}

const fn spec(method: Method, pattern: &'static str, route: Route) -> RouteSpec {
    RouteSpec { method, pattern, route }
}

use Method::{Delete, Get, Patch, Post, Put};

/// Every route of the API.
pub const ROUTES: &[RouteSpec] = &[
    spec(Get, "/api/health", Route::Health),
    spec(Get, "/api/openapi.json", Route::OpenApi),
    spec(Post, "/api/github/webhook/:id", Route::GithubWebhook),
    spec(Post, "/api/workers", Route::WorkersRegister),
    spec(Get, "/api/workers", Route::WorkersList),
    spec(Get, "/api/workers/:id", Route::WorkersGet),
    spec(Delete, "/api/workers/:id", Route::WorkersDelete),
    spec(Get, "/api/workers/:id/stream", Route::WorkerStream),
    spec(Get, "/api/workers/:id/sessions", Route::WorkerSessionsList),
    spec(Post, "/api/sessions/:id/events", Route::SessionEventsAppend),
    spec(Delete, "/api/sessions/:id", Route::SessionsDelete),
    spec(Patch, "/api/sessions/:id", Route::SessionsUpdate),
    spec(Post, "/api/sessions/:id/clear", Route::SessionClear),
    spec(Post, "/api/sessions/:id/token", Route::SessionTokenMint),
    spec(Post, "/api/sessions/:id/inputs", Route::SessionInputsCreate),
    spec(Get, "/api/sessions/:id/inputs", Route::SessionInputsList),
    spec(Post, "/api/sessions/:id/inputs/:request_id", Route::SessionInputAnswer),
    spec(Post, "/api/sessions/:id/inputs/:request_id/expire", Route::SessionInputExpire),
    spec(Get, "/api/inputs", Route::InputsInbox),
    spec(Get, "/api/projects/:id/cost", Route::ProjectCost),
    spec(Get, "/api/tasks/:id/cost", Route::TaskCost),
    spec(Post, "/api/sessions/:id/shares", Route::SessionSharesCreate),
    spec(Post, "/api/projects/:id/webhooks", Route::ProjectWebhooksCreate),
    spec(Get, "/api/projects/:id/webhooks", Route::ProjectWebhooksList),
    spec(Delete, "/api/webhooks/:id", Route::ProjectWebhookDelete),
    spec(Get, "/api/sessions/:id/shares", Route::SessionSharesList),
    spec(Delete, "/api/shares/:id", Route::ShareRevoke),
    spec(Post, "/api/shares/:id/rotate", Route::ShareRotate),
    spec(Get, "/s/:token", Route::SharePage),
    spec(Get, "/api/share/:token", Route::ShareSession),
    spec(Get, "/api/share/:token/events", Route::ShareEvents),
    spec(Get, "/api/share/:token/stream", Route::ShareStream),
    spec(Get, "/api/share/:token/inputs", Route::ShareInputs),
    spec(Post, "/api/share/:token/messages", Route::ShareMessage),
    spec(Post, "/api/share/:token/inputs/:request_id", Route::ShareAnswer),
    spec(Post, "/api/sessions/:id/attachments", Route::AttachmentUpload),
    spec(Get, "/api/sessions/:id/attachments/:attachment_id", Route::AttachmentDownload),
    spec(Post, "/api/workers/:id/heartbeat", Route::WorkerHeartbeat),
    spec(Post, "/api/workers/:id/token", Route::WorkerTokenRotate),
    spec(Delete, "/api/workers/:id/token", Route::WorkerTokenRevoke),
    spec(Post, "/api/sessions/:id/stop", Route::SessionStop),
    spec(Post, "/api/sessions/:id/resume", Route::SessionResume),
    spec(Post, "/api/sessions/:id/abort", Route::SessionAbort),
    spec(Post, "/api/projects/:id/github", Route::GithubConnect),
    spec(Get, "/api/projects/:id/github", Route::GithubLinksList),
    spec(Patch, "/api/github/links/:id", Route::GithubLinkUpdate),
    spec(Delete, "/api/github/links/:id", Route::GithubLinkDelete),
    spec(Post, "/api/github/links/:id/sync", Route::GithubSync),
    spec(Post, "/api/github/links/:id/secret", Route::GithubSecretRotate),
    spec(Post, "/api/auth/bootstrap", Route::AuthBootstrap),
    spec(Post, "/api/auth/login", Route::AuthLogin),
    spec(Post, "/api/auth/logout", Route::AuthLogout),
    spec(Get, "/api/auth/me", Route::AuthMe),
    spec(Patch, "/api/auth/me", Route::AuthMeUpdate),
    spec(Post, "/api/auth/password", Route::AuthPassword),
    spec(Post, "/api/tokens", Route::TokensCreate),
    spec(Get, "/api/tokens", Route::TokensList),
    spec(Delete, "/api/tokens/:id", Route::TokensRevoke),
    spec(Post, "/api/users", Route::UsersCreate),
    spec(Get, "/api/users", Route::UsersList),
    spec(Patch, "/api/users/:id", Route::UsersUpdate),
    spec(Delete, "/api/users/:id/tokens", Route::UserTokensRevoke),
    spec(Post, "/api/users/:id/tokens", Route::UserTokensCreate),
    spec(Post, "/api/workspaces", Route::WorkspacesCreate),
    spec(Get, "/api/workspaces", Route::WorkspacesList),
    spec(Get, "/api/workspaces/:id", Route::WorkspacesGet),
    spec(Patch, "/api/workspaces/:id", Route::WorkspacesUpdate),
    spec(Delete, "/api/workspaces/:id", Route::WorkspacesDelete),
    spec(Get, "/api/workspaces/:id/members", Route::WorkspaceMembersList),
    spec(Post, "/api/workspaces/:id/members", Route::WorkspaceMembersAdd),
    spec(Delete, "/api/workspaces/:id/members/:user_id", Route::WorkspaceMembersRemove),
    spec(Get, "/api/workspaces/:id/projects", Route::WorkspaceProjectsList),
    spec(Post, "/api/projects", Route::ProjectsCreate),
    spec(Get, "/api/projects/:id", Route::ProjectsGet),
    spec(Patch, "/api/projects/:id", Route::ProjectsUpdate),
    spec(Delete, "/api/projects/:id", Route::ProjectsDelete),
    spec(Get, "/api/projects/:id/stream", Route::ProjectStream),
    spec(Get, "/api/projects/:id/events", Route::ProjectEventsList),
    spec(Get, "/api/projects/:id/items/:handle", Route::ProjectItemGet),
    spec(Post, "/api/projects/:id/requirements", Route::RequirementsCreate),
    spec(Get, "/api/projects/:id/requirements", Route::RequirementsList),
    spec(Get, "/api/requirements/:id", Route::RequirementsGet),
    spec(Patch, "/api/requirements/:id", Route::RequirementsUpdate),
    spec(Delete, "/api/requirements/:id", Route::RequirementsDelete),
    spec(Post, "/api/projects/:id/tasks", Route::TasksCreate),
    spec(Get, "/api/projects/:id/tasks", Route::TasksList),
    spec(Get, "/api/tasks/:id", Route::TasksGet),
    spec(Patch, "/api/tasks/:id", Route::TasksUpdate),
    spec(Delete, "/api/tasks/:id", Route::TasksDelete),
    spec(Post, "/api/tasks/:id/comments", Route::TaskCommentsCreate),
    spec(Get, "/api/tasks/:id/comments", Route::TaskCommentsList),
    spec(Get, "/api/projects/:id/sessions", Route::ProjectSessionsList),
    spec(Post, "/api/sessions", Route::SessionsCreate),
    spec(Get, "/api/sessions/:id", Route::SessionsGet),
    spec(Post, "/api/sessions/:id/messages", Route::SessionMessagesPost),
    spec(Get, "/api/sessions/:id/events", Route::SessionEventsList),
    spec(Get, "/api/sessions/:id/stream", Route::SessionStream),
    spec(Post, "/api/pass", Route::BatonPass),
    spec(Get, "/api/catch/:id", Route::BatonCatch),
    spec(Post, "/api/done/:id", Route::BatonDone),
    spec(Get, "/api/status/:id", Route::BatonStatus),
    spec(Post, "/api/heartbeat/:id", Route::BatonHeartbeat),
    spec(Post, "/api/fail/:id", Route::BatonFail),
    spec(Post, "/api/cancel/:id", Route::BatonCancel),
    spec(Get, "/api/batons", Route::BatonsList),
    spec(Post, "/mcp", Route::Mcp),
    spec(Get, "/.well-known/agent-card.json", Route::A2aCard),
    spec(Post, "/a2a", Route::A2a),
    spec(Get, "/a2a/projects/:id/.well-known/agent-card.json", Route::A2aProjectCard),
    spec(Post, "/a2a/projects/:id", Route::A2aProject),
    spec(Get, "/a2a/workers/:id/.well-known/agent-card.json", Route::A2aWorkerCard),
    spec(Post, "/a2a/workers/:id", Route::A2aWorker),
    spec(Post, "/api/workspaces/:id/channels", Route::ChannelsCreate),
    spec(Get, "/api/workspaces/:id/channels", Route::ChannelsList),
    // A literal path wins over `/api/channels/:id` (see `match_route`).
    spec(Get, "/api/channels/help", Route::ChannelHelp),
    spec(Get, "/api/channels/:id", Route::ChannelsGet),
    spec(Patch, "/api/channels/:id", Route::ChannelsUpdate),
    spec(Delete, "/api/channels/:id", Route::ChannelsDelete),
    spec(Get, "/api/channels/:id/members", Route::ChannelMembersList),
    spec(Put, "/api/channels/:id/members/:name", Route::ChannelMemberJoin),
    spec(Delete, "/api/channels/:id/members/:name", Route::ChannelMemberLeave),
    spec(Post, "/api/channels/:id/messages", Route::ChannelMessagesPost),
    spec(Get, "/api/channels/:id/messages", Route::ChannelMessagesList),
    spec(Get, "/api/channels/:id/stream", Route::ChannelStream),
    spec(Post, "/api/channels/:id/invites", Route::ChannelInvitesCreate),
    spec(Get, "/api/channels/:id/invites", Route::ChannelInvitesList),
    spec(Delete, "/api/channels/:id/invites/:invite_id", Route::ChannelInviteRevoke),
    spec(Post, "/api/relays", Route::RelaysCreate),
    spec(Post, "/api/channels/:id/attachments", Route::ChannelAttachmentUpload),
    spec(Get, "/api/channels/:id/attachments/:attachment_id", Route::ChannelAttachmentDownload),
    spec(Post, "/api/projects/:id/bridges", Route::BridgesCreate),
    spec(Get, "/api/projects/:id/bridges", Route::BridgesList),
    spec(Get, "/api/bridges/:id", Route::BridgesGet),
    spec(Patch, "/api/bridges/:id", Route::BridgesUpdate),
    spec(Delete, "/api/bridges/:id", Route::BridgesDelete),
    spec(Post, "/api/bridges/dingtalk/:id", Route::BridgeDingtalk),
    spec(Post, "/api/bridges/feishu/:id", Route::BridgeFeishu),
    spec(Get, "/help/:platform", Route::BridgeHelp),
    spec(Post, "/api/sessions/:id/loops", Route::LoopsCreate),
    spec(Get, "/api/sessions/:id/loops", Route::LoopsList),
    spec(Get, "/api/loops/:id", Route::LoopsGet),
    spec(Patch, "/api/loops/:id", Route::LoopsUpdate),
    spec(Delete, "/api/loops/:id", Route::LoopsDelete),
];

/// A matched route and its captured path parameters, in pattern order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub route: Route,
    pub params: Vec<String>,
}

impl Matched {
    /// The `index`-th path parameter as a row id: a positive integer, or a handle of `kind`
    /// (`S-7` for session 7) where the kind has one.
    pub fn id(&self, index: usize, kind: Option<HandleKind>) -> ApiResult<i64> {
        let text = self.params.get(index).map(String::as_str).unwrap_or("");
        parse_id(text, kind).ok_or_else(|| {
            let hint = kind.map_or(String::new(), |k| format!(" or a handle like {}-1", k.prefix()));
            ApiError::invalid_parameter("id", format!("{text:?} is not a positive integer{hint}"))
        })
    }
}

fn parse_id(text: &str, kind: Option<HandleKind>) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        return (n > 0 && !text.starts_with('+')).then_some(n);
    }
    let handle: Handle = text.parse().ok()?;
    (Some(handle.kind) == kind).then(|| i64::try_from(handle.number).ok())?
}

/// Why nothing matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMatch {
    NotFound,
    /// The path exists with other methods (listed for the `Allow` header).
    MethodNotAllowed(Vec<Method>),
}

/// Finds the route for a method and a path (without query string). A path that a pattern
/// names with fewer parameters belongs to that pattern alone: `/api/channels/help` is not
/// `/api/channels/:id`, for any method.
pub fn match_route(method: Method, path: &str) -> Result<Matched, NoMatch> {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let matches: Vec<(&RouteSpec, Vec<String>)> =
        ROUTES.iter().filter_map(|spec| match_pattern(spec.pattern, path).map(|params| (spec, params))).collect();
    let fewest = matches.iter().map(|(_, params)| params.len()).min().unwrap_or(0);
    let mut allowed = Vec::new();
    for (spec, params) in matches.into_iter().filter(|(_, params)| params.len() == fewest) {
        if spec.method == method {
            return Ok(Matched { route: spec.route, params });
        }
        allowed.push(spec.method);
    }
    if allowed.is_empty() {
        Err(NoMatch::NotFound)
    } else {
        allowed.sort();
        allowed.dedup();
        Err(NoMatch::MethodNotAllowed(allowed))
    }
}

/// The methods some route takes at `path`, in one order (none: no route there).
pub fn allowed_methods(path: &str) -> Vec<Method> {
    [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete]
        .into_iter()
        .filter(|method| match_route(*method, path).is_ok())
        .collect()
}

fn match_pattern(pattern: &str, path: &str) -> Option<Vec<String>> {
    let mut pattern_parts = pattern.split('/');
    let mut path_parts = path.split('/');
    let mut params = Vec::new();
    loop {
        match (pattern_parts.next(), path_parts.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(s)) if p.starts_with(':') && !s.is_empty() => params.push(s.to_owned()),
            (Some(p), Some(s)) if p == s => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {

    /// Regression (schemathesis ST204): a method no route takes (TRACE, PUT) answered 405
    /// with no `Allow`; the path's methods are what `Allow` names.
    #[test]
    fn a_paths_methods_are_known_for_allow() {
        let names = |path: &str| allowed_methods(path).iter().map(|m| m.as_str()).collect::<Vec<_>>();
        assert_eq!(names("/api/workspaces"), ["GET", "POST"]);
        assert_eq!(names("/api/projects/3"), ["GET", "PATCH", "DELETE"]);
        assert_eq!(names("/api/pass"), ["POST"]);
        assert!(names("/api/nowhere").is_empty());
        let err = crate::http::error::ApiError::method_not_allowed("TRACE", &["GET", "POST"]);
        assert_eq!(err.allow.as_deref(), Some("GET, HEAD, POST"));
        assert_eq!(err.message, "TRACE is not allowed here; use GET, HEAD, POST");
    }

    use super::*;

    #[test]
    fn matches_static_and_parameterized_paths() {
        assert_eq!(match_route(Get, "/api/health").unwrap().route, Route::Health);
        let m = match_route(Post, "/api/sessions/12/messages").unwrap();
        assert_eq!(m.route, Route::SessionMessagesPost);
        assert_eq!(m.params, vec!["12"]);
        assert_eq!(match_route(Get, "/api/workspaces/").unwrap().route, Route::WorkspacesList);
    }

    /// Regression (found by the fuzzer): `/api/channels/help` answered `Allow: GET, PATCH,
    /// DELETE`, the last two from `/api/channels/:id`.
    #[test]
    fn a_literal_path_is_not_also_a_parameter_of_another_pattern() {
        assert_eq!(allowed_methods("/api/channels/help"), [Method::Get]);
        assert_eq!(match_route(Method::Get, "/api/channels/help").unwrap().route, Route::ChannelHelp);
        assert_eq!(
            match_route(Method::Delete, "/api/channels/help"),
            Err(NoMatch::MethodNotAllowed(vec![Method::Get]))
        );
        assert_eq!(match_route(Method::Delete, "/api/channels/7").unwrap().route, Route::ChannelsDelete);
    }

    #[test]
    fn unknown_paths_and_wrong_methods_are_told_apart() {
        assert_eq!(match_route(Get, "/api/nope"), Err(NoMatch::NotFound));
        assert_eq!(match_route(Get, "/api/sessions//messages"), Err(NoMatch::NotFound));
        assert_eq!(match_route(Delete, "/api/health"), Err(NoMatch::MethodNotAllowed(vec![Get])));
    }

    #[test]
    fn ids_are_positive_integers_or_handles_of_the_right_kind() {
        let m = |p: &str| Matched { route: Route::SessionsGet, params: vec![p.to_owned()] };
        assert_eq!(m("7").id(0, Some(HandleKind::Session)), Ok(7));
        assert_eq!(m("S-7").id(0, Some(HandleKind::Session)), Ok(7));
        for bad in ["0", "-1", "+1", "x", "T-7", "99999999999999999999"] {
            assert!(m(bad).id(0, Some(HandleKind::Session)).is_err(), "{bad}");
        }
        assert!(m("S-7").id(0, None).is_err());
    }

    #[test]
    fn every_pattern_is_unique_per_method() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.pattern == b.pattern), "{} {} twice", a.method.as_str(), a.pattern);
            }
        }
    }
}
