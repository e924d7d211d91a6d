//! The request pipeline: match the route, authenticate, call the resource's handler, and
//! turn any error into the JSON envelope. The only place that knows every handler.

use protocol::api::Health;
use protocol::handle::HandleKind;
use worker::{Env, Request, Response};

use crate::access::auth::{self, Principal};
use crate::http::error::{ApiError, ApiResult};
use crate::http::query::Query;
use crate::http::routes::{self, Matched, Method, NoMatch, Route};
use crate::platform::context::Ctx;
use crate::{
    access::origin, batons, bridges, channels, github, http::body, http::respond, loops, notifications, openapi,
    people::projects, people::tokens, people::users, people::workspaces, planning::comments, planning::items,
    planning::requirements, planning::tasks, platform::clock, platform::db, sessions, workers,
};
use protocol::error::ErrorCode;

/// Serves one request. Never fails: every error becomes a JSON response. Every response carries
/// its request id (`X-Request-Id`: Cloudflare's `cf-ray` where there is one, so a person's report
/// finds the platform's own logs), and every request ends with one structured log line.
pub async fn handle(req: Request, env: Env, context: worker::Context) -> Response {
    let id = crate::http::request_log::request_id(req.headers().get("cf-ray").ok().flatten().as_deref());
    let (method, path, started) = (req.inner().method(), req.path(), clock::now_ms());
    let log = env.var(crate::platform::bindings::REQUEST_LOG).map_or(true, |v| v.to_string() != "off");
    let response = match serve(req, env, context).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    };
    let status = response.status_code();
    let line = crate::http::request_log::line(&id, &method, &path, status, clock::now_ms() - started);
    if status >= 500 {
        worker::console_error!("{line}");
    } else if log {
        worker::console_log!("{line}");
    }
    // A WebSocket's answer carries its socket: a copy would lose it.
    if status == 101 {
        return response;
    }
    // A response from elsewhere (a Hub's stream, the assets) may have immutable headers: copy.
    let headers = response.headers().clone();
    match headers.set("x-request-id", &id) {
        Ok(()) => response.with_headers(headers),
        Err(_) => response,
    }
}

async fn serve(mut req: Request, env: Env, context: worker::Context) -> ApiResult<Response> {
    let url = req.url()?;
    let query = Query::from_url(&url);
    // The method as sent: `worker::Method` reads one it does not know (QUERY, ...) as GET.
    let asked = req.inner().method().to_ascii_uppercase();
    let refuse = |asked: &str, allowed: &[Method]| {
        ApiError::method_not_allowed(asked, &allowed.iter().map(|m| m.as_str()).collect::<Vec<_>>())
    };
    let Some(method) = Method::parse(&asked) else {
        // A method no route takes (PUT, TRACE, ...): 405 with what the path does take.
        let allowed = routes::allowed_methods(url.path());
        if allowed.is_empty() {
            return Err(ApiError::not_found(format!("route {asked} {}", url.path())));
        }
        return Err(refuse(&asked, &allowed));
    };
    let matched = routes::match_route(method, url.path()).map_err(|no| match no {
        NoMatch::NotFound => ApiError::not_found(format!("route {} {}", method.as_str(), url.path())),
        NoMatch::MethodNotAllowed(allowed) => refuse(method.as_str(), &allowed),
    })?;
    // HEAD is served as GET without a body, and must stay safe: a link checker probing a
    // pickup URL must not take the lease.
    if matched.route == Route::BatonCatch && req.method() == worker::Method::Head {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, "catching takes a lease: use GET, never HEAD"));
    }
    match matched.route {
        Route::Health => {
            return Ok(respond::ok(&Health {
                status: "ok".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                protocol: protocol::PROTOCOL_VERSION,
            }))
        }
        Route::OpenApi => return Ok(openapi::response()),
        _ => {}
    }
    let ctx = Ctx::new(env, context, clock::now_ms())?;
    if ctx.env.var(crate::platform::bindings::TEST_FAULTS).is_ok_and(|v| v.to_string() == "1")
        && req.headers().get(db::FAULT_HEADER).ok().flatten().as_deref() == Some(db::FAULT_D1_BATCH)
    {
        ctx.db.fail_batches();
    }
    let response = match guard(&ctx, &req, matched.route) {
        Err(err) => Err(err),
        Ok(()) => route(&ctx, &matched, &mut req, &query).await,
    }
    .unwrap_or_else(ApiError::into_response);
    Ok(with_d1_cost(response, &ctx))
}

/// What every request must satisfy before its handler runs: JSON bodies declared as JSON
/// (attachments are raw bytes), and a login only from the app's own origin.
fn guard(ctx: &Ctx, req: &Request, route: Route) -> ApiResult<()> {
    if !matches!(route, Route::AttachmentUpload | Route::ChannelAttachmentUpload) {
        body::require_json(req)?;
    }
    if route == Route::AuthLogin {
        origin::require_same_site(ctx, req)?;
    }
    Ok(())
}

/// Runs the route's handler: the unauthenticated ones directly, the rest once the caller is
/// known and allowed.
async fn route(ctx: &Ctx, matched: &Matched, req: &mut Request, query: &Query) -> ApiResult<Response> {
    match matched.route {
        Route::AuthBootstrap => users::bootstrap(ctx, req).await,
        Route::AuthLogin => users::login(ctx, req).await,
        Route::SharePage
        | Route::ShareSession
        | Route::ShareEvents
        | Route::ShareStream
        | Route::ShareInputs
        | Route::ShareMessage
        | Route::ShareAnswer => {
            use sessions::shares::{self, Ask};
            let param = |i: usize| matched.params.get(i).map_or("", String::as_str);
            let ask = match matched.route {
                Route::SharePage => Ask::Page,
                Route::ShareSession => Ask::Session,
                Route::ShareEvents => Ask::Events,
                Route::ShareStream => Ask::Stream,
                Route::ShareInputs => Ask::Inputs,
                Route::ShareMessage => Ask::Message,
                _ => Ask::Answer(param(1)),
            };
            let token = param(0).to_owned();
            let answer = shares::serve(ctx, req, &token, ask, query).await.unwrap_or_else(ApiError::into_response);
            Ok(shares::private(answer))
        }
        Route::Mcp => crate::interop::mcp::serve(ctx, req).await,
        Route::ChannelHelp => Ok(crate::channels::help()),
        Route::A2aCard
        | Route::A2aProjectCard
        | Route::A2aWorkerCard
        | Route::A2a
        | Route::A2aProject
        | Route::A2aWorker => {
            use crate::interop::a2a::{self, Target};
            // Parsed once the caller is known: a stranger gets 401 whatever the path says.
            let target = || match matched.route {
                Route::A2aCard | Route::A2a => Ok(Target::Workspace),
                Route::A2aProjectCard | Route::A2aProject => matched.id(0, None).map(Target::Project),
                _ => matched.id(0, Some(HandleKind::Worker)).map(Target::Worker),
            };
            match matched.route {
                Route::A2aCard => a2a::serve_card(ctx, req, None).await,
                Route::A2aProjectCard | Route::A2aWorkerCard => {
                    let who = crate::interop::bearer(ctx, req).await?;
                    a2a::serve_card(ctx, req, Some((&who, target()?))).await
                }
                _ => {
                    let who = crate::interop::bearer(ctx, req).await?;
                    a2a::serve(ctx, req, &who, target()?).await
                }
            }
        }
        Route::BridgeHelp => {
            use protocol::bridge::Platform;
            let platform = matched.params.first().and_then(|p| Platform::parse(p));
            let platform =
                platform.ok_or_else(|| ApiError::not_found("help page: there are /help/dingtalk and /help/feishu"))?;
            let bridge = match query.get("bridge") {
                None => None,
                Some(b) => Some(b.parse::<i64>().ok().filter(|b| *b > 0).ok_or_else(|| {
                    ApiError::invalid_parameter("bridge", "must be a bridge's id (a positive integer)")
                })?),
            };
            crate::bridges::help::page(platform, &origin::public(ctx, req)?, bridge)
        }
        Route::BridgeDingtalk => match matched.id(0, None) {
            Ok(bridge) => crate::bridges::inbound::dingtalk(ctx, req, bridge).await,
            Err(err) => Err(err),
        },
        Route::BridgeFeishu => match matched.id(0, None) {
            Ok(bridge) => crate::bridges::inbound::feishu(ctx, req, bridge).await,
            Err(err) => Err(err),
        },
        Route::GithubWebhook => match matched.id(0, None) {
            Ok(link) => github::webhook::receive(ctx, req, link).await,
            Err(err) => Err(err),
        },
        _ => match auth::authenticate(req, &ctx.db, ctx.now)
            .await
            .and_then(|who| permitted(&who, matched.route).map(|()| who))
        {
            // The login cookie rides along with any request a browser makes: a state change
            // it authenticates must come from the app itself.
            Ok(who)
                if who.web_login_hash.is_some()
                    && !matches!(req.method(), worker::Method::Get | worker::Method::Head) =>
            {
                match origin::require_same_site(ctx, req) {
                    Ok(()) => dispatch(ctx, &who, matched, req, query).await,
                    Err(err) => Err(err),
                }
            }
            Ok(who) => dispatch(ctx, &who, matched, req, query).await,
            Err(err) => Err(err),
        },
    }
}

/// Refuses a route the principal's kind never calls, whatever the route's own checks would say.
fn permitted(who: &Principal, route: Route) -> ApiResult<()> {
    if let Some(invite) = who.invite {
        // An invite opens its room and nothing else: elsewhere it is no room at all.
        return match (invite_may(route, true), invite_may(route, invite.write)) {
            (true, true) => Ok(()),
            (true, false) => {
                Err(ApiError::forbidden("this invite is read-only: ask for a write invite to join and speak"))
            }
            _ => Err(ApiError::not_found(auth::ROOM_NOT_FOUND)),
        };
    }
    if who.worker.is_some() && !worker_may(route) {
        return Err(ApiError::forbidden(
            "a worker token only reads its command stream and its sessions, and writes their turns",
        ));
    }
    if who.agent.is_some() && !agent_may(route) {
        return Err(ApiError::forbidden(
            "a session's agent reads its project's plan, comments on tasks and moves their status, \
             passes and catches batons, and opens and messages sessions of its workspace; nothing else",
        ));
    }
    Ok(())
}

/// Serves an API call made from inside this request on behalf of `who` (an MCP tool, an A2A
/// method): the same route table, permission checks and handlers as over HTTP, so a tool does
/// exactly what its caller could do with curl, and nothing more. `path` may carry a query;
/// `origin` is the outer request's, for the URLs a handler writes (share links). Never fails:
/// an error is its JSON response, as over HTTP.
pub async fn call_as(ctx: &Ctx, who: &Principal, call: Call<'_>) -> Response {
    call_inner(ctx, who, call).await.unwrap_or_else(ApiError::into_response)
}

/// One internal API call: see [`call_as`].
pub struct Call<'a> {
    pub origin: &'a str,
    pub method: Method,
    pub path: String,
    pub body: Option<serde_json::Value>,
    /// Extra request headers the route reads (`Idempotency-Key`).
    pub headers: Vec<(&'static str, String)>,
}

async fn call_inner(ctx: &Ctx, who: &Principal, call: Call<'_>) -> ApiResult<Response> {
    let url = worker::Url::parse(&format!("{}{}", call.origin, call.path))
        .map_err(|_| ApiError::invalid_parameter("path", format!("{:?} is not a path", call.path)))?;
    let matched = routes::match_route(call.method, url.path())
        .map_err(|_| ApiError::not_found(format!("route {} {}", call.method.as_str(), url.path())))?;
    permitted(who, matched.route)?;
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    for (name, value) in &call.headers {
        headers.set(name, value).map_err(|_| ApiError::invalid_parameter(name, "not a valid header value"))?;
    }
    let mut init = worker::RequestInit::new();
    let method = match call.method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
        Method::Put => worker::Method::Put,
        Method::Patch => worker::Method::Patch,
        Method::Delete => worker::Method::Delete,
    };
    init.with_method(method).with_headers(headers);
    if let Some(body) = &call.body {
        init.with_body(Some(body.to_string().into()));
    }
    let mut req = Request::new_with_init(url.as_str(), &init)?;
    dispatch(ctx, who, &matched, &mut req, &Query::from_url(&url)).await
}

/// What a channel invite may call, in its room only (the handlers check the room): read it,
/// and with a write invite also join, leave and speak.
fn invite_may(route: Route, write: bool) -> bool {
    match route {
        Route::ChannelsGet
        | Route::ChannelMembersList
        | Route::ChannelMessagesList
        | Route::ChannelStream
        | Route::ChannelAttachmentDownload => true,
        Route::ChannelMemberJoin
        | Route::ChannelMemberLeave
        | Route::ChannelMessagesPost
        | Route::ChannelAttachmentUpload => write,
        _ => false,
    }
}

/// What a worker token may call: its own stream, worker and sessions (each route checks it is
/// its own), and the batons addressed to it or its project. Everything else is refused outright, whatever the route's own checks would say.
fn worker_may(route: Route) -> bool {
    matches!(
        route,
        Route::WorkerStream
            | Route::WorkerHeartbeat
            | Route::WorkersGet
            | Route::WorkerSessionsList
            | Route::SessionTokenMint
            | Route::SessionInputsCreate
            | Route::SessionInputExpire
            | Route::SessionsGet
            | Route::SessionStream
            | Route::SessionEventsList
            | Route::SessionEventsAppend
            | Route::AttachmentDownload
            | Route::BatonCatch
            | Route::BatonDone
            | Route::BatonStatus
            | Route::BatonHeartbeat
            | Route::BatonFail
            | Route::BatonsList
    )
}

/// What a session's agent (a `bta_` session token) may call: what a worker's agent needs to
/// report on its task, delegate and hand work over, inside its session's workspace (each
/// route's own checks keep it there). Everything else is refused outright.
fn agent_may(route: Route) -> bool {
    matches!(
        route,
        Route::AuthMe
            | Route::WorkspacesList
            | Route::WorkspacesGet
            | Route::WorkspaceProjectsList
            | Route::ProjectsGet
            | Route::ProjectItemGet
            | Route::ProjectEventsList
            | Route::ProjectStream
            | Route::RequirementsList
            | Route::RequirementsGet
            | Route::TasksList
            | Route::TasksGet
            | Route::TasksUpdate
            | Route::TaskCommentsCreate
            | Route::TaskCommentsList
            | Route::WorkersList
            | Route::WorkersGet
            | Route::ProjectSessionsList
            | Route::SessionsCreate
            | Route::SessionsGet
            | Route::SessionMessagesPost
            | Route::SessionEventsList
            | Route::SessionStream
            | Route::BatonPass
            | Route::BatonCatch
            | Route::BatonDone
            | Route::BatonStatus
            | Route::BatonHeartbeat
            | Route::BatonFail
            | Route::BatonCancel
            | Route::BatonsList
            | Route::SessionSharesCreate
            | Route::SessionSharesList
            | Route::ChannelsCreate
            | Route::ChannelsList
            | Route::ChannelsGet
            | Route::ChannelsUpdate
            | Route::ChannelsDelete
            | Route::ChannelMembersList
            | Route::ChannelMemberJoin
            | Route::ChannelMemberLeave
            | Route::ChannelMessagesPost
            | Route::ChannelMessagesList
            | Route::ChannelStream
            | Route::ChannelAttachmentUpload
            | Route::ChannelAttachmentDownload
            | Route::ChannelInvitesCreate
            | Route::ChannelInvitesList
            | Route::ChannelInviteRevoke
            | Route::RelaysCreate
    )
}

/// Reports the request's D1 cost, on success only: the cost of a refusal would tell a hidden
/// object (found, then refused) from an absent one, and every 404 must look the same.
/// Responses relayed from a Hub have immutable headers and go without.
fn with_d1_cost(response: Response, ctx: &Ctx) -> Response {
    if !(200..300).contains(&response.status_code()) {
        return response;
    }
    let (read, written) = ctx.db.cost();
    let headers = response.headers();
    let _ = headers.set("x-baton-d1-rows-read", &read.to_string());
    let _ = headers.set("x-baton-d1-rows-written", &written.to_string());
    response
}

async fn dispatch(ctx: &Ctx, who: &Principal, m: &Matched, req: &mut Request, query: &Query) -> ApiResult<Response> {
    let session = Some(HandleKind::Session);
    let id = || m.id(0, None);
    let text = m.params.first().map_or("", String::as_str);
    let param = |i: usize| m.params.get(i).map_or("", String::as_str);
    match m.route {
        Route::AuthLogout => users::logout(ctx, who).await,
        Route::AuthMe => users::me(ctx, who).await,
        Route::AuthMeUpdate => users::update_me(ctx, who, req).await,
        Route::AuthPassword => users::change_password(ctx, who, req).await,
        Route::TokensCreate => tokens::create(ctx, who, req).await,
        Route::TokensList => tokens::list(ctx, who, query).await,
        Route::TokensRevoke => tokens::revoke(ctx, who, id()?).await,
        Route::UsersCreate => users::create(ctx, who, req).await,
        Route::UsersList => users::list(ctx, who, query).await,
        Route::UsersUpdate => users::update(ctx, who, id()?, req).await,
        Route::UserTokensRevoke => users::revoke_tokens(ctx, who, id()?).await,
        Route::UserTokensCreate => tokens::create_for(ctx, who, id()?, req).await,
        Route::WorkspacesCreate => workspaces::create(ctx, who, req).await,
        Route::WorkspacesList => workspaces::list(ctx, who, query).await,
        Route::WorkspacesGet => workspaces::get(ctx, who, id()?).await,
        Route::WorkspacesUpdate => workspaces::rename(ctx, who, id()?, req).await,
        Route::WorkspacesDelete => workspaces::delete(ctx, who, id()?).await,
        Route::WorkspaceMembersRemove => workspaces::remove_member(ctx, who, id()?, m.id(1, None)?).await,
        Route::WorkspaceMembersList => workspaces::members(ctx, who, id()?, query).await,
        Route::WorkspaceMembersAdd => workspaces::add_member(ctx, who, id()?, req).await,
        Route::WorkspaceProjectsList => projects::list(ctx, who, id()?, query).await,
        Route::ProjectsCreate => projects::create(ctx, who, req).await,
        Route::ProjectsGet => projects::get(ctx, who, id()?).await,
        Route::ProjectsUpdate => projects::rename(ctx, who, id()?, req).await,
        Route::ProjectsDelete => projects::delete(ctx, who, id()?).await,
        Route::ProjectStream => projects::stream(ctx, who, id()?, req, query).await,
        Route::ProjectEventsList => projects::events(ctx, who, id()?, query).await,
        Route::ProjectItemGet => items::get(ctx, who, id()?, m.params.get(1).map_or("", String::as_str)).await,
        Route::RequirementsCreate => requirements::create(ctx, who, id()?, req).await,
        Route::RequirementsList => requirements::list(ctx, who, id()?, query).await,
        Route::RequirementsGet => requirements::get(ctx, who, id()?).await,
        Route::RequirementsUpdate => requirements::update(ctx, who, id()?, req).await,
        Route::RequirementsDelete => requirements::delete(ctx, who, id()?).await,
        Route::TasksCreate => tasks::create(ctx, who, id()?, req).await,
        Route::TasksList => tasks::list(ctx, who, id()?, query).await,
        Route::TasksGet => tasks::get(ctx, who, id()?).await,
        Route::TasksUpdate => tasks::update(ctx, who, id()?, req).await,
        Route::TasksDelete => tasks::delete(ctx, who, id()?).await,
        Route::TaskCommentsCreate => comments::create(ctx, who, id()?, req).await,
        Route::TaskCommentsList => comments::list(ctx, who, id()?, query).await,
        Route::WorkersRegister => workers::register(ctx, who, req).await,
        Route::WorkersList => workers::list(ctx, who, query).await,
        Route::WorkersGet => workers::get(ctx, who, id()?).await,
        Route::WorkersDelete => workers::delete(ctx, who, id()?).await,
        Route::WorkerStream => workers::stream(ctx, who, id()?, req, query).await,
        Route::WorkerSessionsList => workers::sessions(ctx, who, id()?, query).await,
        Route::SessionEventsAppend => sessions::append_event(ctx, who, m.id(0, session)?, req).await,
        Route::WorkerHeartbeat => workers::heartbeat(ctx, who, id()?, req).await,
        Route::WorkerTokenRotate => workers::rotate_token(ctx, who, id()?).await,
        Route::WorkerTokenRevoke => workers::revoke_token(ctx, who, id()?).await,
        Route::SessionsDelete => sessions::delete(ctx, who, m.id(0, session)?).await,
        Route::SessionsUpdate => sessions::update(ctx, who, m.id(0, session)?, req).await,
        Route::SessionClear => sessions::clear(ctx, who, m.id(0, session)?).await,
        Route::SessionTokenMint => sessions::mint_token(ctx, who, m.id(0, session)?).await,
        Route::SessionInputsCreate => sessions::request_input(ctx, who, m.id(0, session)?, req).await,
        Route::SessionInputsList => sessions::list_inputs(ctx, who, m.id(0, session)?, query).await,
        Route::SessionInputAnswer => sessions::answer_input(ctx, who, m.id(0, session)?, param(1), req).await,
        Route::SessionInputExpire => sessions::expire_input(ctx, who, m.id(0, session)?, param(1)).await,
        Route::InputsInbox => sessions::inputs::inbox(ctx, who, query).await,
        Route::ProjectCost => sessions::cost::of_project(ctx, who, id()?, query).await,
        Route::TaskCost => sessions::cost::of_task(ctx, who, id()?).await,
        Route::SessionSharesCreate => sessions::create_share(ctx, who, m.id(0, session)?, req).await,
        Route::SessionSharesList => sessions::list_shares(ctx, who, m.id(0, session)?, query).await,
        Route::ShareRevoke => sessions::shares::revoke(ctx, who, id()?).await,
        Route::ProjectWebhooksCreate => notifications::create(ctx, who, id()?, req).await,
        Route::ProjectWebhooksList => notifications::list(ctx, who, id()?, query).await,
        Route::ProjectWebhookDelete => notifications::delete(ctx, who, id()?).await,
        Route::ShareRotate => sessions::shares::rotate(ctx, who, id()?, req).await,
        Route::AttachmentUpload => sessions::upload_attachment(ctx, who, m.id(0, session)?, req, query).await,
        Route::AttachmentDownload => sessions::download_attachment(ctx, who, m.id(0, session)?, m.id(1, None)?).await,
        Route::SessionStop => sessions::control(ctx, who, m.id(0, session)?, sessions::Control::Stop).await,
        Route::SessionResume => sessions::control(ctx, who, m.id(0, session)?, sessions::Control::Resume).await,
        Route::SessionAbort => sessions::control(ctx, who, m.id(0, session)?, sessions::Control::Abort).await,
        Route::GithubConnect => github::links::connect(ctx, who, id()?, req).await,
        Route::GithubLinksList => github::links::list(ctx, who, id()?, req).await,
        Route::GithubLinkUpdate => github::links::update(ctx, who, id()?, req).await,
        Route::GithubLinkDelete => github::links::delete(ctx, who, id()?).await,
        Route::GithubSync => github::backfill::sync(ctx, who, id()?, req).await,
        Route::GithubSecretRotate => github::links::rotate_secret(ctx, who, id()?, req).await,
        Route::ProjectSessionsList => sessions::list(ctx, who, id()?, query).await,
        Route::SessionsCreate => sessions::create(ctx, who, req).await,
        Route::SessionsGet => sessions::get(ctx, who, m.id(0, session)?).await,
        Route::SessionMessagesPost => sessions::post_message(ctx, who, m.id(0, session)?, req).await,
        Route::SessionEventsList => sessions::events(ctx, who, m.id(0, session)?, query).await,
        Route::SessionStream => sessions::stream(ctx, who, m.id(0, session)?, req, query).await,
        Route::BatonPass => batons::handlers::pass(ctx, who, req).await,
        Route::BatonCatch => batons::handlers::catch(ctx, who, text, req, query).await,
        Route::BatonDone => batons::handlers::done(ctx, who, text, req).await,
        Route::BatonStatus => batons::handlers::status(ctx, who, text, req).await,
        Route::BatonHeartbeat => batons::handlers::heartbeat(ctx, who, text, req).await,
        Route::BatonFail => batons::handlers::fail(ctx, who, text, req).await,
        Route::BatonCancel => batons::handlers::cancel(ctx, who, text, req).await,
        Route::BatonsList => batons::handlers::list(ctx, who, req, query).await,
        Route::BridgesCreate => bridges::create(ctx, who, id()?, req).await,
        Route::BridgesList => bridges::list(ctx, who, id()?, req).await,
        Route::BridgesGet => bridges::get(ctx, who, id()?, req).await,
        Route::BridgesUpdate => bridges::update(ctx, who, id()?, req).await,
        Route::BridgesDelete => bridges::delete(ctx, who, id()?).await,
        Route::LoopsCreate => loops::create(ctx, who, m.id(0, session)?, req).await,
        Route::LoopsList => loops::list(ctx, who, m.id(0, session)?, query).await,
        Route::LoopsGet => loops::get(ctx, who, id()?).await,
        Route::LoopsUpdate => loops::update(ctx, who, id()?, req).await,
        Route::LoopsDelete => loops::delete(ctx, who, id()?).await,
        Route::ChannelAttachmentUpload => channels::upload_attachment(ctx, who, id()?, req, query).await,
        Route::ChannelAttachmentDownload => channels::download_attachment(ctx, who, id()?, m.id(1, None)?).await,
        Route::ChannelsCreate => channels::create(ctx, who, id()?, req).await,
        Route::ChannelsList => channels::list(ctx, who, id()?, query).await,
        Route::ChannelsGet => channels::get(ctx, who, id()?).await,
        Route::ChannelsUpdate => channels::update(ctx, who, id()?, req).await,
        Route::ChannelsDelete => channels::delete(ctx, who, id()?).await,
        Route::ChannelMembersList => channels::members(ctx, who, id()?).await,
        Route::ChannelMemberJoin => channels::join(ctx, who, id()?, param(1), req).await,
        Route::ChannelMemberLeave => channels::leave(ctx, who, id()?, param(1)).await,
        Route::ChannelMessagesPost => channels::post_message(ctx, who, id()?, req).await,
        Route::ChannelMessagesList => channels::messages(ctx, who, id()?, query).await,
        Route::ChannelStream => channels::stream(ctx, who, id()?, req, query).await,
        Route::ChannelInvitesCreate => channels::invites::create(ctx, who, id()?, req).await,
        Route::ChannelInvitesList => channels::invites::list(ctx, who, id()?).await,
        Route::ChannelInviteRevoke => channels::invites::revoke(ctx, who, id()?, m.id(1, None)?).await,
        Route::RelaysCreate => channels::relays::create(ctx, who, req).await,
        Route::Health
        | Route::OpenApi
        | Route::AuthBootstrap
        | Route::AuthLogin
        | Route::GithubWebhook
        | Route::BridgeDingtalk
        | Route::BridgeFeishu
        | Route::BridgeHelp
        | Route::Mcp
        | Route::ChannelHelp
        | Route::A2aCard
        | Route::A2a
        | Route::A2aProjectCard
        | Route::A2aProject
        | Route::A2aWorkerCard
        | Route::A2aWorker
        | Route::SharePage
        | Route::ShareSession
        | Route::ShareEvents
        | Route::ShareStream
        | Route::ShareInputs
        | Route::ShareMessage
        | Route::ShareAnswer => Err(ApiError::internal("unauthenticated route reached dispatch")),
    }
}
