//! Every user-facing error text of the CLI, and the texts the daemon writes into transcripts,
//! each naming what failed, on what, and what to do next. Kept together so they stay
//! consistent and testable.
//!
//! Not here: the one-line `.context("cannot write PATH")` that only name the action and the
//! file, next to the call they describe; and clap's usage errors.

use std::path::Path;

use protocol::api::Role;
use protocol::error::ErrorCode;
use protocol::event::EventBody;

use crate::daemon::lock::Holder;
use crate::protocol_version::Upgrade;

pub fn unreachable(url: &str, cause: &str) -> String {
    format!(
        "cannot reach {url} ({cause}): is baton running (`make dev`)? \
         set --url or BATON_URL, or run `baton login --url URL --token TOKEN`"
    )
}

pub fn no_token(url: &str) -> String {
    format!(
        "no API token for {url}: run `baton login --url {url} --token TOKEN` \
         (`make dev` prints a ready token), or set BATON_TOKEN"
    )
}

pub fn insecure_url(url: &str) -> String {
    format!(
        "refusing to send a token to {url} over plain http: anyone on the network between could read it. \
         Use https://, or a loopback address (127.0.0.1, ::1, localhost) for a server on this machine; \
         if the network is trusted, pass --insecure or set BATON_INSECURE=1"
    )
}

pub fn bad_url(url: &str, why: &str) -> String {
    format!("{url:?} is not a server URL ({why}): give one like https://baton.example.org or http://127.0.0.1:8787")
}

/// The command-line flag that sets an API field, for the fields whose names differ from their
/// flags: an agent reading `workspace_id: ...` should know to change `--workspace`.
fn flag_for_field(field: &str) -> Option<&'static str> {
    let root = field.split('.').next().unwrap_or(field);
    Some(match root {
        "workspace_id" => "--workspace",
        "project_id" => "--project",
        "requirement_id" => "--requirement",
        "depends_on" => "--depends-on",
        "to" => "--to",
        "ttl_seconds" => "--ttl",
        "lease_seconds" => "--lease",
        "constraints" => "--constraint",
        "context" => "--context",
        "lease_token" => "--lease-token",
        "webhook" if field.ends_with(".secret") => "--webhook-secret",
        "webhook" => "--webhook",
        "expires_in_days" => "--expires-in-days",
        "expires_in_hours" => "--expires-in-hours",
        "include_pull_requests" => "--pull-requests",
        _ => return None,
    })
}

/// A server's field error said in the CLI's terms: `to.project: ...` becomes
/// `--to (to.project): ...`; messages about fields without a flag of another name stay.
pub fn with_flag_names(message: &str) -> String {
    let Some((field, rest)) = message.split_once(": ") else {
        return message.to_owned();
    };
    match flag_for_field(field) {
        Some(flag) => format!("{flag} ({field}): {rest}"),
        None => message.to_owned(),
    }
}

/// What to do after an error the API answered with `code`, if there is something to say. A
/// 403's hint is refitted to the caller's role when it can be read ([`forbidden_hint`]).
pub fn api_hint(code: ErrorCode) -> Option<String> {
    match code {
        ErrorCode::Unauthorized => {
            Some("the server did not accept the token: run `baton login --url URL --token TOKEN`".into())
        }
        ErrorCode::NotFound => Some("check the id or name; things outside your workspaces are not shown".into()),
        ErrorCode::Forbidden => Some(forbidden_hint(None)),
        _ => None,
    }
}

/// The hint for a 403, fitted to who asks: `role` is the caller's, when it could be read. An
/// admin is never told to ask an admin.
pub fn forbidden_hint(role: Option<Role>) -> String {
    match role {
        Some(Role::Admin) => "you are an admin, but a token scoped with --workspace or --project never acts as one \
                              (see `baton token ls`); with an unscoped token, nobody may do this"
            .into(),
        Some(Role::Member) => "this needs an admin: ask whoever administers the workspace".into(),
        None => "you lack the right for this: `baton login` shows who you are and your role; \
                 check with whoever administers the workspace"
            .into(),
    }
}

/// The server at `url` speaks protocol `server`, this baton `ours`; `upgrade` says which
/// side is behind.
pub fn protocol_mismatch(url: &str, server: u32, ours: u32, upgrade: Upgrade) -> String {
    let next = match upgrade {
        Upgrade::Server => "upgrade the server or use an older baton",
        Upgrade::Baton | Upgrade::Neither => {
            "upgrade baton: `cargo install --path worker-cli` in an up-to-date checkout of baton"
        }
    };
    format!("the server at {url} speaks protocol {server}, this baton speaks {ours}: {next}")
}

/// A `/api/health` answer that is not a baton server's.
pub fn not_a_baton_server(url: &str) -> String {
    format!("{url} did not answer like a baton server: check --url or BATON_URL")
}

/// A worker's repository that git cannot open.
pub fn not_a_repository(repo: &Path) -> String {
    format!(
        "{} is not a git repository (moved or deleted?): register the worker again from the repository it serves",
        repo.display()
    )
}

pub fn unborn_repository(repo: &Path, base: &str) -> String {
    format!("{} has no commits yet (unborn HEAD): commit something on {base} first", repo.display())
}

pub fn missing_base_branch(repo: &Path, base: &str) -> String {
    format!(
        "the base branch {base:?} does not exist in {}: create it, or register with --base-branch NAME",
        repo.display()
    )
}

pub fn cannot_run_git(repo: &Path) -> String {
    format!("cannot run git in {}: is it installed and on PATH?", repo.display())
}

pub fn fetch_timed_out(repo: &Path, base: &str) -> String {
    format!("git fetch origin {base} in {} took more than 60 s: check the network or the remote", repo.display())
}

/// What a session's transcript says when the worker cannot run it: a worker notice, its
/// own type, since only the server writes system notices.
pub fn could_not_run(err: &anyhow::Error) -> String {
    format!("the worker could not run this session: {err:#}")
}

/// What a session's transcript says of the files `.worktreeinclude` brought into its worktree
/// (names, never contents), and of what could not come; nothing when nothing happened.
pub fn worktree_include(files: &[std::path::PathBuf], problems: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    if !files.is_empty() {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        parts.push(format!("copied from the repository into this worktree (.worktreeinclude): {}", names.join(", ")));
    }
    if !problems.is_empty() {
        parts.push(format!(".worktreeinclude: not copied: {}", problems.join("; ")));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// The worktree's setup command went well (said once, when the worktree is new).
pub fn setup_ran(command: &str, took: std::time::Duration) -> String {
    format!("setup: `{command}` ran in this new worktree ({:.1} s)", took.as_secs_f64())
}

/// The setup command failed: the turn runs all the same, and the next one tries it again.
pub fn setup_failed(command: &str, why: &str) -> String {
    format!(
        "setup: `{command}` failed in this worktree; the turn runs all the same and the next one tries again \
         (change it with `baton worker register --setup CMD`): {why}"
    )
}

/// A worktree a sweep removed: its session's branch stays.
pub fn worktree_cleaned(session_id: i64, policy: crate::worker_config::CleanupPolicy) -> String {
    format!(
        "the worktree of S-{session_id} was removed by the worker's cleanup (idle over {} days, or beyond {} \
         worktrees or the disk limit); its branch baton/S-{session_id} keeps every commit, and the next \
         message makes the worktree again",
        policy.idle_days, policy.max_worktrees
    )
}

/// The closing of a turn the daemon found open at its start (it died while the turn ran).
pub const TURN_ABANDONED_BY_RESTART: &str = "turn abandoned: the worker restarted while it ran";

pub fn attachments_not_saved(err: &anyhow::Error) -> String {
    format!("the attachments were not saved: {err:#}")
}

/// A second daemon for one worker config; `holder` is what the lock file says, when readable.
pub fn daemon_already_runs(lock: &Path, holder: Option<&Holder>) -> String {
    let who = match holder {
        Some(h) => format!("pid {}, baton {}", h.pid, h.version),
        None => "it is starting".into(),
    };
    format!(
        "cannot start the worker daemon: one already runs for this config ({who}; it holds {}): \
         `baton worker stop` first, or give another config with --config",
        lock.display()
    )
}

/// A command of the worker's stream that failed, for the daemon's log and the session's
/// transcript; the daemon goes on with the next command.
pub fn command_failed(command: &EventBody, err: &anyhow::Error) -> String {
    match command {
        EventBody::SessionDelete { session_id } => format!(
            "the worker could not remove the worktree of S-{session_id}: {err:#}. It went on; once the cause is \
             fixed, delete what is left of the directory and run `git worktree prune` in the repository"
        ),
        other => format!("the worker could not carry out the {} command: {err:#}", other.type_name()),
    }
}

/// A turn followed with `--wait` asks a person: what to run to answer it.
pub fn turn_waits_for_input(input: &protocol::api::Input) -> String {
    format!(
        "baton: S-{} waits for a person: {} (expires {}). Answer with `baton answer S-{} {} allow` \
         (or deny --message WHY); `baton inbox` lists every request",
        input.session_id, input.summary, input.expires_at, input.session_id, input.request_id
    )
}

/// `--timeout` ran out before the turn ended; the work goes on.
pub fn wait_timed_out(session_id: i64, message_seq: u64, secs: u64) -> String {
    format!(
        "waited {secs} s for the turn of message #{message_seq} in S-{session_id}, and it has not ended; \
         it goes on: follow it with `baton session watch S-{session_id} --after {message_seq}`"
    )
}

/// The turn a `--wait` followed ended in an error.
pub fn turn_failed(session_id: i64, message_seq: u64, message: &str) -> String {
    format!(
        "the turn of message #{message_seq} in S-{session_id} failed: {message}. \
         Read what the agent did with `baton session log S-{session_id} --after {}`",
        message_seq.saturating_sub(1)
    )
}

/// `--wait` on a session nobody runs.
pub fn wait_without_worker(session_id: i64) -> String {
    format!(
        "S-{session_id} has no worker, so no agent will answer: drop --wait, or send to a session \
         created with --worker W-N (or use `baton delegate W-N ...`)"
    )
}

/// An answer to a request that was already answered otherwise (409).
pub fn answer_conflicts(session_id: i64, request_id: &str) -> String {
    format!(
        "cannot answer request {request_id} of S-{session_id}: someone already answered it differently, \
         and the agent went on with that answer. See it with `baton session log S-{session_id}`; \
         to change course, send the agent a message (`baton session send S-{session_id} '...'`)"
    )
}

/// An answer that came after the request expired (410).
pub fn answer_too_late(session_id: i64, request_id: &str) -> String {
    format!(
        "cannot answer request {request_id} of S-{session_id}: it expired before your answer came, \
         and the agent took it as a deny. If it should try again, tell it so: \
         `baton session send S-{session_id} '...'` (`baton session set S-{session_id} --input-timeout SECS` \
         gives people longer next time)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_next_step() {
        assert!(unreachable("http://x", "refused").contains("BATON_URL"));
        assert!(no_token("http://x").contains("baton login --url http://x"));
        assert!(api_hint(ErrorCode::Unauthorized).unwrap().contains("baton login"));
    }
}
