//! The worker's own configuration: which server, which worker it is, its token, its agent,
//! its repository and worktrees. Kept in `<repo>/.baton/worker.json` (mode 600), which is
//! added to the repository's `.git/info/exclude` so it is never committed; `--config` or
//! `BATON_WORKER_CONFIG` name another place. Beside it live the daemon's lock
//! (`worker.lock`) and its command cursor (`worker.cursor`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use protocol::worker::AgentKind;
use serde::{Deserialize, Serialize};

use crate::agent::claude::PermissionMode;

pub const DEFAULT_TURN_TIMEOUT_SECS: u64 = 30 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerConfig {
    pub url: String,
    pub token: String,
    pub worker_id: i64,
    pub project_id: i64,
    pub name: String,
    pub agent: AgentKind,
    /// For `agent = command`: the command that gets the prompt on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_command: Option<String>,
    pub base_branch: String,
    pub max_sessions: u32,
    pub repo: PathBuf,
    pub worktrees_dir: PathBuf,
    #[serde(default = "default_turn_timeout")]
    pub turn_timeout_secs: u64,
    /// The variables of the daemon's environment its agent gets besides the basics (see
    /// [`crate::agent::env`]); none: the adapter's defaults. `BATON_*` names never pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_env: Option<Vec<String>>,
    /// Claude Code's permission mode for turns not in plan mode.
    #[serde(default)]
    pub permission_mode: PermissionMode,
    /// A shell command run once in each new worktree before its first turn (`npm ci`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_command: Option<String>,
    /// The first port handed out: worktree slot N gets `BATON_PORT_BASE = port_base + 10 N`.
    #[serde(default = "default_port_base")]
    pub port_base: u16,
    /// When idle worktrees are removed (see `daemon::worktrees`).
    #[serde(default)]
    pub cleanup: CleanupPolicy,
}

/// When the daemon removes the worktrees of sessions that are not working: idle longer than
/// `idle_days`, then the longest idle beyond `max_worktrees`, then beyond `max_bytes`. A
/// worktree in a turn, or holding uncommitted changes, is never removed; its branch always
/// stays, and the next message makes the worktree again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupPolicy {
    pub idle_days: u32,
    pub max_worktrees: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

impl Default for CleanupPolicy {
    fn default() -> Self {
        CleanupPolicy { idle_days: 14, max_worktrees: 20, max_bytes: None }
    }
}

pub const DEFAULT_PORT_BASE: u16 = 20_000;

fn default_port_base() -> u16 {
    DEFAULT_PORT_BASE
}

fn default_turn_timeout() -> u64 {
    DEFAULT_TURN_TIMEOUT_SECS
}

/// The top of the git repository containing `dir`.
pub fn repo_root(dir: &Path) -> Result<PathBuf> {
    let repo = git2::Repository::discover(dir).with_context(|| {
        format!("{} is not inside a git repository: run this in the repository the worker serves", dir.display())
    })?;
    repo.workdir()
        .map(Path::to_path_buf)
        .with_context(|| "a bare repository cannot host worktrees: use a clone with a working tree".to_owned())
}

/// `--config`, else `BATON_WORKER_CONFIG`, else `<repo>/.baton/worker.json`.
pub fn path(flag: Option<&Path>, cwd: &Path) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("BATON_WORKER_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    Ok(repo_root(cwd)?.join(".baton").join("worker.json"))
}

pub fn load(path: &Path) -> Result<WorkerConfig> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("no worker config at {}: run `baton worker register` first", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a worker config: register again", path.display()))
}

pub fn save(path: &Path, config: &WorkerConfig) -> Result<()> {
    crate::private_file::write_json(path, config)
}

/// Adds `entry` to the repository's `.git/info/exclude` unless it is there.
pub fn exclude(repo: &Path, entry: &str) -> Result<()> {
    let git_dir = git2::Repository::open(repo)
        .with_context(|| format!("{} is not a git repository", repo.display()))?
        .path()
        .to_path_buf();
    let info = git_dir.join("info");
    fs::create_dir_all(&info).with_context(|| format!("cannot create {}", info.display()))?;
    let file = info.join("exclude");
    let current = fs::read_to_string(&file).unwrap_or_default();
    if current.lines().any(|l| l.trim() == entry) {
        return Ok(());
    }
    let mut out = current;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(entry);
    out.push('\n');
    fs::write(&file, out).with_context(|| format!("cannot write {}", file.display()))
}

/// This machine's id, created once under the user's data dir (`BATON_DATA_DIR` overrides).
pub fn machine_id() -> Result<String> {
    let dir = match std::env::var_os("BATON_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => dirs::data_dir().context("cannot find a data directory: set BATON_DATA_DIR")?.join("baton"),
    };
    let file = dir.join("machine-id");
    if let Ok(id) = fs::read_to_string(&file) {
        let id = id.trim().to_owned();
        if !id.is_empty() {
            return Ok(id);
        }
    }
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a machine id: {e}"))?;
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::write(&file, &id).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(id)
}

/// Where worktrees go by default: `BATON_WORKTREE_DIR`, else the data dir.
pub fn default_worktrees_dir(project_id: i64) -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("BATON_WORKTREE_DIR") {
        return Ok(PathBuf::from(d));
    }
    let base = match std::env::var_os("BATON_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => dirs::data_dir().context("cannot find a data directory: set BATON_DATA_DIR")?.join("baton"),
    };
    Ok(base.join("worktrees").join(format!("project-{project_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_is_added_once() {
        let dir = tempfile::tempdir().unwrap();
        git2::Repository::init(dir.path()).unwrap();
        exclude(dir.path(), ".baton/").unwrap();
        exclude(dir.path(), ".baton/").unwrap();
        let text = fs::read_to_string(dir.path().join(".git/info/exclude")).unwrap();
        assert_eq!(text.matches(".baton/").count(), 1);
    }

    #[test]
    fn an_exclusion_that_cannot_be_written_names_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        git2::Repository::init(dir.path()).unwrap();
        let info = dir.path().join(".git/info");
        let _ = fs::remove_dir_all(&info);
        fs::write(&info, "not a directory").unwrap();
        let err = format!("{:#}", exclude(dir.path(), ".baton/").unwrap_err());
        assert!(err.contains(&format!("cannot create {}", info.display())), "{err}");
    }

    #[test]
    fn the_config_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".baton/worker.json");
        let config = WorkerConfig {
            url: "http://x".into(),
            token: "btw_x".into(),
            worker_id: 2,
            project_id: 1,
            name: "n".into(),
            agent: AgentKind::Scripted,
            agent_command: None,
            base_branch: "main".into(),
            max_sessions: 4,
            repo: dir.path().into(),
            worktrees_dir: dir.path().join("w"),
            turn_timeout_secs: 60,
            agent_env: Some(vec!["OPENAI_API_KEY".into()]),
            permission_mode: PermissionMode::BypassPermissions,
            setup_command: None,
            port_base: DEFAULT_PORT_BASE,
            cleanup: CleanupPolicy::default(),
        };
        save(&path, &config).unwrap();
        assert_eq!(load(&path).unwrap(), config);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_config_from_before_agent_settings_loads_with_safe_defaults() {
        let text = r#"{"url":"http://x","token":"btw_x","worker_id":2,"project_id":1,"name":"n","agent":"claude-code",
            "base_branch":"main","max_sessions":4,"repo":"/r","worktrees_dir":"/w"}"#;
        let config: WorkerConfig = serde_json::from_str(text).unwrap();
        assert_eq!(config.agent_env, None);
        assert_eq!(config.permission_mode, PermissionMode::AcceptEdits);
    }
}
