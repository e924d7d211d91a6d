//! The request pipeline: match the route, authenticate, call the resource's handler, and
//! turn any error into the JSON envelope. The only place that knows every handler.

use protocol::api::Health;
use protocol::handle::HandleKind;
use worker::{Env, Request, Response};

use crate::auth::{self, Principal};
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::query::Query;
use crate::routes::{self, Matched, Method, NoMatch, Route};
use crate::{clock, projects, respond, sessions, tokens, users, workspaces};
use protocol::error::ErrorCode;

/// Serves one request. Never fails: every error becomes a JSON response.
pub async fn handle(req: Request, env: Env) -> Response {
    match serve(req, env).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn serve(mut req: Request, env: Env) -> ApiResult<Response> {
    let url = req.url()?;
    let query = Query::from_url(&url);
    let method = Method::parse(req.method().as_ref())
        .ok_or_else(|| ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed"))?;
    let matched = routes::match_route(method, url.path()).map_err(|no| match no {
        NoMatch::NotFound => {
            ApiError::not_found(format!("route {} {}", method.as_str(), url.path()))
        }
        NoMatch::MethodNotAllowed(allowed) => ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "{} is not allowed here; use {}",
                method.as_str(),
                allowed
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    })?;
    if matched.route == Route::Health {
        return Ok(respond::ok(&Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            protocol: protocol::PROTOCOL_VERSION,
        }));
    }
    let ctx = Ctx::new(env, clock::now_ms())?;
    match matched.route {
        Route::AuthBootstrap => return users::bootstrap(&ctx, &mut req).await,
        Route::AuthLogin => return users::login(&ctx, &mut req).await,
        _ => {}
    }
    let who = auth::authenticate(&req, &ctx.db, ctx.now).await?;
    dispatch(&ctx, &who, &matched, &mut req, &query).await
}

async fn dispatch(
    ctx: &Ctx,
    who: &Principal,
    m: &Matched,
    req: &mut Request,
    query: &Query,
) -> ApiResult<Response> {
    let session = Some(HandleKind::Session);
    match m.route {
        Route::AuthLogout => users::logout(ctx, who).await,
        Route::AuthMe => users::me(ctx, who).await,
        Route::TokensCreate => tokens::create(ctx, who, req).await,
        Route::TokensList => tokens::list(ctx, who, query).await,
        Route::TokensRevoke => tokens::revoke(ctx, who, m.id(0, None)?).await,
        Route::UsersCreate => users::create(ctx, who, req).await,
        Route::UsersList => users::list(ctx, who, query).await,
        Route::WorkspacesCreate => workspaces::create(ctx, who, req).await,
        Route::WorkspacesList => workspaces::list(ctx, who, query).await,
        Route::WorkspacesGet => workspaces::get(ctx, who, m.id(0, None)?).await,
        Route::WorkspaceMembersList => workspaces::members(ctx, who, m.id(0, None)?, query).await,
        Route::WorkspaceMembersAdd => workspaces::add_member(ctx, who, m.id(0, None)?, req).await,
        Route::WorkspaceProjectsList => projects::list(ctx, who, m.id(0, None)?, query).await,
        Route::ProjectsCreate => projects::create(ctx, who, req).await,
        Route::ProjectsGet => projects::get(ctx, who, m.id(0, None)?).await,
        Route::ProjectSessionsList => sessions::list(ctx, who, m.id(0, None)?, query).await,
        Route::SessionsCreate => sessions::create(ctx, who, req).await,
        Route::SessionsGet => sessions::get(ctx, who, m.id(0, session)?).await,
        Route::SessionMessagesPost => {
            sessions::post_message(ctx, who, m.id(0, session)?, req).await
        }
        Route::SessionEventsList => sessions::events(ctx, who, m.id(0, session)?, query).await,
        Route::SessionStream => sessions::stream(ctx, who, m.id(0, session)?, req, query).await,
        Route::Health | Route::AuthBootstrap | Route::AuthLogin => {
            Err(ApiError::internal("unauthenticated route reached dispatch"))
        }
    }
}
