//! The session worktrees a daemon keeps: made ready for a turn ([`prepare`]: the git
//! worktree, `.worktreeinclude`'s files, a port range, the setup command), and removed when
//! idle by the worker's [`CleanupPolicy`] ([`sweep`]), with their disk use measured on the way.
//!
//! A worktree is made when its session's turn needs it, not when the daemon starts, so
//! sessions that finished long ago cost no disk until someone writes to them again. Its
//! `S-<id>.ready` marker's modification time is when a turn last used it: [`sweep`] ranks by it.
//!
//! What a sweep never removes: a worktree in a turn (the runner holds it in [`InUse`] from
//! before [`prepare`] to the turn's end), and one with uncommitted changes (files that
//! `.worktreeinclude` copied in do not count: they are the machine's, not the agent's work). The
//! session's branch always stays, so the next message makes the worktree again from it.
//!
//! Ports: each worktree takes the lowest free slot (`S-<id>.port` holds it) and so ten ports
//! from `port_base + 10 × slot`; its agent and setup command see `BATON_PORT_BASE` and `PORT`.
//!
//! The rules ([`plan`], [`free_slot`], [`included`]) are pure; the rest is file and git I/O,
//! run in `spawn_blocking`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::worker_config::{CleanupPolicy, WorkerConfig};
use crate::worktree::{self, GitCli};
use crate::{messages, worktree_include};

/// Ports each worktree gets.
pub const PORTS_PER_WORKTREE: u32 = 10;
/// Worktrees that can hold ports at once (a port range of 10,000 from the base).
pub const MAX_SLOTS: u32 = 1_000;
/// Longest a setup command may run.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A worktree on disk, as a sweep sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub session_id: i64,
    /// When a turn last used it (Unix ms).
    pub last_used_ms: i64,
    pub bytes: u64,
}

/// Pure: the worktrees to remove, longest idle first: those idle past `idle_days`, then the
/// longest idle while more than `max_worktrees` remain, then while more than `max_bytes` do.
/// `keep` (in a turn, or holding uncommitted work) are never chosen but still count.
pub fn plan(entries: &[Entry], keep: &HashSet<i64>, policy: CleanupPolicy, now_ms: i64) -> Vec<i64> {
    let mut idle: Vec<&Entry> = entries.iter().filter(|e| !keep.contains(&e.session_id)).collect();
    idle.sort_by_key(|e| (e.last_used_ms, e.session_id));
    let max_idle_ms = i64::from(policy.idle_days) * 24 * 3600 * 1000;
    let (mut count, mut bytes) = (entries.len(), entries.iter().map(|e| e.bytes).sum::<u64>());
    let mut chosen = Vec::new();
    for e in idle {
        let too_old = now_ms - e.last_used_ms > max_idle_ms;
        let too_many = count > policy.max_worktrees as usize;
        let too_big = policy.max_bytes.is_some_and(|max| bytes > max);
        if too_old || too_many || too_big {
            chosen.push(e.session_id);
            count -= 1;
            bytes -= e.bytes;
        }
    }
    chosen
}

/// Pure: the lowest slot not in `taken`.
pub fn free_slot(taken: &[u32]) -> Option<u32> {
    (0..MAX_SLOTS).find(|slot| !taken.contains(slot))
}

/// Pure: whether `path` (relative to the worktree) is something `.worktreeinclude`'s
/// `patterns` name: a pattern's components match the path's first ones (a directory
/// pattern covers what is under it).
pub fn included(patterns: &[Vec<String>], path: &Path) -> bool {
    let parts: Vec<String> = path.components().filter_map(|c| c.as_os_str().to_str().map(str::to_owned)).collect();
    patterns.iter().any(|pattern| {
        pattern.len() <= parts.len() && pattern.iter().zip(&parts).all(|(p, n)| worktree_include::matches(p, n))
    })
}

/// The sessions whose worktrees are in a turn, or claimed by a sweep removing them.
#[derive(Default)]
pub struct InUse(Mutex<HashSet<i64>>);

impl InUse {
    /// Claims session `id`'s worktree, waiting while a sweep removes it.
    pub async fn claim(&self, id: i64) {
        loop {
            if self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Claims it only if nobody holds it.
    fn try_claim(&self, id: i64) -> bool {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id)
    }

    pub fn release(&self, id: i64) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
    }

    fn held(&self) -> HashSet<i64> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A worktree made ready for a turn.
#[derive(Debug)]
pub struct Prepared {
    pub path: PathBuf,
    /// `BATON_PORT_BASE` and `PORT` for its agent.
    pub ports: Vec<(OsString, OsString)>,
    /// What the transcript should say (files copied in, the setup command's outcome).
    pub notices: Vec<String>,
    /// How long making it took, when it was made now (for the daemon's log).
    pub made_in: Option<Duration>,
}

/// Makes session `id`'s worktree ready (blocking): made or found, marked used now, given
/// `.worktreeinclude`'s files and a port range, and set up once by the setup command.
/// `env` is the agent's environment without credentials, for the setup command.
pub fn prepare(config: &WorkerConfig, session_id: i64, env: &[(OsString, OsString)]) -> Result<Prepared> {
    let dir = &config.worktrees_dir;
    let l = worktree::layout(dir, session_id);
    let (existed, started) = (l.marker.exists(), std::time::Instant::now());
    let path = worktree::ensure(&config.repo, dir, session_id, &config.base_branch, &GitCli::default())?;
    let made_in = (!existed).then(|| started.elapsed());
    let _ = fs::File::options().append(true).open(&l.marker).and_then(|f| f.set_modified(SystemTime::now()));
    let mut notices = Vec::new();
    let copied = worktree_include::copy(&config.repo, &path);
    notices.extend(messages::worktree_include(&copied.files, &copied.problems));
    let slot = port_slot(dir, session_id)?;
    let base = u32::from(config.port_base) + PORTS_PER_WORKTREE * slot;
    let base = u16::try_from(base).map_err(|_| anyhow::anyhow!("no ports left above {}", config.port_base))?;
    let ports = vec![("BATON_PORT_BASE".into(), base.to_string().into()), ("PORT".into(), base.to_string().into())];
    if let Some(command) = &config.setup_command {
        if !l.setup.exists() {
            let mut env = env.to_vec();
            env.extend(ports.iter().cloned());
            match run_setup(command, &path, &env) {
                Ok(took) => {
                    fs::write(&l.setup, b"").with_context(|| format!("cannot write {}", l.setup.display()))?;
                    notices.push(messages::setup_ran(command, took));
                }
                Err(err) => notices.push(messages::setup_failed(command, &format!("{err:#}"))),
            }
        }
    }
    Ok(Prepared { path, ports, notices, made_in })
}

/// Held while a slot is chosen and written: two worktrees made at once must not take the same.
static CHOOSING: Mutex<()> = Mutex::new(());

/// The worktree's port slot: the one it holds, else the lowest free one (written down).
fn port_slot(dir: &Path, session_id: i64) -> Result<u32> {
    let _choosing = CHOOSING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let l = worktree::layout(dir, session_id);
    if let Some(slot) = fs::read_to_string(&l.port).ok().and_then(|t| t.trim().parse().ok()) {
        return Ok(slot);
    }
    let taken: Vec<u32> = fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".port"))
        .filter_map(|e| fs::read_to_string(e.path()).ok()?.trim().parse().ok())
        .collect();
    let Some(slot) = free_slot(&taken) else { bail!("every port slot is taken ({MAX_SLOTS} worktrees)") };
    fs::write(&l.port, slot.to_string()).with_context(|| format!("cannot write {}", l.port.display()))?;
    Ok(slot)
}

/// Runs the setup command with `sh -c` in the worktree; the time it took, or why it failed
/// (with the end of its output).
fn run_setup(command: &str, worktree: &Path, env: &[(OsString, OsString)]) -> Result<Duration> {
    let started = std::time::Instant::now();
    let log = tempfile_in(worktree)?;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(worktree)
        .env_clear()
        .envs(env.iter().cloned())
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?)
        .spawn()
        .context("cannot start sh")?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > SETUP_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("it ran longer than {} minutes and was stopped", SETUP_TIMEOUT.as_secs() / 60);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.success() {
        return Ok(started.elapsed());
    }
    // The child wrote through a copy of this descriptor, which shares its offset: back to the start.
    let mut output = String::new();
    let mut log = log;
    let _ = std::io::Seek::rewind(&mut log).and_then(|()| std::io::Read::read_to_string(&mut log, &mut output));
    let tail: String = output.chars().rev().take(1_000).collect::<Vec<_>>().into_iter().rev().collect();
    bail!("{status}: {}", tail.trim())
}

/// An unnamed file for the setup command's output: outside the worktree's tree (beside it, in
/// the worktrees directory) so the agent never sees it, and named after the worktree so two
/// set up at once never share one.
fn tempfile_in(worktree: &Path) -> Result<fs::File> {
    let dir = worktree.parent().unwrap_or(worktree);
    let name = worktree.file_name().map_or_else(|| "worktree".into(), |n| n.to_string_lossy().into_owned());
    let path = dir.join(format!(".{name}.setup.log"));
    let file = fs::File::options().read(true).write(true).create(true).truncate(true).open(&path)?;
    let _ = fs::remove_file(&path);
    Ok(file)
}

/// The worktrees under `dir` (ready ones), with when they were last used and their size.
pub fn scan(dir: &Path) -> Vec<Entry> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_prefix("S-").and_then(|n| n.parse::<i64>().ok()) else { continue };
        let marker = worktree::layout(dir, id).marker;
        let Ok(used) = fs::metadata(&marker).and_then(|m| m.modified()) else { continue };
        let last_used_ms = used.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        found.push(Entry { session_id: id, last_used_ms, bytes: size(&e.path()) });
    }
    found.sort_by_key(|e| e.session_id);
    found
}

/// Bytes under `path`, links not followed.
pub fn size(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else { return 0 };
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path).map_or(0, |entries| entries.flatten().map(|e| size(&e.path())).sum())
}

/// Whether the worktree holds changes git would lose with it: modified, staged or untracked
/// files, other than what `.worktreeinclude` copied in. Unreadable counts as dirty.
pub fn dirty(repo: &Path, worktree: &Path) -> bool {
    let patterns = fs::read_to_string(repo.join(worktree_include::FILE))
        .map(|t| worktree_include::patterns(&t).0)
        .unwrap_or_default();
    let Ok(repo) = git2::Repository::open(worktree) else { return true };
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true).include_ignored(false);
    let Ok(statuses) = repo.statuses(Some(&mut options)) else { return true };
    statuses.iter().any(|s| s.path().is_none_or(|p| !included(&patterns, Path::new(p))))
}

/// What a sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub removed: Vec<i64>,
    /// Chosen by the policy but kept: uncommitted changes.
    pub kept_dirty: Vec<i64>,
    /// Worktrees and bytes left.
    pub count: u32,
    pub bytes: u64,
}

/// Removes what the policy chooses among the worktrees not in use (blocking).
pub fn sweep(config: &WorkerConfig, in_use: &InUse, now_ms: i64) -> Swept {
    let entries = scan(&config.worktrees_dir);
    let mut keep = in_use.held();
    let mut swept = Swept::default();
    // Dirty ones are kept; checking every worktree would cost a status each, so only the
    // candidates are checked, and the plan is made again without them.
    loop {
        let candidates = plan(&entries, &keep, config.cleanup, now_ms);
        let Some(dirty_one) =
            candidates.iter().find(|id| dirty(&config.repo, &worktree::layout(&config.worktrees_dir, **id).path))
        else {
            for id in candidates {
                if !in_use.try_claim(id) {
                    continue;
                }
                let removed = worktree::remove(&config.repo, &config.worktrees_dir, id);
                in_use.release(id);
                if removed.is_ok() {
                    swept.removed.push(id);
                }
            }
            break;
        };
        keep.insert(*dirty_one);
        swept.kept_dirty.push(*dirty_one);
    }
    let left = scan(&config.worktrees_dir);
    swept.count = u32::try_from(left.len()).unwrap_or(u32::MAX);
    swept.bytes = left.iter().map(|e| e.bytes).sum();
    swept
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    fn entry(id: i64, days_ago: i64, bytes: u64) -> Entry {
        Entry { session_id: id, last_used_ms: 100 * DAY - days_ago * DAY, bytes }
    }

    fn policy(idle_days: u32, max_worktrees: u32, max_bytes: Option<u64>) -> CleanupPolicy {
        CleanupPolicy { idle_days, max_worktrees, max_bytes }
    }

    #[test]
    fn idle_ones_go_first_by_age_then_by_count_then_by_size_never_those_kept() {
        let now = 100 * DAY;
        let entries = [entry(1, 30, 10), entry(2, 1, 10), entry(3, 20, 10), entry(4, 0, 10)];
        let none = HashSet::new();
        assert_eq!(plan(&entries, &none, policy(14, 50, None), now), vec![1, 3], "idle past 14 days");
        assert_eq!(plan(&entries, &HashSet::from([1]), policy(14, 50, None), now), vec![3], "kept stays");
        assert_eq!(plan(&entries, &none, policy(90, 2, None), now), vec![1, 3], "the longest idle beyond two");
        assert_eq!(plan(&entries, &HashSet::from([1]), policy(90, 2, None), now), vec![3, 2], "kept still counts");
        assert_eq!(plan(&entries, &none, policy(90, 50, Some(25)), now), vec![1, 3], "until 20 bytes remain");
        assert_eq!(plan(&entries, &none, policy(90, 50, None), now), Vec::<i64>::new());
    }

    #[test]
    fn ports_take_the_lowest_free_slot() {
        assert_eq!(free_slot(&[]), Some(0));
        assert_eq!(free_slot(&[0, 1, 3]), Some(2));
        assert_eq!(free_slot(&(0..MAX_SLOTS).collect::<Vec<_>>()), None);
    }

    #[test]
    fn a_failed_setup_command_says_how_it_ended_and_how_its_output_ended() {
        let dir = tempfile::tempdir().unwrap();
        let worktree = dir.path().join("S-1");
        fs::create_dir(&worktree).unwrap();
        let env = [("PATH".into(), std::env::var_os("PATH").unwrap())];
        let err = run_setup("echo installing; echo boom >&2; exit 3", &worktree, &env).unwrap_err().to_string();
        assert!(err.contains("exit status: 3") && err.contains("installing") && err.contains("boom"), "{err}");
        assert!(run_setup("true", &worktree, &env).is_ok());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "the output file is gone, the worktree stays");
    }

    #[test]
    fn worktrees_made_at_once_never_share_a_port_slot() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (1..=16)
            .map(|id| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || port_slot(&dir, id).unwrap())
            })
            .collect();
        let mut slots: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        slots.sort_unstable();
        assert_eq!(slots, (0..16).collect::<Vec<_>>());
        assert_eq!(port_slot(dir.path(), 7).unwrap(), port_slot(dir.path(), 7).unwrap(), "a worktree keeps its slot");
    }

    #[test]
    fn worktreeinclude_patterns_cover_their_files_and_directories() {
        let (patterns, _) = worktree_include::patterns(".env\n.env.*\ncerts\nconfig/*.local.json\n");
        for yes in [".env", ".env.local", "certs/dev.pem", "config/db.local.json"] {
            assert!(included(&patterns, Path::new(yes)), "{yes}");
        }
        for no in ["src/main.rs", "config/db.json", "env", "cert/x"] {
            assert!(!included(&patterns, Path::new(no)), "{no}");
        }
    }
}
