//! A message's attached files, saved into `<worktree>/attachments/` before its turn, and
//! listed at the top of the prompt so the agent knows where they are.
//!
//! Nothing the server or the repository says may make the daemon write outside that folder:
//! the server's file name is made a plain file name again here ([`safe_file_name`]); files
//! are created new (`create_new`, never overwriting) without following a symlink; and when
//! `attachments` inside the worktree is a symlink (say, one committed in the repository) or
//! not a directory, nothing is written and the turn says why.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use protocol::api::Attachment;

/// Where attachments go inside the worktree; a `.gitignore` of `*` keeps them out of git.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// Longest file name kept, in bytes (file systems allow 255; room for a `-12` suffix).
const MAX_NAME_BYTES: usize = 200;

/// A plain file name for what the server calls `name`: its last path component (`/` and `\`
/// both separate), without control characters, never `.` or `..`, at most 200 bytes; an
/// empty result is `attachment`.
pub fn safe_file_name(name: &str) -> String {
    let last = name.split(['/', '\\']).rev().find(|part| !part.is_empty() && *part != "." && *part != "..");
    let mut clean: String = last.unwrap_or("").chars().filter(|c| !c.is_control()).collect();
    if clean.trim_matches('.').is_empty() {
        clean.clear();
    }
    while clean.len() > MAX_NAME_BYTES {
        clean.pop();
    }
    if clean.trim().is_empty() {
        return "attachment".to_owned();
    }
    clean
}

/// Refuses when a component of `relative` under `root` is a symlink or not a directory, and
/// answers the directory, created if missing. `symlink_metadata` never follows the link.
fn attachments_dir(root: &Path, relative: &str) -> Result<PathBuf> {
    let mut dir = root.to_path_buf();
    for part in Path::new(relative).components() {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symlink (committed in the repository?): attachments are never written through one; \
                 remove it from the branch",
                dir.display()
            ),
            Ok(meta) if !meta.is_dir() => {
                bail!(
                    "{} is not a directory: attachments need it for themselves; remove it from the branch",
                    dir.display()
                )
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot look at {}", dir.display())),
        }
    }
    Ok(dir)
}

/// A new file in `dir`: never an existing one, never through a symlink.
fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).mode(0o644).open(path)
}

/// Prepares `<worktree>/attachments/` (with its `.gitignore`), or refuses; nothing is
/// downloaded before this succeeds.
pub fn prepare(worktree: &Path) -> Result<PathBuf> {
    let dir = attachments_dir(worktree, ATTACHMENTS_DIR)?;
    match create_new(&dir.join(".gitignore")) {
        Ok(mut file) => file.write_all(b"*\n").with_context(|| format!("cannot write {}/.gitignore", dir.display()))?,
        // One is there already (ours from an earlier turn, or the branch's): leave it.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot write {}/.gitignore", dir.display())),
    }
    Ok(dir)
}

/// Writes `bytes` as a new file in `dir` named after `filename` (`a.png`, else `a-1.png`,
/// `a-2.png`, ...); answers its path relative to the worktree.
pub fn store(dir: &Path, filename: &str, bytes: &[u8]) -> Result<String> {
    let name = safe_file_name(filename);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    for i in 0..10_000 {
        let candidate = if i == 0 { name.clone() } else { format!("{stem}-{i}{ext}") };
        match create_new(&dir.join(&candidate)) {
            Ok(mut file) => {
                file.write_all(bytes).with_context(|| format!("cannot write {}", dir.join(&candidate).display()))?;
                return Ok(format!("{ATTACHMENTS_DIR}/{candidate}"));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.join(&candidate).display())),
        }
    }
    bail!("{} holds too many files named like {name:?}: clear it out", dir.display())
}

/// Downloads the message's files into `<worktree>/attachments/`; answers their paths
/// relative to the worktree.
pub async fn save(
    client: &crate::client::Client,
    session_id: i64,
    worktree: &Path,
    attachments: &[Attachment],
) -> Result<Vec<String>> {
    let dir = prepare(worktree)?;
    let mut saved = Vec::new();
    for a in attachments {
        let response = client
            .send(client.request(reqwest::Method::GET, &format!("/api/sessions/{session_id}/attachments/{}", a.id))?)
            .await?;
        if !response.status().is_success() {
            return Err(crate::client::error_of(&format!("download {}", a.filename), response).await);
        }
        let bytes = response.bytes().await.with_context(|| format!("cannot download {}", a.filename))?;
        saved.push(store(&dir, &a.filename, &bytes)?);
    }
    Ok(saved)
}

/// The prompt with the saved files listed first, so the agent knows where they are.
pub fn with_attachments(prompt: &str, saved: &[String]) -> String {
    let list: Vec<String> = saved.iter().map(|p| format!("- {p}")).collect();
    format!("[Attached files, saved in the working directory:]\n{}\n\n{prompt}", list.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_file_names_become_plain_names() {
        assert_eq!(safe_file_name("notes.txt"), "notes.txt");
        assert_eq!(safe_file_name("../../x"), "x");
        assert_eq!(safe_file_name("/etc/x"), "x");
        assert_eq!(safe_file_name("a\\..\\b.png"), "b.png");
        assert_eq!(safe_file_name("evil\u{0}\u{1b}[2J\n.sh"), "evil[2J.sh");
        for empty in ["", "..", ".", "/", "../..", "\u{7f}", "...", " "] {
            assert_eq!(safe_file_name(empty), "attachment", "{empty:?}");
        }
        assert!(safe_file_name(&"é".repeat(300)).len() <= MAX_NAME_BYTES);
    }

    #[test]
    fn hostile_attachment_names_land_inside_attachments() {
        let worktree = tempfile::tempdir().unwrap();
        let dir = prepare(worktree.path()).unwrap();
        assert_eq!(store(&dir, "../../x", b"one").unwrap(), "attachments/x");
        assert_eq!(store(&dir, "/etc/x", b"two").unwrap(), "attachments/x-1");
        assert_eq!(store(&dir, "..", b"three").unwrap(), "attachments/attachment");
        assert_eq!(fs::read_to_string(worktree.path().join("attachments/x")).unwrap(), "one");
        assert_eq!(fs::read_to_string(worktree.path().join("attachments/x-1")).unwrap(), "two");
        assert_eq!(fs::read_to_string(worktree.path().join("attachments/.gitignore")).unwrap(), "*\n");
        let outside: Vec<_> = fs::read_dir(worktree.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(outside, ["attachments"]);
    }

    #[test]
    fn a_committed_attachments_symlink_is_refused_and_nothing_is_written_outside() {
        let worktree = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), worktree.path().join(ATTACHMENTS_DIR)).unwrap();
        let err = prepare(worktree.path()).unwrap_err();
        assert!(err.to_string().contains("is a symlink"), "{err}");
        assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing was written through the link");

        // A file where the folder should be is refused too.
        let other = tempfile::tempdir().unwrap();
        fs::write(other.path().join(ATTACHMENTS_DIR), "x").unwrap();
        assert!(prepare(other.path()).unwrap_err().to_string().contains("not a directory"));
    }

    #[test]
    fn files_inside_attachments_are_never_written_through_a_symlink() {
        let worktree = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("bashrc");
        fs::write(&target, "mine").unwrap();
        let dir = worktree.path().join(ATTACHMENTS_DIR);
        fs::create_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&target, dir.join(".gitignore")).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("notes.txt")).unwrap();
        let dir = prepare(worktree.path()).unwrap();
        assert_eq!(store(&dir, "notes.txt", b"attached").unwrap(), "attachments/notes-1.txt");
        assert_eq!(fs::read_to_string(&target).unwrap(), "mine");
    }
}
