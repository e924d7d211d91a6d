//! The worker's command stream (`/api/workers/<id>/stream`): what each command does, where the
//! daemon keeps its place in the stream, and what follows a command that fails.
//!
//! Every command is handled once: the cursor (the last command's sequence number, in
//! `worker.cursor` beside the config) moves past each command whatever happened, and the
//! stream resumes after it at the next start. A command that fails is logged and reported in
//! its session's transcript (best effort: after a delete the session is gone), then left
//! behind ([`settle`] decides, purely). Ending the daemon instead would replay the command at
//! every restart and end it again each time. Only a lost stream ends the daemon.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use protocol::event::EventBody;

use super::batons::Catcher;
use super::{poster, Supervisor};
use crate::client::Client;
use crate::{messages, worktree};

/// Where the cursor of the worker config at `config_path` is kept.
pub fn cursor_path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("worker.cursor")
}

/// The saved cursor; none (or an unreadable one) is 0, the stream's start: commands are
/// idempotent, so replaying them costs time, not correctness.
pub fn read_cursor(path: &Path) -> u64 {
    std::fs::read_to_string(path).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0)
}

/// Saves the cursor atomically (a temporary file renamed over the old one).
pub fn write_cursor(path: &Path, seq: u64) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, seq.to_string()).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Carries out one command. Only a session's deletion can fail (its worktree is removed).
pub async fn handle(supervisor: &mut Supervisor, catcher: &Catcher, command: &EventBody) -> Result<()> {
    match command {
        EventBody::SessionStart { session_id } => supervisor.start(*session_id),
        EventBody::SessionInterrupt { session_id } => supervisor.interrupt(*session_id),
        EventBody::BatonOffered { baton_id } => {
            let (catcher, baton_id) = (catcher.clone(), baton_id.clone());
            tokio::spawn(async move {
                // Said when left: a pending baton beside an online worker looks like a fault.
                if !catcher.try_catch(&baton_id).await {
                    super::log::info(&format!(
                        "left {baton_id} for now: no room (as many batons held as \
                         --max-sessions); a sweep takes it once one ends, unless another worker does"
                    ));
                }
            });
        }
        EventBody::SessionStop { session_id } => supervisor.stop(*session_id).await,
        EventBody::SessionDelete { session_id } => {
            supervisor.stop(*session_id).await;
            let (repo, dir, id) =
                (supervisor.shared.config.repo.clone(), supervisor.shared.config.worktrees_dir.clone(), *session_id);
            // Held like a turn holds it, so a cleanup sweeping at the same moment leaves it alone.
            supervisor.shared.worktrees.claim(id).await;
            let removed = tokio::task::spawn_blocking(move || worktree::remove(&repo, &dir, id)).await;
            supervisor.shared.worktrees.release(id);
            removed.with_context(|| format!("the removal of the worktree of S-{id} stopped"))??;
        }
        // Not a command (a newer server's, or an event of another kind): nothing to do.
        _ => {}
    }
    Ok(())
}

/// What follows a handled command.
#[derive(Debug, Clone, PartialEq)]
pub struct Aftermath {
    /// The cursor to save: the command's own, whatever happened.
    pub cursor: u64,
    /// A line for the daemon's log, when the command failed.
    pub log: Option<String>,
    /// A notice for the transcript of the session the command was about, when it failed.
    pub notice: Option<(i64, EventBody)>,
}

/// The session a command is about, if any.
pub fn session_of(command: &EventBody) -> Option<i64> {
    match command {
        EventBody::SessionStart { session_id }
        | EventBody::SessionStop { session_id }
        | EventBody::SessionDelete { session_id }
        | EventBody::SessionInterrupt { session_id } => Some(*session_id),
        _ => None,
    }
}

/// Pure: what follows command `seq`, given how it went. The cursor always moves past it.
pub fn settle(seq: u64, command: &EventBody, outcome: &Result<()>) -> Aftermath {
    let Err(err) = outcome else {
        return Aftermath { cursor: seq, log: None, notice: None };
    };
    let text = messages::command_failed(command, err);
    let notice = session_of(command).map(|id| (id, EventBody::WorkerNotice { text: text.clone() }));
    Aftermath { cursor: seq, log: Some(text), notice }
}

/// Carries out what [`settle`] decided: logs, reports (best effort), saves the cursor. Never
/// fails: a cursor that cannot be saved is logged, and the stream goes on from memory.
pub async fn follow_up(client: &Client, cursor_file: &Path, after: Aftermath) {
    if let Some(line) = &after.log {
        super::log::warn(line);
    }
    if let Some((session_id, notice)) = &after.notice {
        if let Err(err) = poster::post(client, *session_id, notice).await {
            super::log::warn(&format!("S-{session_id}: the notice was not written: {err:#}"));
        }
    }
    if let Err(err) = write_cursor(cursor_file, after.cursor) {
        super::log::warn(&format!("{err:#}; a restart will replay the commands since"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_session_delete_is_reported_and_the_cursor_moves_past_it_instead_of_crash_looping() {
        let delete = EventBody::SessionDelete { session_id: 5 };
        let failed = Err(anyhow::anyhow!("cannot remove /w/S-5: Permission denied"));
        let after = settle(42, &delete, &failed);
        assert_eq!(after.cursor, 42, "the command is not replayed at the next start");
        let log = after.log.unwrap();
        assert!(log.contains("S-5") && log.contains("cannot remove /w/S-5: Permission denied"), "{log}");
        let Some((5, EventBody::WorkerNotice { text })) = after.notice else { panic!("no notice for S-5") };
        assert!(text.contains("Permission denied") && text.contains("git worktree prune"), "{text}");
    }

    #[test]
    fn a_command_that_went_well_only_moves_the_cursor() {
        let after = settle(7, &EventBody::SessionStart { session_id: 1 }, &Ok(()));
        assert_eq!(after, Aftermath { cursor: 7, log: None, notice: None });
    }

    #[test]
    fn a_failure_about_no_session_is_logged_only() {
        let offered = EventBody::BatonOffered { baton_id: "b1".into() };
        let after = settle(8, &offered, &Err(anyhow::anyhow!("boom")));
        assert_eq!((after.cursor, after.notice), (8, None));
        assert!(after.log.unwrap().contains("baton_offered"));
    }

    #[test]
    fn the_cursor_is_saved_and_read_back_and_a_missing_one_is_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = cursor_path(&dir.path().join("worker.json"));
        assert_eq!(read_cursor(&path), 0);
        write_cursor(&path, 12).unwrap();
        assert_eq!(read_cursor(&path), 12);
        let err = write_cursor(&dir.path().join("missing/worker.cursor"), 1).unwrap_err();
        assert!(format!("{err:#}").contains("missing/worker.tmp"), "the error names the file: {err:#}");
    }
}
