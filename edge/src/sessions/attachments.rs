//! Attachments: files people add to a message of a session or a room ([`Owner`]). The bytes
//! go to R2 (`BLOBS`), never into D1; the `attachments` and `channel_attachments` tables
//! (owned here) hold what the API shows. A session's worker downloads them into the worktree
//! for the turn; a room's members fetch them from the room. The callers have checked that the
//! principal may see the owner.

use protocol::api::Attachment;
use serde::Deserialize;
use worker::{Headers, HttpMetadata, Request, Response};

use crate::access::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::platform::context::Ctx;
use crate::{crypto::secrets, http::body, http::query::Query, http::respond, platform::bindings, platform::db};

/// The largest attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

#[derive(Deserialize)]
struct Row {
    id: i64,
    r2_key: String,
    filename: String,
    content_type: String,
    size: i64,
}

impl From<&Row> for Attachment {
    fn from(r: &Row) -> Self {
        Attachment {
            id: r.id,
            filename: r.filename.clone(),
            content_type: r.content_type.clone(),
            size: r.size.max(0) as u64,
        }
    }
}

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Session(i64),
    Channel(i64),
}

impl Owner {
    fn table(self) -> &'static str {
        match self {
            Owner::Session(_) => "attachments",
            Owner::Channel(_) => "channel_attachments",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Owner::Session(_) => "session_id",
            Owner::Channel(_) => "channel_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            Owner::Session(id) | Owner::Channel(id) => id,
        }
    }

    /// Where its bytes go in R2.
    fn prefix(self) -> String {
        match self {
            Owner::Session(id) => format!("sessions/{id}"),
            Owner::Channel(id) => format!("channels/{id}"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Owner::Session(_) => "this session",
            Owner::Channel(_) => "this room",
        }
    }
}

/// A file name safe anywhere: its last path part, with anything but letters, digits, `.`,
/// `_` and `-` replaced, no leading dot, at most 100 characters.
pub fn safe_filename(given: &str) -> Option<String> {
    let base = given.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    let cleaned = cleaned.trim_start_matches('.').chars().take(100).collect::<String>();
    (!cleaned.is_empty() && cleaned.chars().any(|c| c.is_ascii_alphanumeric())).then_some(cleaned)
}

/// `POST /api/{sessions,channels}/:id/attachments?filename=NAME`, the bytes as the body.
pub async fn upload(ctx: &Ctx, who: &Principal, owner: Owner, req: &mut Request, query: &Query) -> ApiResult<Response> {
    let filename = query
        .get("filename")
        .and_then(safe_filename)
        .ok_or_else(|| ApiError::invalid_parameter("filename", "is required: a file name with letters or digits"))?;
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .filter(|t| t.len() <= 200 && !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let bytes = body::read_limited(req, MAX_ATTACHMENT_BYTES).await?;
    let created_by = Some(who.user_id).filter(|id| *id > 0);
    Ok(respond::created(&store(ctx, owner, &filename, &content_type, bytes, created_by).await?))
}

/// Keeps `bytes` as an attachment of `owner` named `filename` (already safe): the bytes in
/// R2, the row in D1.
pub async fn store(
    ctx: &Ctx,
    owner: Owner,
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
    created_by: Option<i64>,
) -> ApiResult<Attachment> {
    let key = format!("{}/{}", owner.prefix(), hex::encode(&secrets::random_bytes()?[..16]));
    let bucket = ctx.env.bucket(bindings::BLOBS)?;
    let size = bytes.len() as i64;
    bucket
        .put(&key, bytes)
        .http_metadata(HttpMetadata { content_type: Some(content_type.to_owned()), ..HttpMetadata::default() })
        .execute()
        .await?;
    let row: Row = ctx
        .db
        .first(
            &format!(
                "INSERT INTO {} ({}, r2_key, filename, content_type, size, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id, r2_key, filename, content_type, size",
                owner.table(),
                owner.column()
            ),
            &[
                db::int(owner.id()),
                db::text(&key),
                db::text(filename),
                db::text(content_type),
                db::int(size),
                db::opt_int(created_by),
                db::int(ctx.now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::internal("attachment insert returned no row"))?;
    Ok(Attachment::from(&row))
}

/// The owner's attachments with these ids, in the order given; 400 for any that is not.
pub async fn for_message(ctx: &Ctx, owner: Owner, ids: &[i64]) -> ApiResult<Vec<Attachment>> {
    if ids.len() > 20 {
        return Err(ApiError::invalid_field("attachments", "at most 20 per message"));
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One query for all of them, then each in the order the message names them.
    let placeholders: Vec<String> = (2..ids.len() + 2).map(|i| format!("?{i}")).collect();
    let mut args = vec![db::int(owner.id())];
    args.extend(ids.iter().map(|id| db::int(*id)));
    let rows: Vec<Row> = ctx
        .db
        .all(
            &format!(
                "SELECT id, r2_key, filename, content_type, size FROM {} WHERE {} = ?1 AND id IN ({})",
                owner.table(),
                owner.column(),
                placeholders.join(", ")
            ),
            &args,
        )
        .await?;
    ids.iter()
        .map(|id| {
            rows.iter().find(|r| r.id == *id).map(Attachment::from).ok_or_else(|| {
                ApiError::invalid_field("attachments", format!("{id} is not an attachment of {}", owner.noun()))
            })
        })
        .collect()
}

/// `GET /api/{sessions,channels}/:id/attachments/:attachment_id`: the bytes.
pub async fn download(ctx: &Ctx, owner: Owner, id: i64) -> ApiResult<Response> {
    let row: Row = ctx
        .db
        .first(
            &format!(
                "SELECT id, r2_key, filename, content_type, size FROM {} WHERE id = ?1 AND {} = ?2",
                owner.table(),
                owner.column()
            ),
            &[db::int(id), db::int(owner.id())],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("attachment {id}")))?;
    let object = ctx
        .env
        .bucket(bindings::BLOBS)?
        .get(&row.r2_key)
        .execute()
        .await?
        .ok_or_else(|| ApiError::internal(format!("attachment {id} has no bytes in R2")))?;
    let bytes = match object.body() {
        Some(body) => body.bytes().await?,
        None => Vec::new(),
    };
    let headers = Headers::new();
    headers.set("content-type", served_type(&row.content_type))?;
    headers.set("content-disposition", &format!("attachment; filename=\"{}\"", row.filename))?;
    // The uploader chose the bytes: never let a browser sniff them into a page of this origin.
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("content-security-policy", "sandbox; default-src 'none'")?;
    headers.set("cache-control", "private, no-store")?;
    Ok(Response::builder().with_headers(headers).fixed(bytes))
}

/// Removes the bytes of every attachment of `owner` from R2 (its rows go with it by cascade):
/// a room being deleted.
pub async fn forget_all(ctx: &Ctx, owner: Owner) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Key {
        r2_key: String,
    }
    let keys: Vec<Key> = ctx
        .db
        .all(&format!("SELECT r2_key FROM {} WHERE {} = ?1", owner.table(), owner.column()), &[db::int(owner.id())])
        .await?;
    let bucket = ctx.env.bucket(bindings::BLOBS)?;
    for key in keys {
        bucket.delete(&key.r2_key).await?;
    }
    Ok(())
}

/// Types served as uploaded: inert ones a browser shows without running anything. Everything
/// else (HTML, SVG, JavaScript, XML, ...) is served as `application/octet-stream`.
const SERVED_AS_IS: &[&str] = &[
    "application/json",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/plain",
    "text/csv",
    "text/markdown",
];

/// The `Content-Type` to serve an attachment uploaded as `declared` with.
pub fn served_type(declared: &str) -> &'static str {
    let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    SERVED_AS_IS.iter().copied().find(|t| *t == essence).unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::{safe_filename, served_type};

    /// Regression: attachments were served with the uploader's `Content-Type`, so an HTML or
    /// SVG upload ran as a page of the API's origin.
    #[test]
    fn only_inert_types_are_served_as_uploaded() {
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("Text/Plain; charset=utf-8"), "text/plain");
        for active in ["text/html", "image/svg+xml", "application/javascript", "text/xml", "application/xhtml+xml", ""]
        {
            assert_eq!(served_type(active), "application/octet-stream", "{active}");
        }
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_filename("report.pdf").as_deref(), Some("report.pdf"));
        assert_eq!(safe_filename("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(safe_filename("C:\\\\x\\\\my file (1).png").as_deref(), Some("my_file__1_.png"));
        assert_eq!(safe_filename(".env").as_deref(), Some("env"));
        for bad in ["", "..", "/", "???"] {
            assert_eq!(safe_filename(bad), None, "{bad}");
        }
    }
}
