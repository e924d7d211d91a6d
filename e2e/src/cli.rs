//! Running the real `baton` binary with an isolated config file.

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
