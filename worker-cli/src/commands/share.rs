//! Share links of a session (`baton session share|shares|unshare`, and `baton delegate
//! --share`): a URL that lets someone outside the workspace read (or write to) one session.
//! The URL is shown once, when made or rotated; lists never carry it.
//!
//! The arguments live with the other session commands in [`super::session`].

use anyhow::Result;
use protocol::api::{CreateShare, Share, ShareMode};

use super::{confirm, Env};
use crate::{output, resolve};

/// Makes a share link to session `session_id`.
pub async fn make(env: &Env, session_id: i64, mode: ShareMode, expires_in_hours: Option<u32>) -> Result<Share> {
    let body = CreateShare { mode, expires_in_s: expires_in_hours.map(|hours| hours.saturating_mul(3600)) };
    env.client.post("make a share link", &format!("/api/sessions/{session_id}/shares"), &body).await
}

pub async fn create(env: &Env, session: &str, write: bool, expires_in_hours: Option<u32>) -> Result<()> {
    let id = resolve::session_id(session)?;
    let mode = if write { ShareMode::Write } else { ShareMode::Read };
    let share = make(env, id, mode, expires_in_hours).await?;
    env.print(&share, render_new)
}

pub async fn rotate(env: &Env, share_id: i64) -> Result<()> {
    let share: Share = env
        .client
        .post("rotate the share link", &format!("/api/shares/{share_id}/rotate"), &serde_json::json!({}))
        .await?;
    env.print(&share, |s| format!("{}\nThe old URL of link {} no longer works.", render_new(s), s.id))
}

pub async fn list(env: &Env, session: &str) -> Result<()> {
    let id = resolve::session_id(session)?;
    let all: Vec<Share> =
        resolve::all_pages(&env.client, "list share links", &format!("/api/sessions/{id}/shares")).await?;
    env.print_table(&all, &["ID", "MODE", "CREATED", "EXPIRES"], |s| {
        vec![
            s.id.to_string(),
            mode_name(s.mode).into(),
            s.created_at.clone(),
            s.expires_at.clone().unwrap_or_else(|| "never".into()),
        ]
    })
}

pub async fn revoke(env: &Env, share_id: i64, yes: bool) -> Result<()> {
    confirm(yes, &format!("share link {share_id} (its URL stops working)"))?;
    env.client.delete("revoke the share link", &format!("/api/shares/{share_id}")).await?;
    env.print(&serde_json::json!({"revoked": share_id}), |_| format!("Revoked share link {share_id}."))
}

fn mode_name(mode: ShareMode) -> &'static str {
    match mode {
        ShareMode::Read => "read",
        ShareMode::Write => "write",
    }
}

/// A link just made or rotated, for people: its URL (shown only now), what it allows, and
/// how to take it back.
pub fn render_new(share: &Share) -> String {
    let allows = match share.mode {
        ShareMode::Read => "read S-{id}",
        ShareMode::Write => "read S-{id}, send it messages and answer its requests",
    }
    .replace("{id}", &share.session_id.to_string());
    let until = share.expires_at.as_deref().map_or("until revoked".into(), |at| format!("until {at}"));
    format!(
        "{}\nShown only now. Anyone with it can {allows}, {until}; revoke it with `baton session unshare {} --yes`.",
        share.url.as_deref().unwrap_or("(the server sent no URL)"),
        share.id
    )
}

/// Prints a note to stderr when a share link could not be made as part of another command.
pub fn note_failed(err: &anyhow::Error) {
    output::note(&format!("baton: no share link: {err:#}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_link_shows_its_url_what_it_allows_and_how_to_revoke() {
        let share = Share {
            id: 12,
            session_id: 4,
            mode: ShareMode::Write,
            created_at: "2026-11-21T10:00:00Z".into(),
            expires_at: Some("2026-11-22T10:00:00Z".into()),
            url: Some("https://baton.example.org/s/abc".into()),
        };
        let text = render_new(&share);
        assert!(text.starts_with("https://baton.example.org/s/abc\nShown only now."), "{text}");
        assert!(text.contains("send it messages"), "{text}");
        assert!(text.contains("until 2026-11-22T10:00:00Z"), "{text}");
        assert!(text.contains("baton session unshare 12 --yes"), "{text}");
        let read = Share { mode: ShareMode::Read, expires_at: None, ..share };
        assert!(render_new(&read).contains("can read S-4, until revoked"));
    }
}
