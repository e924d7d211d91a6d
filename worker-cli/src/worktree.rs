//! One git worktree per session, on its own branch `baton/S-<id>`, created from the worker's
//! base branch (synced from `origin` first when there is one), always inside the worktrees
//! directory.
//!
//! git2 does the local work (branches, worktrees); fetching uses the `git` CLI, because it
//! honours the user's credential helpers and ssh config where libgit2 would need its own.
//! How that CLI runs is a [`GitCli`] argument: the daemon's environment, or in tests a `HOME`
//! of their own, so a developer's global git config cannot change their outcome.
//! Every call opens the repository afresh (callers run it in `spawn_blocking`); creations are
//! serialized within the process (`CREATING`: libgit2 makes `.git/worktrees` with a check
//! then a mkdir, so two sessions starting at once could fail one of them); creation is
//! recoverable: the `S-<id>.ready` marker beside the worktree is written last, so a worktree
//! without one (a kill mid-setup) is removed and made again. Credentials never reach an
//! error message: remote URLs are scrubbed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use git2::{BranchType, Repository, WorktreeAddOptions, WorktreePruneOptions};

use crate::messages;

/// Where a session's worktree lives and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub path: PathBuf,
    pub branch: String,
    pub name: String,
    pub marker: PathBuf,
    /// Its port slot (see `daemon::worktrees`).
    pub port: PathBuf,
    /// Written once its setup command succeeded.
    pub setup: PathBuf,
}

/// Pure: the layout of session `id` under `worktrees_dir` (ids are integers, so nothing a
/// person types reaches a path or a branch name).
pub fn layout(worktrees_dir: &Path, session_id: i64) -> Layout {
    Layout {
        path: worktrees_dir.join(format!("S-{session_id}")),
        branch: format!("baton/S-{session_id}"),
        name: format!("baton-S-{session_id}"),
        marker: worktrees_dir.join(format!("S-{session_id}.ready")),
        port: worktrees_dir.join(format!("S-{session_id}.port")),
        setup: worktrees_dir.join(format!("S-{session_id}.setup")),
    }
}

/// How the `git` CLI runs: in the daemon's environment (the default), or with `HOME` pointed
/// elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitCli {
    home: Option<PathBuf>,
}

impl GitCli {
    /// Git with `HOME` (and so its global config) at `home`.
    pub fn with_home(home: &Path) -> Self {
        GitCli { home: Some(home.to_path_buf()) }
    }

    fn command(&self) -> Command {
        let mut command = Command::new("git");
        if let Some(home) = &self.home {
            command.env("HOME", home);
        }
        command
    }
}

/// Removes `user:password@` from URLs in a message.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '/' || c == '\'' || c == '"').unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => out.push_str(&tail[at + 1..end]),
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Makes sure session `id` has its worktree; answers its path. Idempotent.
/// Held while a worktree is made (see the module doc).
static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn ensure(
    repo_path: &Path,
    worktrees_dir: &Path,
    session_id: i64,
    base_branch: &str,
    git: &GitCli,
) -> Result<PathBuf> {
    // A panic elsewhere while holding it leaves nothing half-done that the next call would not
    // repair (the ready marker is written last), so a poisoned lock is taken all the same.
    let _creating = CREATING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    fs::create_dir_all(worktrees_dir).with_context(|| format!("cannot create {}", worktrees_dir.display()))?;
    let l = layout(worktrees_dir, session_id);
    let repo = open(repo_path)?;
    if l.marker.exists() && l.path.join(".git").exists() {
        return Ok(l.path);
    }
    // Half-made or vanished: clear what is left, keep the branch (it holds the session's work).
    // A new worktree is set up anew.
    let _ = fs::remove_file(&l.marker);
    let _ = fs::remove_file(&l.setup);
    if l.path.exists() {
        fs::remove_dir_all(&l.path).with_context(|| format!("cannot clear {}", l.path.display()))?;
    }
    prune(&repo, repo_path, &l.name)?;

    let branch = match repo.find_branch(&l.branch, BranchType::Local) {
        Ok(branch) => branch,
        Err(_) => {
            let base = base_commit(&repo, repo_path, base_branch, git)?;
            repo.branch(&l.branch, &base, false)
                .with_context(|| format!("cannot create branch {} in {}", l.branch, repo_path.display()))?
        }
    };
    let reference = branch.into_reference();
    let mut options = WorktreeAddOptions::new();
    options.reference(Some(&reference));
    repo.worktree(&l.name, &l.path, Some(&options))
        .with_context(|| format!("cannot create the worktree {}", l.path.display()))?;
    fs::write(&l.marker, b"").with_context(|| format!("cannot write {}", l.marker.display()))?;
    Ok(l.path)
}

/// Removes session `id`'s worktree and what the daemon kept beside it (the branch stays).
/// Idempotent.
pub fn remove(repo_path: &Path, worktrees_dir: &Path, session_id: i64) -> Result<()> {
    let l = layout(worktrees_dir, session_id);
    let _ = fs::remove_file(&l.marker);
    let _ = fs::remove_file(&l.setup);
    let _ = fs::remove_file(&l.port);
    if l.path.exists() {
        fs::remove_dir_all(&l.path).with_context(|| format!("cannot remove {}", l.path.display()))?;
    }
    prune(&open(repo_path)?, repo_path, &l.name)
}

fn open(repo_path: &Path) -> Result<Repository> {
    Repository::open(repo_path).with_context(|| messages::not_a_repository(repo_path))
}

fn prune(repo: &Repository, repo_path: &Path, name: &str) -> Result<()> {
    if let Ok(worktree) = repo.find_worktree(name) {
        let mut options = WorktreePruneOptions::new();
        options.valid(true).working_tree(true);
        worktree
            .prune(Some(&mut options))
            .with_context(|| format!("cannot prune worktree {name} of {}", repo_path.display()))?;
    }
    Ok(())
}

/// The commit to branch from: `origin/<base>` after a fetch when there is an `origin`, else
/// the local `<base>`.
fn base_commit<'r>(repo: &'r Repository, repo_path: &Path, base: &str, git: &GitCli) -> Result<git2::Commit<'r>> {
    let remote_ref = format!("refs/remotes/origin/{base}");
    if repo.find_remote("origin").is_ok() {
        fetch(repo_path, base, git)?;
        if let Ok(reference) = repo.find_reference(&remote_ref) {
            return reference
                .peel_to_commit()
                .with_context(|| format!("cannot read origin/{base} in {}", repo_path.display()));
        }
    }
    match repo.find_branch(base, BranchType::Local) {
        Ok(branch) => {
            branch.get().peel_to_commit().with_context(|| format!("cannot read {base} in {}", repo_path.display()))
        }
        Err(_) if matches!(repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch) => {
            bail!(messages::unborn_repository(repo_path, base))
        }
        Err(_) => bail!(messages::missing_base_branch(repo_path, base)),
    }
}

fn fetch(repo_path: &Path, base: &str, git: &GitCli) -> Result<()> {
    let refspec = format!("+refs/heads/{base}:refs/remotes/origin/{base}");
    let mut child = git
        .command()
        .arg("-C")
        .arg(repo_path)
        .args(["fetch", "--no-tags", "--quiet", "origin", &refspec])
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| messages::cannot_run_git(repo_path))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let exited =
            child.try_wait().with_context(|| format!("cannot wait for git fetch in {}", repo_path.display()))?;
        if let Some(status) = exited {
            if status.success() {
                return Ok(());
            }
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                use std::io::Read;
                let _ = stderr.read_to_string(&mut err);
            }
            return Err(anyhow!("git fetch origin {base} in {} failed: {}", repo_path.display(), scrub(err.trim())));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            bail!(messages::fetch_timed_out(repo_path, base));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git").arg("-C").arg(dir).args(args).env("HOME", dir).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Git with a `HOME` of its own, kept as long as the test holds it.
    fn isolated_git() -> (tempfile::TempDir, GitCli) {
        let home = tempfile::tempdir().unwrap();
        let git = GitCli::with_home(home.path());
        (home, git)
    }

    /// A clone of `upstream` (made with `home` as HOME); answers its directory and path.
    fn clone_of(upstream: &tempfile::TempDir, home: &tempfile::TempDir) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("c");
        let out = Command::new("git")
            .env("HOME", home.path())
            .args(["clone", "-q"])
            .arg(upstream.path())
            .arg(&local)
            .output()
            .unwrap();
        assert!(out.status.success(), "git clone: {}", String::from_utf8_lossy(&out.stderr));
        (dir, local)
    }

    fn repo_with_commit() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        fs::write(dir.path().join("README.md"), "hello\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first"]);
        dir
    }

    /// Regression: two sessions starting at once raced libgit2's mkdir of `.git/worktrees`
    /// ("directory exists") and one of them never ran.
    #[test]
    fn sessions_starting_at_once_all_get_their_worktrees() {
        let repo = repo_with_commit();
        let dirs = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let made: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..=8)
                .map(|session| {
                    let (repo, dirs, home) = (repo.path(), dirs.path(), home.path());
                    scope.spawn(move || ensure(repo, dirs, session, "main", &GitCli::with_home(home)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, result) in made.iter().enumerate() {
            assert!(result.as_ref().is_ok_and(|p| p.join("README.md").exists()), "session {}: {result:?}", i + 1);
        }
    }

    #[test]
    fn layouts_are_derived_from_the_session_id_only() {
        let l = layout(Path::new("/w"), 7);
        assert_eq!(
            (l.path, l.branch.as_str(), l.marker),
            (PathBuf::from("/w/S-7"), "baton/S-7", PathBuf::from("/w/S-7.ready"))
        );
    }

    #[test]
    fn credentials_are_scrubbed_from_messages() {
        assert_eq!(
            scrub("fatal: could not read from 'https://ada:s3cret@github.com/o/r.git/'"),
            "fatal: could not read from 'https://github.com/o/r.git/'"
        );
        assert_eq!(scrub("no url here"), "no url here");
    }

    #[test]
    fn a_worktree_is_made_on_its_branch_restored_when_it_vanishes_and_removed() {
        let (_home, cli) = isolated_git();
        let repo = repo_with_commit();
        let dirs = tempfile::tempdir().unwrap();
        let path = ensure(repo.path(), dirs.path(), 3, "main", &cli).unwrap();
        assert!(path.join("README.md").exists());
        let wt = Repository::open(&path).unwrap();
        assert_eq!(wt.head().unwrap().shorthand(), Some("baton/S-3"));
        // Work on the branch survives the directory vanishing.
        fs::write(path.join("work.txt"), "w").unwrap();
        git(&path, &["add", "."]);
        git(&path, &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "work"]);
        fs::remove_dir_all(&path).unwrap();
        let again = ensure(repo.path(), dirs.path(), 3, "main", &cli).unwrap();
        assert!(again.join("work.txt").exists(), "restored from the session's branch");
        assert_eq!(ensure(repo.path(), dirs.path(), 3, "main", &cli).unwrap(), again, "idempotent");
        remove(repo.path(), dirs.path(), 3).unwrap();
        assert!(!again.exists());
        assert!(
            Repository::open(repo.path()).unwrap().find_branch("baton/S-3", BranchType::Local).is_ok(),
            "the branch stays"
        );
    }

    #[test]
    fn removing_a_worktree_of_a_repository_that_is_gone_names_the_repository() {
        let dirs = tempfile::tempdir().unwrap();
        let gone = dirs.path().join("moved-away");
        let err = remove(&gone, &dirs.path().join("wt"), 9).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{} is not a git repository", gone.display())), "{err}");
        assert!(err.contains("register the worker again"), "{err}");
    }

    #[test]
    fn a_half_made_worktree_is_made_again() {
        let (_home, cli) = isolated_git();
        let repo = repo_with_commit();
        let dirs = tempfile::tempdir().unwrap();
        fs::create_dir_all(dirs.path().join("S-4")).unwrap(); // a kill before the marker
        let path = ensure(repo.path(), dirs.path(), 4, "main", &cli).unwrap();
        assert!(path.join("README.md").exists());
    }

    #[test]
    fn missing_base_branches_and_empty_repositories_are_explained() {
        let (_home, cli) = isolated_git();
        let repo = repo_with_commit();
        let dirs = tempfile::tempdir().unwrap();
        let err = ensure(repo.path(), dirs.path(), 5, "develop", &cli).unwrap_err().to_string();
        assert!(err.contains("\"develop\" does not exist") && err.contains("--base-branch"), "{err}");
        let empty = tempfile::tempdir().unwrap();
        git(empty.path(), &["init", "-q", "-b", "main"]);
        let err = ensure(empty.path(), dirs.path(), 6, "main", &cli).unwrap_err().to_string();
        assert!(err.contains("no commits yet"), "{err}");
    }

    #[test]
    fn the_base_is_synced_from_origin_when_there_is_one() {
        let (home, cli) = isolated_git();
        let upstream = repo_with_commit();
        let (_clone, local) = clone_of(&upstream, &home);
        // Upstream moves on after the clone: the session must start from the new commit.
        fs::write(upstream.path().join("NEW.md"), "new\n").unwrap();
        git(upstream.path(), &["add", "."]);
        git(upstream.path(), &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "second"]);
        let dirs = tempfile::tempdir().unwrap();
        let path = ensure(&local, dirs.path(), 8, "main", &cli).unwrap();
        assert!(path.join("NEW.md").exists(), "branched from the fetched origin/main");
    }

    #[test]
    fn fetching_runs_git_with_the_home_it_is_given() {
        let upstream = repo_with_commit();
        let (home, cli) = isolated_git();
        let (_clone, local) = clone_of(&upstream, &home);
        // A global config that forbids local fetches: honoured when it is the given HOME's.
        let (hostile, _) = isolated_git();
        fs::write(hostile.path().join(".gitconfig"), "[protocol \"file\"]\n\tallow = never\n").unwrap();
        let dirs = tempfile::tempdir().unwrap();
        let err = ensure(&local, dirs.path(), 1, "main", &GitCli::with_home(hostile.path())).unwrap_err().to_string();
        assert!(err.contains("git fetch origin main in") && err.contains("failed"), "{err}");
        assert!(ensure(&local, dirs.path(), 1, "main", &cli).is_ok());
    }
}
