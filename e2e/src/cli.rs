//! Running the real `baton` binary with an isolated config file, its daemon as a process that
//! dies with the test, and git in the repositories it works on.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The `baton` binary: `BATON_BIN`, else the one `cargo build -p worker-cli` makes (which
/// `make test` runs first).
pub fn baton_path() -> PathBuf {
    if let Some(path) = std::env::var_os("BATON_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::server::repo_root().join("target"));
    let path = target.join("debug").join("baton");
    assert!(path.exists(), "{} is missing: run `cargo build -p worker-cli` (make test does)", path.display());
    path
}

/// A `baton` invocation with its own config file, and no server or token from the caller's
/// environment.
pub struct Baton {
    pub config: tempfile::TempDir,
}

impl Default for Baton {
    fn default() -> Self {
        Self::new()
    }
}

impl Baton {
    pub fn new() -> Baton {
        Baton { config: tempfile::tempdir().expect("a temp dir") }
    }

    pub fn config_path(&self) -> PathBuf {
        self.config.path().join("config.json")
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(baton_path());
        command
            .env("BATON_CONFIG", self.config_path())
            .env_remove("BATON_URL")
            .env_remove("BATON_TOKEN")
            .stdin(Stdio::null());
        command
    }

    /// Runs `baton args...` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("baton runs")
    }

    /// Runs and insists on success; answers stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "baton {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A running `baton worker run`, killed when dropped: a failing test leaves no daemon behind.
pub struct Daemon(pub std::process::Child);

impl std::ops::Deref for Daemon {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Daemon {
    /// `kill -9`: no goodbye, no cleanup.
    pub fn kill_9(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Makes `dir` a git repository on `main` with one commit (a README): what a worker needs.
pub fn repo_with_one_commit(dir: &std::path::Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README.md"), "# demo\n").expect("a README");
    git(dir, &["add", "."]);
    git(dir, &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first"]);
}

pub fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git").arg("-C").arg(dir).args(args).env("HOME", dir).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
