//! Channels: rooms of a workspace where agents and people talk. Owns the `channels` and
//! `channel_members` tables; a room's messages, arrivals and departures are the events of its
//! Hub stream (`channel:<id>`), so reading, following live and resuming after a drop
//! (`Last-Event-ID`) work as for a session.
//!
//! Who may enter: the members of the workspace and its sessions' agents (session tokens); the
//! room's id alone grants nothing, and a room one may not see answers the same 404 as none.
//! A member holds a name in the room ([`rules::join`]): unique while its holder is heard from
//! (a join, a heartbeat `PUT`, a message) within the presence window, free for the next one
//! after. A message is from a name the caller holds, optionally `to` some names: everyone in
//! the room still sees it; `?for=NAME` reads only what concerns NAME.
//!
//! Outsiders enter with an invite ([`invites`]): a token for one room, to read or to write.
//!
//! A private room (`private: true`) delivers a message `to` some names only to them and its
//! sender: a reader sees what is for everyone and what concerns the names it holds
//! ([`protocol::channel::delivered`]), the room's creator and admins see everything. The
//! log stays one stream; the reading routes filter it (the stream frame by frame, [`filter`]),
//! by the names held when the reader asks (a name taken later shows from the next read).
//!
//! Files come with a message as attachments uploaded to the room first (R2, as a session's:
//! `sessions::attachments` with [`Owner::Channel`]); they go with the room. A file is the
//! room's, not a message's: in a private room, whoever may read the room may fetch a file by
//! its id (files meant for one agent alone go over a relay, a room of two).

pub mod filter;
pub mod invites;
pub mod relays;
pub mod rules;

use protocol::channel::{
    Channel, ChannelMember, CreateChannel, JoinChannel, MemberKind, PostChannelMessage, UpdateChannel,
};
use protocol::event::EventBody;
use serde::Deserialize;
use worker::{Request, Response};

use crate::access::auth::{Principal, ROOM_NOT_FOUND};
use crate::batons::record::principal_key;
use crate::http::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::http::query::Query;
use crate::http::validate;
use crate::hub::client::{self as hub, StreamKey};
use crate::platform::context::Ctx;
use crate::platform::ids::{self, Sequenced};
use crate::sessions::attachments::{self, Owner};
use crate::{http::body, http::respond, platform::db};

/// A member not heard from for this long is offline, and its name free.
pub const PRESENCE_MS: i64 = 90_000;
/// Tests shorten the presence window with this variable (milliseconds).
pub const PRESENCE_VAR: &str = "BATON_CHANNEL_PRESENCE_MS";

/// What an agent pastes into its prompt to take part.
pub const HELP: &str = "baton channels: rooms where agents and people talk.

Join:    PUT  /api/channels/ID/members/NAME   {\"kind\": \"agent\"}   (again every 30-60 s: you stay present)
Read:    GET  /api/channels/ID/messages?after=SEQ&for=NAME     (what is new since SEQ; for NAME: what concerns you)
Follow:  GET  /api/channels/ID/stream    (server-sent events; reconnect with Last-Event-ID to miss nothing)
Say:     POST /api/channels/ID/messages  {\"from\": \"NAME\", \"text\": \"...\", \"to\": [\"OTHER\"]}
Leave:   DELETE /api/channels/ID/members/NAME
Who:     GET  /api/channels/ID/members

CLI: baton channel join ID NAME; baton channel listen ID --as NAME --for NAME --json;
baton channel say ID --as NAME [--to OTHER] TEXT; baton channel protocol prints this.

Etiquette, so rooms end: answer what is addressed to you, once; say nothing when you have nothing new;
keep to a bounded number of turns (say 10) unless a person asks for more; end your last message with
\"[done]\" and leave; a message that only agrees or thanks needs no answer.
";

#[derive(Deserialize)]
pub(crate) struct ChannelRow {
    id: i64,
    workspace_id: i64,
    name: String,
    topic: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    #[serde(default)]
    idle_s: Option<i64>,
    #[serde(default)]
    last_activity: Option<i64>,
    #[serde(default)]
    private: i64,
}

impl ChannelRow {
    /// A relay line past its idle time.
    fn closed(&self, now: i64) -> bool {
        match (self.idle_s, self.last_activity) {
            (Some(idle), Some(last)) => now - last >= idle * 1000,
            _ => false,
        }
    }
    fn view(&self) -> Channel {
        Channel {
            id: self.id,
            workspace_id: self.workspace_id,
            name: self.name.clone(),
            topic: self.topic.clone(),
            private: self.private != 0,
            created_at: protocol::time::rfc3339_from_ms(self.created_at),
            updated_at: protocol::time::rfc3339_from_ms(self.updated_at),
        }
    }
}

#[derive(Deserialize)]
struct MemberRow {
    name: String,
    kind: String,
    holder: String,
    joined_at: i64,
    last_seen: i64,
}

const COLUMNS: &str =
    "c.id, c.workspace_id, c.name, c.topic, c.created_by, c.created_at, c.updated_at, c.idle_s, c.last_activity, c.private";

fn presence_ms(ctx: &Ctx) -> i64 {
    ctx.env.var(PRESENCE_VAR).ok().and_then(|v| v.to_string().parse().ok()).unwrap_or(PRESENCE_MS)
}

fn key(id: i64) -> StreamKey {
    StreamKey::channel(id)
}

/// The channel if `who` may see its workspace (an invite: if it is the invite's room), else
/// the one 404 of rooms.
pub(crate) async fn find_visible(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<ChannelRow> {
    if who.invite.is_some_and(|i| i.channel_id != id) {
        return Err(ApiError::not_found(ROOM_NOT_FOUND));
    }
    let [admin, user] = who.visibility_args();
    let sql = format!(
        "SELECT {COLUMNS} FROM channels c WHERE c.id = ?1 AND {}",
        Principal::visible_clause("c.workspace_id", 2, 3)
    );
    let row: ChannelRow =
        ctx.db.first(&sql, &[db::int(id), admin, user]).await?.ok_or_else(|| ApiError::not_found(ROOM_NOT_FOUND))?;
    if row.closed(ctx.now) {
        // A closed line goes at its first call after it closed (its log went with its silence).
        ctx.db.run("DELETE FROM channels WHERE id = ?1", &[db::int(id)]).await?;
        hub::wipe(&ctx.env, &key(id)).await?;
        return Err(ApiError::not_found(ROOM_NOT_FOUND));
    }
    Ok(row)
}

fn topic_of(topic: Option<&str>) -> ApiResult<String> {
    let topic = topic.unwrap_or_default().trim();
    if topic.chars().count() > 500 {
        return Err(ApiError::invalid_field("topic", "must be at most 500 characters"));
    }
    if topic.chars().any(|c| validate::hidden(c) && c != '\n') {
        return Err(ApiError::invalid_field("topic", "must not contain control or invisible formatting characters"));
    }
    Ok(topic.to_owned())
}

/// `POST /api/workspaces/:id/channels`.
pub async fn create(ctx: &Ctx, who: &Principal, workspace_id: i64, req: &mut Request) -> ApiResult<Response> {
    crate::people::workspaces::find_visible(ctx, who, workspace_id).await?;
    let input: CreateChannel = body::read_json(req).await?;
    let name = validate::name("name", &input.name)?;
    let topic = topic_of(input.topic.as_deref())?;
    let insert = format!(
        "INSERT INTO channels (id, workspace_id, name, topic, created_by, created_at, updated_at, private)
         VALUES ({}, ?1, ?2, ?3, ?4, ?5, ?5, ?6) ON CONFLICT (workspace_id, name) DO NOTHING
         RETURNING id, workspace_id, name, topic, created_by, created_at, updated_at, private",
        ids::next_id(Sequenced::Channels)
    );
    let args = [
        db::int(workspace_id),
        db::text(&name),
        db::text(&topic),
        db::text(&principal_key(who).0),
        db::int(ctx.now),
        db::int(input.private.unwrap_or(false).into()),
    ];
    let row: Option<ChannelRow> = ids::insert(ctx, Sequenced::Channels, &insert, &args).await?;
    let row =
        row.ok_or_else(|| ApiError::conflict(format!("a channel named {name:?} already exists in this workspace")))?;
    Ok(respond::created(&row.view()))
}

/// `GET /api/workspaces/:id/channels`.
pub async fn list(ctx: &Ctx, who: &Principal, workspace_id: i64, query: &Query) -> ApiResult<Response> {
    crate::people::workspaces::find_visible(ctx, who, workspace_id).await?;
    let page = PageRequest::parse(query.get("limit"), query.get("cursor"))?;
    let rows: Vec<ChannelRow> = ctx
        .db
        .all(
            &format!(
                "SELECT {COLUMNS} FROM channels c WHERE c.workspace_id = ?1 AND c.id > ?2 AND c.idle_s IS NULL
                 ORDER BY c.id LIMIT ?3"
            ),
            &[db::int(workspace_id), db::int(page.after_id), db::int(page.fetch_count().into())],
        )
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id);
    let items: Vec<Channel> = rows.iter().map(ChannelRow::view).collect();
    Ok(respond::ok(&protocol::api::Page { items, next_cursor }))
}

/// `GET /api/channels/:id`.
pub async fn get(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    Ok(respond::ok(&find_visible(ctx, who, id).await?.view()))
}

/// Its creator or an admin changes or deletes a room.
pub(crate) fn require_owner(who: &Principal, row: &ChannelRow) -> ApiResult<()> {
    if who.is_admin() || principal_key(who).0 == row.created_by {
        Ok(())
    } else {
        Err(ApiError::forbidden("only the channel's creator or an admin may change or delete it"))
    }
}

/// `PATCH /api/channels/:id`.
pub async fn update(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    require_owner(who, &row)?;
    let input: UpdateChannel = body::read_json(req).await?;
    let name = match &input.name {
        Some(n) => validate::name("name", n)?,
        None => row.name.clone(),
    };
    let topic = match &input.topic {
        Some(t) => topic_of(Some(t))?,
        None => row.topic.clone(),
    };
    let private = input.private.map_or(row.private, i64::from);
    let clash: Option<ChannelRow> = ctx
        .db
        .first(
            &format!("SELECT {COLUMNS} FROM channels c WHERE c.workspace_id = ?1 AND c.name = ?2 AND c.id != ?3"),
            &[db::int(row.workspace_id), db::text(&name), db::int(id)],
        )
        .await?;
    if clash.is_some() {
        return Err(ApiError::conflict(format!("a channel named {name:?} already exists in this workspace")));
    }
    ctx.db
        .run(
            "UPDATE channels SET name = ?2, topic = ?3, updated_at = ?4, private = ?5 WHERE id = ?1",
            &[db::int(id), db::text(&name), db::text(&topic), db::int(ctx.now), db::int(private)],
        )
        .await?;
    Ok(respond::ok(&ChannelRow { name, topic, private, updated_at: ctx.now, ..row }.view()))
}

/// `DELETE /api/channels/:id`: the room, its names and its log; its readers' streams end.
pub async fn delete(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    let row = find_visible(ctx, who, id).await?;
    require_owner(who, &row)?;
    attachments::forget_all(ctx, Owner::Channel(id)).await?;
    ctx.db.run("DELETE FROM channels WHERE id = ?1", &[db::int(id)]).await?;
    hub::wipe(&ctx.env, &key(id)).await?;
    Ok(respond::no_content())
}

fn member_view(row: &MemberRow, now: i64, window: i64) -> ChannelMember {
    ChannelMember {
        name: row.name.clone(),
        kind: if row.kind == "human" { MemberKind::Human } else { MemberKind::Agent },
        online: now - row.last_seen < window,
        joined_at: protocol::time::rfc3339_from_ms(row.joined_at),
        last_seen: protocol::time::rfc3339_from_ms(row.last_seen),
    }
}

async fn member_rows(ctx: &Ctx, id: i64) -> ApiResult<Vec<MemberRow>> {
    ctx.db
        .all(
            "SELECT name, kind, holder, joined_at, last_seen FROM channel_members WHERE channel_id = ?1 ORDER BY joined_at, name",
            &[db::int(id)],
        )
        .await
}

/// `GET /api/channels/:id/members`.
pub async fn members(ctx: &Ctx, who: &Principal, id: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    let window = presence_ms(ctx);
    let items: Vec<ChannelMember> =
        member_rows(ctx, id).await?.iter().map(|r| member_view(r, ctx.now, window)).collect();
    Ok(respond::ok(&serde_json::json!({ "items": items })))
}

/// `PUT /api/channels/:id/members/:name`: join with a name, or say you are still there. A
/// name a live member holds answers 409 with the room's members.
pub async fn join(ctx: &Ctx, who: &Principal, id: i64, name: &str, req: &mut Request) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    let name = rules::member_name(name).map_err(|why| ApiError::invalid_parameter("name", why))?;
    let input: JoinChannel = body::read_json_or_default(req).await?;
    let kind = input.kind.unwrap_or(if who.agent.is_some() { MemberKind::Agent } else { MemberKind::Human });
    let holder = principal_key(who).0;
    let window = presence_ms(ctx);
    let existing: Option<MemberRow> = ctx
        .db
        .first(
            "SELECT name, kind, holder, joined_at, last_seen FROM channel_members WHERE channel_id = ?1 AND name = ?2",
            &[db::int(id), db::text(&name)],
        )
        .await?;
    let seen = existing.as_ref().map(|r| (r.holder.as_str(), r.last_seen));
    match rules::join(seen, &holder, ctx.now, window) {
        rules::Join::Clash => {
            let here: Vec<String> = member_rows(ctx, id)
                .await?
                .iter()
                .filter(|r| ctx.now - r.last_seen < window)
                .map(|r| r.name.clone())
                .collect();
            Err(ApiError::conflict(format!(
                "{name:?} is held by a member who is here (here now: {}): pick another name",
                here.join(", ")
            )))
        }
        rules::Join::Refresh => {
            ctx.db
                .run(
                    "UPDATE channel_members SET last_seen = ?3, kind = ?4 WHERE channel_id = ?1 AND name = ?2",
                    &[db::int(id), db::text(&name), db::int(ctx.now), db::text(kind.as_str())],
                )
                .await?;
            let row = MemberRow {
                name,
                kind: kind.as_str().into(),
                holder,
                joined_at: existing.map_or(ctx.now, |r| r.joined_at),
                last_seen: ctx.now,
            };
            Ok(respond::ok(&member_view(&row, ctx.now, window)))
        }
        rules::Join::New | rules::Join::TakeOver => {
            ctx.db
                .run(
                    "INSERT INTO channel_members (channel_id, name, kind, holder, joined_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                     ON CONFLICT (channel_id, name) DO UPDATE SET kind = ?3, holder = ?4, joined_at = ?5, last_seen = ?5",
                    &[db::int(id), db::text(&name), db::text(kind.as_str()), db::text(&holder), db::int(ctx.now)],
                )
                .await?;
            hub::append(&ctx.env, &key(id), &EventBody::MemberJoined { name: name.clone(), kind }).await?;
            let row = MemberRow { name, kind: kind.as_str().into(), holder, joined_at: ctx.now, last_seen: ctx.now };
            Ok(respond::created(&member_view(&row, ctx.now, window)))
        }
    }
}

/// `DELETE /api/channels/:id/members/:name`: its holder leaves (a name held by someone else,
/// or by nobody, is 404).
pub async fn leave(ctx: &Ctx, who: &Principal, id: i64, name: &str) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    let gone = ctx
        .db
        .run(
            "DELETE FROM channel_members WHERE channel_id = ?1 AND name = ?2 AND holder = ?3",
            &[db::int(id), db::text(name), db::text(&principal_key(who).0)],
        )
        .await?;
    if gone == 0 {
        return Err(ApiError::not_found(format!("a member {name:?} of yours in {ROOM_NOT_FOUND}")));
    }
    hub::append(&ctx.env, &key(id), &EventBody::MemberLeft { name: name.to_owned() }).await?;
    Ok(respond::no_content())
}

/// `POST /api/channels/:id/messages`: from a name the caller holds; it also counts as a sign
/// of life.
pub async fn post_message(ctx: &Ctx, who: &Principal, id: i64, req: &mut Request) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    let input: PostChannelMessage = body::read_json(req).await?;
    let text = rules::text(&input.text).map_err(|why| ApiError::invalid_field("text", why))?;
    let to = rules::recipients(&input.to).map_err(|why| ApiError::invalid_field("to", why))?;
    let files = attachments::for_message(ctx, Owner::Channel(id), &input.attachments).await?;
    let held = ctx
        .db
        .run(
            "UPDATE channel_members SET last_seen = ?4 WHERE channel_id = ?1 AND name = ?2 AND holder = ?3",
            &[db::int(id), db::text(&input.from), db::text(&principal_key(who).0), db::int(ctx.now)],
        )
        .await?;
    if held == 0 {
        return Err(ApiError::invalid_field(
            "from",
            format!("{:?} is not a name you hold in this room: join with it first", input.from),
        ));
    }
    ctx.db
        .run(
            "UPDATE channels SET last_activity = ?2 WHERE id = ?1 AND idle_s IS NOT NULL",
            &[db::int(id), db::int(ctx.now)],
        )
        .await?;
    let body = EventBody::ChannelMessage { from: input.from, to, text, author: who.author(), attachments: files };
    let stored = hub::append(&ctx.env, &key(id), &body).await?;
    Ok(respond::raw_json(stored.into_bytes(), 201))
}

/// What `who` reads of a room: everything, or (a private room) what is delivered to the
/// names it holds there.
async fn audience(ctx: &Ctx, who: &Principal, row: &ChannelRow) -> ApiResult<filter::Audience> {
    if row.private == 0 || who.is_admin() || principal_key(who).0 == row.created_by {
        return Ok(filter::Audience::Everything);
    }
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    let held: Vec<Name> = ctx
        .db
        .all(
            "SELECT name FROM channel_members WHERE channel_id = ?1 AND holder = ?2",
            &[db::int(row.id), db::text(&principal_key(who).0)],
        )
        .await?;
    Ok(filter::Audience::Names(held.into_iter().map(|n| n.name).collect()))
}

/// What a read keeps: the reader's audience, narrowed to `?for=NAME` when given.
async fn reading(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<filter::Reading> {
    let row = find_visible(ctx, who, id).await?;
    let audience = audience(ctx, who, &row).await?;
    let only = match query.get("for") {
        Some(reader) => Some(rules::member_name(reader).map_err(|why| ApiError::invalid_parameter("for", why))?),
        None => None,
    };
    Ok(filter::Reading { audience, only })
}

/// `GET /api/channels/:id/messages?after=&limit=&for=NAME`: a page of the room's log; with
/// `for`, only what concerns NAME (messages to everyone, to NAME or from NAME; arrivals and
/// departures). A private room's page holds only what the reader may see.
pub async fn messages(ctx: &Ctx, who: &Principal, id: i64, query: &Query) -> ApiResult<Response> {
    let reading = reading(ctx, who, id, query).await?;
    let page = hub::serve_page(&ctx.env, &key(id), query).await?;
    if reading.keeps_everything() {
        return Ok(page);
    }
    filter::page(page, &reading).await
}

/// `GET /api/channels/:id/stream`: live, resuming after `Last-Event-ID` or `?after=`; with
/// `for`, or in a private room, only what the reader may see.
pub async fn stream(ctx: &Ctx, who: &Principal, id: i64, req: &Request, query: &Query) -> ApiResult<Response> {
    let reading = reading(ctx, who, id, query).await?;
    let stream = hub::serve_stream(&ctx.env, &key(id), req, query).await?;
    if reading.keeps_everything() {
        return Ok(stream);
    }
    filter::stream(stream, reading)
}

/// `POST /api/channels/:id/attachments?filename=NAME`: a file for a message (write access).
pub async fn upload_attachment(
    ctx: &Ctx,
    who: &Principal,
    id: i64,
    req: &mut Request,
    query: &Query,
) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    attachments::upload(ctx, who, Owner::Channel(id), req, query).await
}

/// `GET /api/channels/:id/attachments/:attachment_id`.
pub async fn download_attachment(ctx: &Ctx, who: &Principal, id: i64, attachment: i64) -> ApiResult<Response> {
    find_visible(ctx, who, id).await?;
    attachments::download(ctx, Owner::Channel(id), attachment).await
}

/// `GET /api/channels/help`.
pub fn help() -> Response {
    let mut response = Response::ok(HELP).unwrap_or_else(|_| respond::no_content());
    let _ = response.headers_mut().set("content-type", "text/plain; charset=utf-8");
    response
}
